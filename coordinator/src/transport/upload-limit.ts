/**
 * The upload limit of one fit task: the largest update its model's tensors encode to at the
 * task's compression (`maxEncodedUpdateBytes`) plus `UPDATE_FRAMING_SLACK_BYTES`, and never
 * more than the coordinator's `limits.maxUpdateBytes`. The socket task gateway checks each
 * chunk's declared `totalBytes` against it before anything is allocated (`UPLOAD_TOO_LARGE`).
 */
import {
  maxEncodedUpdateBytes,
  planModel,
  UPDATE_FRAMING_SLACK_BYTES,
  type CompressionSpec,
  type TensorShapeEntry,
} from '@edgefed/shared';

/** Model layouts remembered (one per model spec text in use; runs rarely share one). */
const MAX_CACHED_MODELS = 16;

/** What {@link TaskUploadLimits.forTask} needs of a task. */
export interface UploadLimitTask {
  /** The model spec as JSON text (the task message's `modelSpec`). */
  readonly modelSpec: string;
  /** How the client compresses its update; absent means `none`. */
  readonly compression?: CompressionSpec;
  /**
   * Present on the fit tasks of a secure-aggregation run: the upload is then the masked
   * vector, uint32 words (4 bytes a parameter, plus one word) whatever `compression` says,
   * which the `none` bound covers (its header alone is more than the extra word).
   */
  readonly secureAggregation?: unknown;
}

/**
 * Computes per-task upload limits, remembering each model's tensor layout (planning a model
 * traces its forward pass, too slow to repeat for every task). Not thread-safe.
 */
export class TaskUploadLimits {
  readonly #cap: number;
  readonly #layouts = new Map<string, readonly TensorShapeEntry[] | null>();

  /** `cap`: the coordinator-wide limit (`limits.maxUpdateBytes`), the most any task gets. */
  constructor(cap: number) {
    this.#cap = cap;
  }

  /**
   * The largest upload `task` may declare, in bytes. A model spec that does not plan (it
   * passed validation when its run was created, so this is not expected) gets the cap, so
   * a limit never fails a task on its own.
   */
  forTask(task: UploadLimitTask): number {
    const layout = this.#layout(task.modelSpec);
    if (layout === null) return this.#cap;
    const spec = task.secureAggregation === undefined ? task.compression : undefined;
    const bound = maxEncodedUpdateBytes(layout, spec ?? { method: 'none' });
    return Math.min(this.#cap, bound + UPDATE_FRAMING_SLACK_BYTES);
  }

  #layout(specJson: string): readonly TensorShapeEntry[] | null {
    const cached = this.#layouts.get(specJson);
    if (cached !== undefined) return cached;
    let layout: readonly TensorShapeEntry[] | null;
    try {
      layout = planModel(JSON.parse(specJson)).parameters.map((p) => ({ name: p.name, shape: [...p.shape] }));
    } catch {
      layout = null;
    }
    if (this.#layouts.size >= MAX_CACHED_MODELS) {
      const oldest = this.#layouts.keys().next();
      if (oldest.done !== true) this.#layouts.delete(oldest.value);
    }
    this.#layouts.set(specJson, layout);
    return layout;
  }
}
