/**
 * UpdateEncoder: how a participant turns its (clipped) update delta into the compressed
 * TensorMap it uploads. `none`, `fp16` and `int8` compress each update on its own; `topk`
 * uses error feedback: what top-k dropped from one update (the residual) is added to the
 * client's next top-k update of the same run and model layout, so dropped coordinates
 * are delayed, not lost. The residual lives only on the client (one model-sized float32
 * map per participant) and never leaves the device.
 */
import {
  compressUpdate,
  ErrorFeedback,
  type CompressionSpec,
  type Tensor,
  type TensorMap,
} from '@edgefed/shared';

/** Identifies which residual an update may use: its run and model layout. */
function layoutKey(runId: string, update: TensorMap): string {
  const parts = [runId];
  for (const [name, t] of update) parts.push(`${name}:${t.shape.join('x')}`);
  return parts.join('|');
}

/** An encoded update and how to settle the residual once the upload's fate is known. */
export interface EncodedUpdate {
  readonly compressed: Map<string, Tensor>;
  /**
   * Call when the upload failed: the residual is dropped (the update it belonged to is
   * lost too), so the next update starts from zero rather than from a residual whose
   * matching sent part never arrived.
   */
  readonly discard: () => void;
}

/**
 * Per-participant update encoder; see the file comment. The residual is reset when the
 * run or the model layout (tensor names and shapes) changes, when a task asks for a
 * method other than `topk`, and when an upload fails (`discard`). Not thread-safe: one
 * task at a time, as the participant runs them.
 */
export class UpdateEncoder {
  readonly #feedback = new ErrorFeedback();
  #key: string | undefined;

  /** Compresses `delta` for run `runId` as `spec` says. Throws like `compressUpdate`. */
  encode(runId: string, delta: TensorMap, spec: CompressionSpec): EncodedUpdate {
    if (spec.method !== 'topk') {
      this.reset();
      return { compressed: compressUpdate(delta, spec), discard: () => undefined };
    }
    const key = layoutKey(runId, delta);
    if (key !== this.#key) {
      this.#feedback.reset();
      this.#key = key;
    }
    return {
      compressed: this.#feedback.compress(delta, spec),
      discard: () => {
        this.reset();
      },
    };
  }

  /** The residual carried to the next top-k update (empty when there is none). */
  get residual(): TensorMap {
    return this.#feedback.residual;
  }

  /** Forgets the residual. */
  reset(): void {
    this.#feedback.reset();
    this.#key = undefined;
  }
}
