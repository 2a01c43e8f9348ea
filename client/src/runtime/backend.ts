/**
 * TrainingBackend: the one interface the Trainer needs from an ONNX runtime. Create a
 * session from ONNX bytes, run it with named float32 feeds, get named outputs, dispose.
 * Implementations: onnxruntime-node (`node`), onnxruntime-web wasm (`wasm`) and
 * onnxruntime-web WebGPU (`webgpu`); all run the same training-step graphs.
 */

/** The backends edgefed ships. */
export type BackendName = 'webgpu' | 'wasm' | 'node';

/** All backend names, in no particular order. */
export const BACKEND_NAMES: readonly BackendName[] = ['webgpu', 'wasm', 'node'];

/**
 * A float32 tensor owned by a backend. CPU tensors wrap a Float32Array without copying;
 * device tensors (WebGPU) live in GPU memory until read. Dispose tensors you no longer
 * need: for device tensors this frees GPU memory (a no-op on CPU).
 */
export interface BackendTensor {
  readonly dims: readonly number[];
  /** True when the data lives on an accelerator (reading it waits for the device). */
  readonly onDevice: boolean;
  /**
   * The values. CPU tensors return their own array (no copy; do not mutate unless you own
   * it); device tensors download a copy. Throws `FAILED_PRECONDITION` after `dispose()`.
   */
  read(): Promise<Float32Array>;
  /** Frees the tensor. Idempotent. */
  dispose(): void;
}

/** Options for {@link TrainingBackend.createSession}. */
export interface SessionCreateOptions {
  /**
   * Outputs that should stay on the device (WebGPU: `gpu-buffer`) so they can be fed back
   * as inputs without a round trip. Ignored by CPU backends.
   */
  readonly deviceOutputs?: readonly string[];
  /** ORT log severity (0 = verbose, shows node placement; default 3 = errors). */
  readonly logSeverityLevel?: 0 | 1 | 2 | 3 | 4;
}

/** One loaded graph. */
export interface BackendSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  /**
   * Runs the graph. Every graph input must be fed (else `INVALID_ARGUMENT`); returns all
   * outputs. Fails with `TRAINING_FAILED` (ORT's message in the text) when the runtime
   * rejects the feeds or the run; throws `FAILED_PRECONDITION` after `release()`.
   */
  run(feeds: Readonly<Record<string, BackendTensor>>): Promise<Record<string, BackendTensor>>;
  /** Frees the session. Idempotent. */
  release(): Promise<void>;
}

/** A runtime that can load and run ONNX graphs. */
export interface TrainingBackend {
  readonly name: BackendName;
  /**
   * Loads ONNX bytes (graph optimization level `all`). Throws `INVALID_MODEL` when the
   * runtime cannot load them.
   */
  createSession(onnx: Uint8Array, options?: SessionCreateOptions): Promise<BackendSession>;
  /**
   * Wraps `data` (not copied: later writes to `data` are seen by later runs) as a CPU
   * tensor. Throws `SHAPE_MISMATCH` when `data.length` is not the product of `dims`.
   */
  tensor(data: Float32Array, dims: readonly number[]): BackendTensor;
}
