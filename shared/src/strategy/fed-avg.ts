/**
 * FedAvg (McMahan et al. 2017): the new model is the global model plus the
 * example-weighted mean of the client deltas. Streaming, O(model) memory, stateless.
 */
import { BaseStrategy } from './base-strategy.js';

/** FedAvg: `x <- x + sum(n_k d_k) / sum(n_k)`. See {@link Strategy} for edge cases. */
export class FedAvg extends BaseStrategy {
  readonly name: string = 'fedavg';
}
