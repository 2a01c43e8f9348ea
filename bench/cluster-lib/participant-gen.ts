/**
 * Participant generator for `npm run bench -- cluster-rounds`: one child process that starts
 * `count` real participants (the client library's `createParticipant`: socket.io websocket,
 * `hello` with a join token, tasks, model download over HTTP, binary upload) spread
 * round-robin over the coordinator URLs. Their training step is trivially cheap (the new
 * parameters are the global ones times 0.99, no waiting), so a round's time is the
 * coordination overhead. Reports `{"type":"done","connected":n,"failed":m,"seconds":s,
 * "firstError"?}` on stdout once every start has settled, then stays up until SIGTERM.
 *
 * Usage (the bench spawns it): participant-gen.ts '{"urls":[...],"count":N,"token":"...",
 * "concurrency":C,"offset":K}'
 */
import { createParticipant, type LocalTrainingEngine, type Participant } from '@edgefed/client';
import type { Tensor } from '@edgefed/shared';

interface Options {
  readonly urls: readonly string[];
  readonly count: number;
  readonly token: string;
  readonly concurrency: number;
  readonly offset: number;
}

const options = JSON.parse(process.argv[2] ?? '{}') as Options;
const participants: Participant[] = [];
let failed = 0;
let firstError: string | undefined;
let next = 0;
const started = performance.now();

const engine: LocalTrainingEngine = {
  backend: 'node',
  exampleCount: 32,
  fit({ global }) {
    const parameters = new Map<string, Tensor>();
    for (const [name, t] of global) {
      const src = t.data as Float32Array;
      const data = new Float32Array(src.length);
      for (let j = 0; j < src.length; j++) data[j] = 0.99 * (src[j] ?? 0);
      parameters.set(name, { dtype: 'float32', shape: t.shape, data });
    }
    return Promise.resolve({ parameters, exampleCount: 32, metrics: { loss: 1 } });
  },
  evaluate: () => Promise.resolve({ loss: 1, exampleCount: 32, metrics: {} }),
  async dispose() {},
};

async function worker(): Promise<void> {
  while (next < options.count) {
    const i = next++;
    const url = options.urls[(options.offset + i) % options.urls.length] ?? '';
    try {
      participants.push(
        await createParticipant({
          url,
          token: options.token,
          engine,
          transports: ['websocket'],
          deviceClass: 'virtual',
          reconnect: { initialDelayMs: 500, maxDelayMs: 5000 },
        }),
      );
    } catch (err) {
      failed++;
      firstError ??= err instanceof Error ? err.message : String(err);
    }
  }
}

await Promise.all(Array.from({ length: options.concurrency }, () => worker()));
const done = {
  type: 'done',
  connected: participants.length,
  failed,
  seconds: (performance.now() - started) / 1000,
  ...(firstError !== undefined && { firstError }),
};
process.stdout.write(`${JSON.stringify(done)}\n`);
process.once('SIGTERM', () => {
  void Promise.all(participants.map((p) => p.stop().catch(() => undefined))).finally(() => process.exit(0));
});
setInterval(() => undefined, 1 << 30);
