/**
 * FedMedian and FedTrimmedAvg (Yin et al. 2018): coordinate-wise robust statistics of the
 * deltas, unweighted (example counts are not used: a client cannot buy influence by claiming
 * more examples). These need all k values of a coordinate, so they copy each accepted update
 * (up to `maxBufferedUpdates`, O(k x model)) and reduce in column blocks of `blockSize`
 * coordinates (O(k x blockSize) scratch).
 */
import type { TensorLayout } from '../aggregation/layout.js';
import { medianOfSegment } from '../aggregation/coordinate-median.js';
import { trimCount, trimmedMeanReducer } from '../aggregation/trimmed-mean.js';
import type { TensorMap } from '../tensor/tensor.js';
import { BaseStrategy } from './base-strategy.js';
import { bufferedCollector, type DeltaCollector } from './collectors.js';
import type { StrategyConfigOf } from './config.js';
import type { StrategyMemory } from './types.js';

/** FedMedian: `x <- x + median_k(d_k)` per coordinate (even k: mean of the two middle values). */
export class FedMedian extends BaseStrategy {
  readonly name = 'fedmedian';
  override readonly memory: StrategyMemory;
  private readonly blockSize: number;

  constructor(config: StrategyConfigOf<'fedmedian'>) {
    super(config);
    this.memory = { kind: 'buffered', maxUpdates: config.maxBufferedUpdates };
    this.blockSize = config.blockSize;
  }

  protected override collector(_global: TensorMap, layout: TensorLayout): DeltaCollector {
    return bufferedCollector({
      layout,
      maxUpdates: this.memory.kind === 'buffered' ? this.memory.maxUpdates : 0,
      blockSize: this.blockSize,
      reducer: () => medianOfSegment,
    });
  }
}

/** FedTrimmedAvg: drops floor(beta k) smallest and largest values per coordinate, averages the rest. */
export class FedTrimmedAvg extends BaseStrategy {
  readonly name = 'fedtrimmedavg';
  override readonly memory: StrategyMemory;
  private readonly blockSize: number;
  private readonly beta: number;

  constructor(config: StrategyConfigOf<'fedtrimmedavg'>) {
    super(config);
    this.memory = { kind: 'buffered', maxUpdates: config.maxBufferedUpdates };
    this.blockSize = config.blockSize;
    this.beta = config.beta;
  }

  protected override collector(_global: TensorMap, layout: TensorLayout): DeltaCollector {
    return bufferedCollector({
      layout,
      maxUpdates: this.memory.kind === 'buffered' ? this.memory.maxUpdates : 0,
      blockSize: this.blockSize,
      reducer: (k) => trimmedMeanReducer(trimCount(k, this.beta)),
    });
  }
}
