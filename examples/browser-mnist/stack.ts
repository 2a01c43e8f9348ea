/**
 * The MNIST example's stack: the shared example stack (`examples/common/stack.ts`: a
 * coordinator and the page's Vite server) with each simulated user's MNIST shard. Used by
 * `npm run example:browser` and the browser tests.
 */
import { fileURLToPath } from 'node:url';
import { startStack, type ExampleStack, type StackOptions } from '../common/stack.js';
import { buildShards, type ShardOptions } from './shards.js';

export { freePort } from '../common/stack.js';
export type { ExampleStack } from '../common/stack.js';

/** Options of {@link startExampleStack}: the shared stack's, with MNIST shards to build. */
export interface ExampleStackOptions extends Omit<StackOptions, 'root' | 'name' | 'shards'> {
  readonly shards: ShardOptions;
}

/** Builds the MNIST shards and starts the coordinator and the page server. */
export async function startExampleStack(o: ExampleStackOptions): Promise<ExampleStack> {
  return startStack({
    ...o,
    root: fileURLToPath(new URL('./', import.meta.url)),
    name: 'edgefed-browser-mnist',
    shards: await buildShards(o.shards),
  });
}
