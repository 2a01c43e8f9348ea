/**
 * FedAvgM (Hsu et al. 2019): FedAvg with server momentum. With d the example-weighted mean
 * delta: v <- beta v + d; x <- x + eta v. The momentum v is server state (getState/restore).
 */
import type { TensorLayout } from '../aggregation/layout.js';
import { BaseStrategy, checkStateHeader, type ServerStepInput } from './base-strategy.js';
import type { StrategyConfigOf } from './config.js';
import { SlotState } from './slot-state.js';
import type { AggregateMeanInput, FitAggregate, StrategyState } from './types.js';

/** FedAvgM; `serverMomentum = 0` and `serverLearningRate = 1` give FedAvg. */
export class FedAvgM extends BaseStrategy {
  readonly name = 'fedavgm';
  private readonly state = new SlotState(['momentum']);
  private readonly lr: number;
  private readonly beta: number;

  constructor(config: StrategyConfigOf<'fedavgm'>) {
    super(config);
    this.lr = config.serverLearningRate;
    this.beta = config.serverMomentum;
  }

  /** The secure-aggregation entry: the server step on the unmasked mean (see {@link Strategy}). */
  aggregateMean(input: AggregateMeanInput): Promise<FitAggregate> {
    return Promise.resolve().then(() => this.aggregateFromMean(input));
  }

  override getState(): StrategyState {
    return { strategy: this.name, version: 1, scalars: {}, tensors: this.state.toTensors() };
  }

  override restore(state: StrategyState): void {
    checkStateHeader(state, this.name);
    this.state.fromTensors(state.tensors);
  }

  protected override checkState(layout: TensorLayout): void {
    this.state.check(layout);
  }

  protected override serverStep(input: ServerStepInput): Float32Array {
    const v = this.state.slotsFor(input.layout).get('momentum') ?? new Float32Array(0);
    const out = new Float32Array(input.layout.size);
    const { lr, beta } = this;
    const d = input.delta;
    input.layout.entries.forEach((e, t) => {
      const x = input.global[t] ?? out;
      for (let i = 0; i < e.size; i++) {
        const j = e.offset + i;
        const vj = Math.fround(beta * (v[j] ?? 0) + (d[j] ?? 0));
        v[j] = vj;
        out[j] = (x[i] ?? 0) + lr * vj;
      }
    });
    return out;
  }
}
