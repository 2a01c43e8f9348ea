/**
 * Backend start-up probe: onnxruntime-web loads its WebAssembly binary (and, for WebGPU,
 * acquires the adapter and device) only when the first session is created. Creating a
 * one-node session at start-up moves those failures to backend resolution, where the
 * registry can fall back.
 */
import { DEFAULT_OPSET, EdgefedError, encodeModel, GraphBuilder } from '@edgefed/shared';
import type { TrainingBackend } from './backend.js';

let identity: Uint8Array | undefined;

/** A minimal ONNX model: y = Identity(x), x float32 [1]. Built once, on first use. */
function identityModel(): Uint8Array {
  if (identity !== undefined) return identity;
  const b = new GraphBuilder({ name: 'probe' });
  b.output(b.op1('Identity', [b.input('x', 'float32', [1])]), 'y');
  identity = encodeModel({
    graph: b.build(),
    opsetVersion: DEFAULT_OPSET,
    producerName: 'edgefed',
    metadata: {},
  });
  return identity;
}

/**
 * Creates, runs and releases a one-node session. Throws `BACKEND_UNAVAILABLE` (the
 * runtime's error as cause) when the backend cannot do that.
 */
export async function probeBackend(backend: TrainingBackend): Promise<void> {
  try {
    const s = await backend.createSession(identityModel());
    const out = await s.run({ x: backend.tensor(new Float32Array([1]), [1]) });
    const y = out.y;
    if (y === undefined) throw new Error('probe produced no output');
    const v = await y.read();
    y.dispose();
    await s.release();
    if (v[0] !== 1) throw new Error(`probe returned ${String(v[0])}`);
  } catch (e) {
    throw new EdgefedError('BACKEND_UNAVAILABLE', `${backend.name} failed to initialise: ${String(e)}`, {
      cause: e,
    });
  }
}
