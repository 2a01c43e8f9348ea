/**
 * FedProx (Li et al. 2020): FedAvg aggregation; clients add the proximal term
 * (mu / 2) ||w - w_global||^2 to their local loss. The strategy only sends `proximalMu`.
 */
import type { StrategyConfigOf } from './config.js';
import { FedAvg } from './fed-avg.js';
import type { ScalarRecord } from './types.js';

/** FedProx: aggregates like FedAvg and sends `proximalMu` in every fit task's hyper-parameters. */
export class FedProx extends FedAvg {
  override readonly name: string = 'fedprox';
  private readonly proximalMu: number;

  constructor(config: StrategyConfigOf<'fedprox'>) {
    super(config);
    this.proximalMu = config.proximalMu;
  }

  /** The configured hyper-parameters plus `proximalMu` (which wins over a same-named entry). */
  protected override fitHyperParameters(): ScalarRecord {
    return { ...super.fitHyperParameters(), proximalMu: this.proximalMu };
  }
}
