/**
 * BatchSlot: the reusable host buffers of one optimizer step's batch inputs (features,
 * one-hot labels — [B, V] for a classifier, [B, T, V] for per-position labels, ignored
 * positions as all-zero rows — row mask, dropout masks), wrapped once as backend tensors. Filling a
 * slot copies one batch in, pads short batches with zero rows (row mask 0) and draws new
 * dropout masks from the fit's seeded PRNG.
 */
import { EdgefedError, type ManifestEntry, type Prng } from '@edgefed/shared';
import type { Batch } from '../data/data-source.js';
import { writeOneHot } from '../data/one-hot.js';
import type { BackendTensor, TrainingBackend } from './backend.js';

/** Which batch input of a step an entry is. */
export type BatchInputKind = 'x' | 'y' | 'mask' | `dropout:${string}`;

/** The kind of a `batch` / `label` / `mask` manifest entry (undefined for other roles). */
export function batchInputKind(e: ManifestEntry): BatchInputKind | undefined {
  if (e.role === 'batch') return 'x';
  if (e.role === 'label') return 'y';
  if (e.role === 'mask') return e.layer === undefined ? 'mask' : `dropout:${e.layer}`;
  return undefined;
}

interface DropoutBuffer {
  readonly data: Float32Array;
  readonly keep: number;
}

/** Buffers for one step. */
export class BatchSlot {
  private readonly x: Float32Array;
  private readonly y: Float32Array;
  private readonly mask: Float32Array;
  private readonly dropout = new Map<string, DropoutBuffer>();
  private readonly tensors = new Map<BatchInputKind, BackendTensor>();

  /** Entries: the batch inputs of ONE step of a training manifest (their shapes include B). */
  constructor(
    backend: TrainingBackend,
    entries: readonly ManifestEntry[],
    private readonly numClasses: number,
  ) {
    const byKind = new Map<BatchInputKind, ManifestEntry>();
    for (const e of entries) {
      const kind = batchInputKind(e);
      if (kind !== undefined) byKind.set(kind, e);
    }
    const make = (kind: BatchInputKind): Float32Array => {
      const e = byKind.get(kind);
      if (e === undefined) throw new EdgefedError('INVALID_MODEL', `Training graph has no ${kind} input`);
      const dims = e.shape.map(Number);
      const data = new Float32Array(dims.reduce((a, b) => a * b, 1));
      this.tensors.set(kind, backend.tensor(data, dims));
      return data;
    };
    this.x = make('x');
    this.y = make('y');
    this.mask = make('mask');
    for (const [kind, e] of byKind) {
      if (!kind.startsWith('dropout:')) continue;
      this.dropout.set(kind, { data: make(kind), keep: 1 - (e.rate ?? 0) });
    }
  }

  /** The tensor for one batch input kind; throws `INVALID_MODEL` for an unknown kind. */
  tensor(kind: BatchInputKind): BackendTensor {
    const t = this.tensors.get(kind);
    if (t === undefined) throw new EdgefedError('INVALID_MODEL', `No buffer for batch input ${kind}`);
    return t;
  }

  /** Copies `batch` in (padding + masking a short one); new dropout masks from `rng`. */
  fill(batch: Batch, rng: Prng): void {
    const rows = this.mask.length;
    if (batch.size > rows) throw new EdgefedError('SHAPE_MISMATCH', `Batch of ${batch.size} > ${rows} rows`);
    const fs = this.x.length / rows;
    if (batch.features.length !== batch.size * fs) {
      throw new EdgefedError(
        'SHAPE_MISMATCH',
        `Batch features: ${batch.features.length} floats for ${batch.size} rows of ${fs}`,
      );
    }
    if (batch.labels.length * this.numClasses !== (this.y.length / rows) * batch.size) {
      throw new EdgefedError(
        'SHAPE_MISMATCH',
        `Batch labels: ${batch.labels.length} for ${batch.size} rows of ${this.y.length / rows / this.numClasses}`,
      );
    }
    this.x.set(batch.features);
    this.x.fill(0, batch.features.length);
    writeOneHot(batch.labels, this.numClasses, this.y);
    this.mask.fill(1, 0, batch.size);
    this.mask.fill(0, batch.size);
    for (const d of this.dropout.values()) {
      for (let i = 0; i < d.data.length; i++) d.data[i] = rng.nextFloat() < d.keep ? 1 : 0;
    }
  }
}
