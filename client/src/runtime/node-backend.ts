/**
 * onnxruntime-node backend (`node`): native CPU execution, Node only. The module is
 * imported dynamically through a variable specifier so browser bundles never include it.
 */
import { EdgefedError } from '@edgefed/shared';
import { isNodeRuntime } from './environment.js';
import { OrtBackend, type OrtModule } from './ort-backend.js';
import type { TrainingBackend } from './backend.js';

/** Options for {@link createNodeBackend}. */
export interface NodeBackendOptions {
  /** Intra-op threads (default: ORT's choice, usually the number of physical cores). */
  readonly intraOpNumThreads?: number;
  /** Inter-op threads (default 1: training graphs are mostly sequential). */
  readonly interOpNumThreads?: number;
  /**
   * Whether idle intra-op threads spin-wait for work (onnxruntime's
   * `session.intra_op.allow_spinning`). Default false: on a machine shared with other
   * processes (or with other virtual clients' workers) spinning threads get descheduled at
   * barriers; the cnn training step ran 1.6-1.8x faster without spinning under load
   * (docs/performance-notes.md). Set true on an otherwise idle machine to shave the wake-up
   * latency of small ops.
   */
  readonly allowSpinning?: boolean;
}

const MODULE_ID = 'onnxruntime-node';

/**
 * Loads onnxruntime-node. Throws `BACKEND_UNAVAILABLE` outside Node or when the native
 * module cannot load (the cause says why).
 */
export async function createNodeBackend(options: NodeBackendOptions = {}): Promise<TrainingBackend> {
  if (!isNodeRuntime()) throw new EdgefedError('BACKEND_UNAVAILABLE', 'onnxruntime-node needs Node.js');
  let ort: OrtModule;
  try {
    ort = (await import(/* @vite-ignore */ MODULE_ID)) as OrtModule;
  } catch (e) {
    throw new EdgefedError('BACKEND_UNAVAILABLE', `cannot load onnxruntime-node: ${String(e)}`, { cause: e });
  }
  return new OrtBackend({
    name: 'node',
    ort,
    deviceResident: false,
    sessionOptions: {
      executionProviders: ['cpu'],
      interOpNumThreads: options.interOpNumThreads ?? 1,
      extra: { session: { 'intra_op.allow_spinning': options.allowSpinning === true ? '1' : '0' } },
      ...(options.intraOpNumThreads === undefined ? {} : { intraOpNumThreads: options.intraOpNumThreads }),
    },
  });
}
