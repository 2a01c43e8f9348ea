/**
 * The ONNX Runtime implementation of {@link TrainingBackend}, shared by onnxruntime-node,
 * onnxruntime-web wasm and onnxruntime-web WebGPU: all three expose the same
 * onnxruntime-common API (Tensor, InferenceSession), so only the module and the execution
 * provider differ.
 */
import { EdgefedError, shapeSize } from '@edgefed/shared';
import type * as OrtWeb from 'onnxruntime-web';
import type {
  BackendName,
  BackendSession,
  BackendTensor,
  SessionCreateOptions,
  TrainingBackend,
} from './backend.js';

/** The part of an onnxruntime module (node or web) the backend uses. */
export interface OrtModule {
  readonly Tensor: typeof OrtWeb.Tensor;
  readonly InferenceSession: typeof OrtWeb.InferenceSession;
}

type OrtTensor = OrtWeb.Tensor;
type SessionOptions = OrtWeb.InferenceSession.SessionOptions;

/** Options for {@link OrtBackend}. */
export interface OrtBackendOptions {
  readonly name: BackendName;
  readonly ort: OrtModule;
  /** Execution providers and threading for every session (merged with per-session options). */
  readonly sessionOptions: SessionOptions;
  /** True when outputs may be kept on the device (`gpu-buffer`). */
  readonly deviceResident: boolean;
}

/** A tensor wrapping an ORT tensor. */
export class OrtBackendTensor implements BackendTensor {
  private disposed = false;
  constructor(readonly ort: OrtTensor) {}

  get dims(): readonly number[] {
    return this.ort.dims;
  }

  get onDevice(): boolean {
    return this.ort.location !== 'cpu';
  }

  async read(): Promise<Float32Array> {
    if (this.disposed) throw new EdgefedError('FAILED_PRECONDITION', 'Tensor was disposed');
    if (this.ort.type !== 'float32')
      throw new EdgefedError('DTYPE_MISMATCH', `Expected a float32 output, got ${this.ort.type}`);
    const data = this.ort.location === 'cpu' ? this.ort.data : await this.ort.getData();
    return data as Float32Array;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (this.ort.location !== 'cpu') this.ort.dispose();
  }
}

function unwrap(t: BackendTensor, name: string): OrtTensor {
  if (!(t instanceof OrtBackendTensor))
    throw new EdgefedError('INVALID_ARGUMENT', `Feed ${name} was not created by an ORT backend`);
  return t.ort;
}

/**
 * The fixed dims of each graph input (symbolic dims as `undefined`); inputs whose shape the
 * model leaves undefined (and scalars, which ORT reports the same way) are not listed.
 */
function declaredShapes(session: OrtWeb.InferenceSession): Map<string, readonly (number | undefined)[]> {
  const shapes = new Map<string, readonly (number | undefined)[]>();
  const metadata = (session as { inputMetadata?: readonly OrtWeb.InferenceSession.ValueMetadata[] })
    .inputMetadata;
  for (const m of metadata ?? []) {
    if (m.isTensor && m.shape.length > 0) {
      shapes.set(
        m.name,
        m.shape.map((d) => (typeof d === 'number' && d >= 0 ? d : undefined)),
      );
    }
  }
  return shapes;
}

class OrtSession implements BackendSession {
  private released = false;
  private readonly shapes: Map<string, readonly (number | undefined)[]>;
  constructor(
    private readonly session: OrtWeb.InferenceSession,
    private readonly backend: BackendName,
  ) {
    this.shapes = declaredShapes(session);
  }

  /**
   * Refuses a feed whose dims contradict the graph's declared shape before ORT sees it: on
   * WebGPU with device-resident outputs, a run ORT rejected for its shapes made the
   * session's next, valid run fail as well (found by the backend conformance suite).
   */
  private checkShape(name: string, t: OrtTensor): void {
    const want = this.shapes.get(name);
    if (want === undefined) return;
    const dims = t.dims;
    if (dims.length === want.length && want.every((d, i) => d === undefined || d === dims[i])) return;
    const shown = want.map((d) => (d === undefined ? '?' : String(d))).join(', ');
    throw new EdgefedError(
      'TRAINING_FAILED',
      `${this.backend}: feed ${name} has dims [${dims.join(', ')}], the graph expects [${shown}]`,
      { details: { input: name, dims: [...dims] } },
    );
  }

  get inputNames(): readonly string[] {
    return this.session.inputNames;
  }
  get outputNames(): readonly string[] {
    return this.session.outputNames;
  }

  async run(feeds: Readonly<Record<string, BackendTensor>>): Promise<Record<string, BackendTensor>> {
    if (this.released) throw new EdgefedError('FAILED_PRECONDITION', 'Session was released');
    const ortFeeds: Record<string, OrtTensor> = {};
    for (const name of this.session.inputNames) {
      const t = feeds[name];
      if (t === undefined) throw new EdgefedError('INVALID_ARGUMENT', `Missing feed for graph input ${name}`);
      ortFeeds[name] = unwrap(t, name);
      this.checkShape(name, ortFeeds[name]);
    }
    let out: OrtWeb.InferenceSession.ReturnType;
    try {
      out = await this.session.run(ortFeeds);
    } catch (e) {
      throw new EdgefedError('TRAINING_FAILED', `${this.backend}: run failed: ${String(e)}`, { cause: e });
    }
    const result: Record<string, BackendTensor> = {};
    for (const [name, t] of Object.entries(out)) result[name] = new OrtBackendTensor(t);
    return result;
  }

  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    await this.session.release();
  }
}

/** A {@link TrainingBackend} over one onnxruntime module. */
export class OrtBackend implements TrainingBackend {
  readonly name: BackendName;
  constructor(private readonly o: OrtBackendOptions) {
    this.name = o.name;
  }

  async createSession(onnx: Uint8Array, options: SessionCreateOptions = {}): Promise<BackendSession> {
    const opts: SessionOptions = {
      ...this.o.sessionOptions,
      graphOptimizationLevel: 'all',
      logSeverityLevel: options.logSeverityLevel ?? 3,
      ...(options.logSeverityLevel === 0 ? { logVerbosityLevel: 0 } : {}),
    };
    const device = this.o.deviceResident ? (options.deviceOutputs ?? []) : [];
    if (device.length > 0) {
      opts.preferredOutputLocation = Object.fromEntries(device.map((n) => [n, 'gpu-buffer' as const]));
    }
    try {
      const session = await this.o.ort.InferenceSession.create(onnx, opts);
      return new OrtSession(session, this.name);
    } catch (e) {
      throw new EdgefedError('INVALID_MODEL', `${this.name}: cannot load the graph: ${String(e)}`, {
        cause: e,
      });
    }
  }

  tensor(data: Float32Array, dims: readonly number[]): BackendTensor {
    const n = shapeSize(dims);
    if (n !== data.length) {
      throw new EdgefedError(
        'SHAPE_MISMATCH',
        `dims [${dims.join(', ')}] need ${n} values, got ${data.length}`,
      );
    }
    return new OrtBackendTensor(new this.o.ort.Tensor('float32', data, dims));
  }
}
