/**
 * Vite configuration of the browser-MNIST example: the shared example configuration
 * (`examples/common/vite-config.ts`: ES-module worker, onnxruntime-web at `/ort/`, COOP/COEP,
 * the coordinator proxied, shards at `/shards/<n>.bin`) rooted at this folder.
 */
import { fileURLToPath } from 'node:url';
import type { InlineConfig } from 'vite';
import { exampleConfig as sharedConfig, type ExampleConfigOptions } from '../common/vite-config.js';

/** The MNIST page's Vite config for dev (`createServer`), `build` and `preview`. */
export function exampleConfig(o: Omit<ExampleConfigOptions, 'root' | 'name'>): InlineConfig {
  return sharedConfig({
    ...o,
    root: fileURLToPath(new URL('./', import.meta.url)),
    name: 'edgefed-browser-mnist',
  });
}
