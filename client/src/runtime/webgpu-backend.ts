/**
 * onnxruntime-web WebGPU backend (`webgpu`, browsers only; `import 'onnxruntime-web/webgpu'`,
 * the native WebGPU execution provider). Sessions may keep chosen outputs on the GPU
 * (`preferredOutputLocation: 'gpu-buffer'`) so parameters and optimizer state stay there
 * between steps; the Trainer feeds them back and disposes the previous step's tensors.
 */
import { EdgefedError } from '@edgefed/shared';
import { isNodeRuntime } from './environment.js';
import { OrtBackend, type OrtModule } from './ort-backend.js';
import { probeBackend } from './probe.js';
import type { TrainingBackend } from './backend.js';

/** Options for {@link createWebGpuBackend}. */
export interface WebGpuBackendOptions {
  /** Adapter power preference passed to ORT (default: ORT's choice). */
  readonly powerPreference?: 'low-power' | 'high-performance';
  /** Where ORT fetches its .wasm/.mjs files from (default: next to the bundle). */
  readonly wasmPaths?: string;
}

interface WebGpuEnv {
  wasm: { numThreads?: number; wasmPaths?: unknown };
  webgpu: { powerPreference?: 'low-power' | 'high-performance' };
}

interface GpuNavigator {
  readonly gpu?: { requestAdapter(): Promise<unknown> };
}

/**
 * Loads onnxruntime-web's WebGPU build and checks that an adapter exists and a session
 * runs. Throws `BACKEND_UNAVAILABLE` in Node, without `navigator.gpu`, without an adapter,
 * or when ORT's WebGPU initialisation fails (the reason in the message).
 */
export async function createWebGpuBackend(options: WebGpuBackendOptions = {}): Promise<TrainingBackend> {
  if (isNodeRuntime()) throw new EdgefedError('BACKEND_UNAVAILABLE', 'WebGPU training runs in browsers only');
  const gpu = (globalThis as { navigator?: GpuNavigator }).navigator?.gpu;
  if (gpu === undefined) throw new EdgefedError('BACKEND_UNAVAILABLE', 'navigator.gpu is not available');
  if ((await gpu.requestAdapter()) === null)
    throw new EdgefedError('BACKEND_UNAVAILABLE', 'no WebGPU adapter was found');
  let ort: OrtModule & { env: WebGpuEnv };
  try {
    ort = await import('onnxruntime-web/webgpu');
  } catch (e) {
    throw new EdgefedError('BACKEND_UNAVAILABLE', `cannot load onnxruntime-web/webgpu: ${String(e)}`, {
      cause: e,
    });
  }
  if (options.wasmPaths !== undefined) ort.env.wasm.wasmPaths = options.wasmPaths;
  if (options.powerPreference !== undefined) ort.env.webgpu.powerPreference = options.powerPreference;
  const backend = new OrtBackend({
    name: 'webgpu',
    ort,
    deviceResident: true,
    sessionOptions: { executionProviders: ['webgpu'] },
  });
  await probeBackend(backend);
  return backend;
}
