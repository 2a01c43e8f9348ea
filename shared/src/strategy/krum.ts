/**
 * Krum / multi-Krum as a strategy (Blanchard et al. 2017; multi-Krum as in Flower): select
 * the `selected` updates with the lowest Krum scores, then take their example-weighted mean:
 * `x <- x + sum_{k in S}(n_k d_k) / sum_{k in S}(n_k)`. Copies each accepted update (up to
 * `maxBufferedUpdates`): O(n x model) memory, O(n^2 x model) time. Robust to f Byzantine
 * clients only when n > 2f + 2.
 */
import { krumSelect } from '../aggregation/krum.js';
import { assertFinite, layoutData, type TensorLayout } from '../aggregation/layout.js';
import { EdgefedError } from '../errors.js';
import type { TensorMap } from '../tensor/tensor.js';
import { BaseStrategy } from './base-strategy.js';
import type { DeltaCollector } from './collectors.js';
import type { StrategyConfigOf } from './config.js';
import type { StrategyMemory } from './types.js';

/** Krum (`selected = 1`) or multi-Krum (`selected > 1`). */
export class FedKrum extends BaseStrategy {
  readonly name = 'krum';
  override readonly memory: StrategyMemory;
  private readonly maxUpdates: number;
  private readonly byzantine: number;
  private readonly selected: number;

  constructor(config: StrategyConfigOf<'krum'>) {
    super(config);
    this.maxUpdates = config.maxBufferedUpdates;
    this.memory = { kind: 'buffered', maxUpdates: config.maxBufferedUpdates };
    this.byzantine = config.byzantineClients;
    this.selected = config.selected;
  }

  protected override collector(_global: TensorMap, layout: TensorLayout): DeltaCollector {
    const copies: Float32Array[][] = [];
    const weights: number[] = [];
    return {
      accept: (update, exampleCount) => {
        const data = layoutData(layout, update);
        assertFinite(layout, data);
        if (copies.length >= this.maxUpdates) {
          throw new EdgefedError(
            'FAILED_PRECONDITION',
            `More than maxBufferedUpdates = ${this.maxUpdates} results`,
            {
              details: { maxBufferedUpdates: this.maxUpdates },
            },
          );
        }
        copies.push(data.map((d) => d.slice()));
        weights.push(exampleCount);
      },
      finish: () => {
        const picked = krumSelect({ updates: copies, byzantine: this.byzantine, keep: this.selected });
        return weightedMean(
          layout,
          picked.map((i) => ({ data: copies[i] ?? [], weight: weights[i] ?? 0 })),
        );
      },
    };
  }
}

function weightedMean(
  layout: TensorLayout,
  parts: readonly { data: Float32Array[]; weight: number }[],
): Float64Array {
  const out = new Float64Array(layout.size);
  let total = 0;
  for (const { data, weight } of parts) {
    total += weight;
    layout.entries.forEach((e, t) => {
      const x = data[t] ?? new Float32Array(0);
      for (let i = 0; i < x.length; i++) out[e.offset + i] = (out[e.offset + i] ?? 0) + weight * (x[i] ?? 0);
    });
  }
  for (let i = 0; i < out.length; i++) out[i] = (out[i] ?? 0) / total;
  return out;
}
