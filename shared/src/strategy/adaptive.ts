/**
 * FedAdam, FedYogi and FedAdagrad (Reddi et al. 2021, "Adaptive Federated Optimization",
 * Algorithm 2). With d the example-weighted mean delta (the pseudo-gradient, sign as in the
 * paper: a step towards the clients):
 *   m <- beta1 m + (1 - beta1) d
 *   v <- v + d^2                                   (FedAdagrad)
 *   v <- beta2 v + (1 - beta2) d^2                 (FedAdam)
 *   v <- v - (1 - beta2) d^2 sign(v - d^2)         (FedYogi)
 *   x <- x + eta m / (sqrt(v) + tau)
 * m and v start at 0 and are kept as float32 server state; no bias correction (as in the paper).
 */
import type { TensorLayout } from '../aggregation/layout.js';
import { BaseStrategy, checkStateHeader, type ServerStepInput } from './base-strategy.js';
import type { StrategyConfigOf } from './config.js';
import { SlotState } from './slot-state.js';
import type { AggregateMeanInput, FitAggregate, StrategyState } from './types.js';

/** Which second-moment rule an {@link AdaptiveStrategy} uses. */
export type AdaptiveRule = 'adam' | 'yogi' | 'adagrad';

type AdaptiveConfig =
  StrategyConfigOf<'fedadam'> | StrategyConfigOf<'fedyogi'> | StrategyConfigOf<'fedadagrad'>;

/** The shared implementation of the three adaptive server optimizers. */
export abstract class AdaptiveStrategy extends BaseStrategy {
  protected abstract readonly rule: AdaptiveRule;
  private readonly state = new SlotState(['m', 'v']);
  private readonly eta: number;
  private readonly beta1: number;
  private readonly beta2: number;
  private readonly tau: number;

  constructor(config: AdaptiveConfig) {
    super(config);
    this.eta = config.serverLearningRate;
    this.beta1 = config.beta1;
    this.beta2 = 'beta2' in config ? config.beta2 : 0;
    this.tau = config.tau;
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
    const slots = this.state.slotsFor(input.layout);
    const m = slots.get('m') ?? new Float32Array(0);
    const v = slots.get('v') ?? new Float32Array(0);
    const out = new Float32Array(input.layout.size);
    const { eta, beta1, beta2, tau, rule } = this;
    const d = input.delta;
    input.layout.entries.forEach((e, t) => {
      const x = input.global[t] ?? out;
      for (let i = 0; i < e.size; i++) {
        const j = e.offset + i;
        const dj = d[j] ?? 0;
        const d2 = dj * dj;
        const mj = Math.fround(beta1 * (m[j] ?? 0) + (1 - beta1) * dj);
        const vOld = v[j] ?? 0;
        let vj: number;
        if (rule === 'adam') vj = beta2 * vOld + (1 - beta2) * d2;
        else if (rule === 'yogi') vj = vOld - (1 - beta2) * d2 * Math.sign(vOld - d2);
        else vj = vOld + d2;
        vj = Math.fround(vj);
        m[j] = mj;
        v[j] = vj;
        out[j] = (x[i] ?? 0) + (eta * mj) / (Math.sqrt(vj) + tau);
      }
    });
    return out;
  }
}

/** FedAdam: Adam-style second moment. */
export class FedAdam extends AdaptiveStrategy {
  readonly name = 'fedadam';
  protected readonly rule = 'adam';
}

/** FedYogi: Yogi's additive, sign-controlled second moment. */
export class FedYogi extends AdaptiveStrategy {
  readonly name = 'fedyogi';
  protected readonly rule = 'yogi';
}

/** FedAdagrad: accumulated squared pseudo-gradients (beta1 defaults to 0: no momentum). */
export class FedAdagrad extends AdaptiveStrategy {
  readonly name = 'fedadagrad';
  protected readonly rule = 'adagrad';
}
