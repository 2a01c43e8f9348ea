/**
 * Backend choice in browsers: WebGPU when an adapter is available, wasm otherwise, with the
 * reason reported so an app can show (and log) why it trains where it does. An app can
 * force one backend. Only the two browser backends are registered, so onnxruntime-node is
 * never touched.
 */
import { EdgefedError, toEdgefedError } from '@edgefed/shared';
import type { TrainingBackend } from '../runtime/backend.js';
import { BackendRegistry } from '../runtime/backend-registry.js';
import { createWasmBackend } from '../runtime/wasm-backend.js';
import { createWebGpuBackend } from '../runtime/webgpu-backend.js';

/** Which backend to train on: `auto` (default) tries WebGPU, then wasm. */
export type BackendPreference = 'auto' | 'webgpu' | 'wasm';

/** Options of {@link chooseBackend}. */
export interface ChooseBackendOptions {
  readonly backend?: BackendPreference;
  /**
   * Where onnxruntime-web fetches its `.wasm`/`.mjs` files (`ort.env.wasm.wasmPaths`), e.g.
   * `/ort/` when the app serves `node_modules/onnxruntime-web/dist/` there. Default: next
   * to the bundle (what Vite emits).
   */
  readonly wasmPaths?: string;
  /** wasm threads (default: up to 4 when cross-origin isolated, else 1). */
  readonly wasmThreads?: number;
}

/** The chosen backend and why. */
export interface BackendChoice {
  readonly backend: TrainingBackend;
  readonly name: 'webgpu' | 'wasm';
  /** For people, e.g. "WebGPU adapter available" or "forced by the app". */
  readonly reason: string;
  /** Backends that were tried and failed, with their reasons. */
  readonly failures: Readonly<Record<string, string>>;
}

/** Fails with INVALID_ARGUMENT for anything but `auto`, `webgpu` or `wasm`. */
export function checkBackendPreference(value: unknown): BackendPreference {
  if (value === 'auto' || value === 'webgpu' || value === 'wasm') return value;
  throw new EdgefedError('INVALID_ARGUMENT', `backend must be auto, webgpu or wasm, got ${String(value)}`);
}

/**
 * Initialises a browser backend. `auto`: WebGPU if it initialises (adapter present and a
 * probe session runs), else wasm with WebGPU's failure as the reason. A forced backend that
 * cannot run throws `BACKEND_UNAVAILABLE` (no silent fallback: the app asked for it).
 */
export async function chooseBackend(options: ChooseBackendOptions = {}): Promise<BackendChoice> {
  const preference = checkBackendPreference(options.backend ?? 'auto');
  const registry = new BackendRegistry();
  const paths = options.wasmPaths === undefined ? {} : { wasmPaths: options.wasmPaths };
  registry.register({ name: 'webgpu', priority: 30, init: () => createWebGpuBackend(paths) });
  registry.register({
    name: 'wasm',
    priority: 10,
    init: () =>
      createWasmBackend({
        ...paths,
        ...(options.wasmThreads === undefined ? {} : { numThreads: options.wasmThreads }),
      }),
  });
  if (preference !== 'auto') {
    const backend = await registry.resolve({ backend: preference });
    return { backend, name: preference, reason: `${preference} forced by the app`, failures: {} };
  }
  let backend: TrainingBackend;
  try {
    backend = await registry.resolve();
  } catch (e) {
    throw toEdgefedError(e, 'BACKEND_UNAVAILABLE');
  }
  const failures = Object.fromEntries(registry.failures());
  const name = backend.name === 'webgpu' ? 'webgpu' : 'wasm';
  const reason =
    name === 'webgpu'
      ? 'a WebGPU adapter is available'
      : `WebGPU unavailable (${failures.webgpu ?? 'unknown reason'}); training on wasm`;
  return { backend, name, reason, failures };
}
