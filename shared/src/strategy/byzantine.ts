/**
 * Multi-Krum (Blanchard et al. 2017) and Bulyan (El Mhamdi et al. 2018) as strategies. Both
 * need every update at once to compare them, so they copy each accepted update (up to
 * `maxBufferedUpdates`): memory O(n x model) plus an n x n distance matrix; time
 * O(n^2 x model). See docs/strategies.md.
 */
import { bulyanAggregate } from '../aggregation/bulyan.js';
import { krumSelect } from '../aggregation/krum.js';
import type { TensorLayout } from '../aggregation/layout.js';
import type { TensorMap } from '../tensor/tensor.js';
import { BaseStrategy } from './base-strategy.js';
import { copyCollector, weightedMeanOf, type DeltaCollector } from './collectors.js';
import type { StrategyConfigOf } from './config.js';
import type { StrategyMemory } from './types.js';

/**
 * Multi-Krum: the `selected` = m updates with the lowest Krum scores (f = `byzantineClients`),
 * averaged with their example counts (bounded by the coordinator; see docs/api.md). Without
 * `selected`, m = max(1, n - f) of the n accepted results. m >= n keeps everything (FedAvg).
 * Edge cases: n <= 2f + 2 still aggregates, without Krum's guarantee; ties go to the earlier result.
 */
export class FedMultiKrum extends BaseStrategy {
  readonly name = 'multikrum';
  override readonly memory: StrategyMemory;
  private readonly byzantine: number;
  private readonly selected: number | undefined;

  constructor(config: StrategyConfigOf<'multikrum'>) {
    super(config);
    this.memory = { kind: 'buffered', maxUpdates: config.maxBufferedUpdates };
    this.byzantine = config.byzantineClients;
    this.selected = config.selected;
  }

  protected override collector(_global: TensorMap, layout: TensorLayout): DeltaCollector {
    return copyCollector({
      layout,
      maxUpdates: this.memory.kind === 'buffered' ? this.memory.maxUpdates : 0,
      finish: (copies, weights) => {
        const keep = this.selected ?? Math.max(1, copies.length - this.byzantine);
        const picked = krumSelect({ updates: copies, byzantine: this.byzantine, keep });
        return weightedMeanOf(layout, copies, weights, picked);
      },
    });
  }
}

/**
 * Bulyan: recursive Krum picks theta = n - 2f updates, then a coordinate-wise trimmed mean
 * cuts f values from each side (unweighted: example counts buy nothing). The config refuses
 * `minFitResults < 4f + 3` when f > 0, so every aggregation has the n >= 4f + 3 results the
 * guarantee needs; with f = 0 it is the plain unweighted mean.
 */
export class FedBulyan extends BaseStrategy {
  readonly name = 'bulyan';
  override readonly memory: StrategyMemory;
  private readonly byzantine: number;
  private readonly blockSize: number;

  constructor(config: StrategyConfigOf<'bulyan'>) {
    super(config);
    this.memory = { kind: 'buffered', maxUpdates: config.maxBufferedUpdates };
    this.byzantine = config.byzantineClients;
    this.blockSize = config.blockSize;
  }

  protected override collector(_global: TensorMap, layout: TensorLayout): DeltaCollector {
    return copyCollector({
      layout,
      maxUpdates: this.memory.kind === 'buffered' ? this.memory.maxUpdates : 0,
      finish: (copies) =>
        bulyanAggregate({ layout, updates: copies, byzantine: this.byzantine, blockSize: this.blockSize }),
    });
  }
}
