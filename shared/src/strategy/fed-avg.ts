/**
 * FedAvg (McMahan et al. 2017): the new model is the global model plus the
 * example-weighted mean of the client deltas. Streaming, O(model) memory, stateless.
 */
import { BaseStrategy } from './base-strategy.js';
import type { AggregateMeanInput, FitAggregate } from './types.js';

/** FedAvg: `x <- x + sum(n_k d_k) / sum(n_k)`. See {@link Strategy} for edge cases. */
export class FedAvg extends BaseStrategy {
  readonly name: string = 'fedavg';

  /** The secure-aggregation entry: the server step on the unmasked mean (see {@link Strategy}). */
  aggregateMean(input: AggregateMeanInput): Promise<FitAggregate> {
    return Promise.resolve().then(() => this.aggregateFromMean(input));
  }
}
