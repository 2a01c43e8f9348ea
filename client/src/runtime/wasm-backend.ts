/**
 * onnxruntime-web wasm backend (`wasm`): runs in browsers, workers and Node. Threads: in
 * Node 1 unless told otherwise; in browsers up to 4 when the page is cross-origin
 * isolated (SharedArrayBuffer available), else 1.
 */
import { EdgefedError } from '@edgefed/shared';
import { probeBackend } from './probe.js';
import { hardwareConcurrency, isCrossOriginIsolated, isNodeRuntime } from './environment.js';
import { OrtBackend, type OrtModule } from './ort-backend.js';
import type { TrainingBackend } from './backend.js';

/** Options for {@link createWasmBackend}. */
export interface WasmBackendOptions {
  /** wasm threads; see the module comment for the default. ORT applies the first value set per page/process. */
  readonly numThreads?: number;
  /** Where ORT fetches its .wasm/.mjs files from (browsers; default: next to the bundle). */
  readonly wasmPaths?: string;
}

interface WasmEnv {
  wasm: { numThreads?: number; wasmPaths?: unknown };
}

function defaultThreads(): number {
  if (isNodeRuntime()) return 1;
  return isCrossOriginIsolated() ? Math.min(4, hardwareConcurrency()) : 1;
}

/**
 * Loads onnxruntime-web (wasm). Throws `BACKEND_UNAVAILABLE` when the module or its
 * WebAssembly binary cannot load, `INVALID_ARGUMENT` for a bad thread count.
 */
export async function createWasmBackend(options: WasmBackendOptions = {}): Promise<TrainingBackend> {
  const threads = options.numThreads ?? defaultThreads();
  if (!Number.isInteger(threads) || threads < 1)
    throw new EdgefedError('INVALID_ARGUMENT', `numThreads must be a positive integer, got ${threads}`);
  if (typeof WebAssembly === 'undefined')
    throw new EdgefedError('BACKEND_UNAVAILABLE', 'WebAssembly is not available here');
  let ort: OrtModule & { env: WasmEnv };
  try {
    ort = await import('onnxruntime-web');
  } catch (e) {
    throw new EdgefedError('BACKEND_UNAVAILABLE', `cannot load onnxruntime-web: ${String(e)}`, { cause: e });
  }
  ort.env.wasm.numThreads = threads;
  if (options.wasmPaths !== undefined) ort.env.wasm.wasmPaths = options.wasmPaths;
  const backend = new OrtBackend({
    name: 'wasm',
    ort,
    deviceResident: false,
    sessionOptions: { executionProviders: ['wasm'] },
  });
  await probeBackend(backend);
  return backend;
}
