/**
 * FedBN-style local parameters on a participant: tensors a model marks `local` (e.g.
 * BatchNorm scale, bias and statistics of an ONNX model imported with `localBatchNorm`)
 * keep this participant's own values across rounds instead of the global model's, and
 * their update is sent as zeros, so the values never leave the device.
 */
import { planModel, type Tensor, type TensorMap } from '@edgefed/shared';

/** Local tensors per run, kept in memory for the participant's lifetime. */
export class LocalParameters {
  readonly #byRun = new Map<string, Map<string, Tensor>>();
  readonly #names = new Map<string, readonly string[]>();

  /** Names of the spec's local parameters (planned once per distinct spec). */
  names(spec: unknown): readonly string[] {
    const key = JSON.stringify(spec);
    let hit = this.#names.get(key);
    if (hit === undefined) {
      hit = planModel(spec)
        .parameters.filter((p) => p.local === true)
        .map((p) => p.name);
      this.#names.set(key, hit);
    }
    return hit;
  }

  /** `global` with the local tensors replaced by this participant's values (when it has them). */
  apply(runId: string, spec: unknown, global: TensorMap): TensorMap {
    const mine = this.#byRun.get(runId);
    if (mine === undefined || this.names(spec).length === 0) return global;
    const out = new Map(global);
    for (const n of this.names(spec)) {
      const v = mine.get(n);
      if (v !== undefined) out.set(n, v);
    }
    return out;
  }

  /** Remembers the trained local tensors of a run. */
  keep(runId: string, spec: unknown, trained: TensorMap): void {
    const names = this.names(spec);
    if (names.length === 0) return;
    const mine = new Map<string, Tensor>();
    for (const n of names) {
      const v = trained.get(n);
      if (v !== undefined) mine.set(n, v);
    }
    this.#byRun.set(runId, mine);
  }

  /** `delta` with the local tensors zeroed (what is uploaded). */
  withoutLocal(spec: unknown, delta: TensorMap): TensorMap {
    const names = this.names(spec);
    if (names.length === 0) return delta;
    const out = new Map(delta);
    for (const n of names) {
      const v = delta.get(n);
      if (v?.dtype === 'float32')
        out.set(n, { dtype: 'float32', shape: v.shape, data: new Float32Array(v.data.length) });
    }
    return out;
  }
}
