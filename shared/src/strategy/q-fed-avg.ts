/**
 * q-FedAvg (Li, Sanjabi, Beirami, Smith 2020, "Fair Resource Allocation in Federated
 * Learning", Algorithm 2; the math of Flower's `QFedAvg`). q-FFL minimises
 * sum_k F_k^(q+1) / (q+1), weighting clients with a high loss more, so the accuracy
 * distribution over clients gets more uniform; q = 0 is FedAvg with unweighted clients
 * and an adaptive step. With L = 1 / qfflLearningRate, each client's update d_k = w_k - w
 * and its loss F_k of the global model:
 *   Δ_k = F_k^q · L · (w - w_k) = -F_k^q · L · d_k
 *   h_k = q · F_k^(q-1) · ||L · d_k||² + L · F_k^q
 *   w  <- w - Σ Δ_k / Σ h_k
 * F_k is the result's `initialLoss` metric (the global model's loss on the client's
 * training data before local training, which the strategy asks for with the
 * `reportInitialLoss` hyper-parameter), else its `loss` metric; a result with neither is
 * rejected (`INVALID_ARGUMENT`). As in Flower, 1e-10 is added to F_k. Example counts do
 * not weight the update (the paper's uniform client weights). Streaming: O(model) memory.
 */
import { assertFinite, layoutData, tensorLayout, unflatten } from '../aggregation/layout.js';
import { EdgefedError } from '../errors.js';
import { BaseStrategy } from './base-strategy.js';
import type { StrategyConfigOf } from './config.js';
import { assertQuorum, consumeResults } from './intake.js';
import type { AggregateFitInput, FitAggregate, FitResult, ScalarRecord } from './types.js';

/** The loss q-FedAvg weights a result by; rejects results without a usable one. */
function lossOf(r: FitResult): number {
  const loss = r.metrics?.initialLoss ?? r.metrics?.loss;
  if (loss === undefined || !Number.isFinite(loss) || loss < 0)
    throw new EdgefedError('INVALID_ARGUMENT', 'q-FedAvg needs a non-negative initialLoss or loss metric', {
      details: { clientId: r.clientId },
    });
  return loss + 1e-10;
}

/** q-FedAvg; see the file comment for the update rule. */
export class QFedAvg extends BaseStrategy {
  readonly name: string = 'qfedavg';
  private readonly q: number;
  private readonly lipschitz: number;

  constructor(config: StrategyConfigOf<'qfedavg'>) {
    super(config);
    this.q = config.q;
    this.lipschitz = 1 / config.qfflLearningRate;
  }

  /** The configured hyper-parameters plus `reportInitialLoss` (F_k of the global model). */
  protected override fitHyperParameters(): ScalarRecord {
    return { ...super.fitHyperParameters(), reportInitialLoss: true };
  }

  override async aggregateFit(input: AggregateFitInput): Promise<FitAggregate> {
    const layout = tensorLayout(input.global);
    const global = layoutData(layout, input.global);
    assertFinite(layout, global);
    const sum = new Float64Array(layout.size);
    let hSum = 0;
    const { q, lipschitz: L } = this;
    const intake = await consumeResults({
      results: input.results,
      failures: input.failures,
      accept: (r) => {
        const loss = lossOf(r);
        const data = layoutData(layout, r.update);
        assertFinite(layout, data);
        const fq = Math.pow(loss, q);
        let norm2 = 0;
        data.forEach((d, t) => {
          const off = layout.entries[t]?.offset ?? 0;
          for (let i = 0; i < d.length; i++) {
            const v = d[i] ?? 0;
            norm2 += v * v;
            sum[off + i] = (sum[off + i] ?? 0) + fq * L * v;
          }
        });
        hSum += q * Math.pow(loss, q - 1) * L * L * norm2 + L * fq;
      },
    });
    assertQuorum(intake, this.common.minFitResults);
    const out = new Float32Array(layout.size);
    layout.entries.forEach((e, t) => {
      const x = global[t] ?? out;
      for (let i = 0; i < e.size; i++) out[e.offset + i] = (x[i] ?? 0) + (sum[e.offset + i] ?? 0) / hSum;
    });
    return {
      parameters: unflatten(layout, out),
      metrics: {
        ...intake.metrics,
        numResults: intake.accepted,
        numFailures: intake.failures.length,
        totalExamples: intake.totalExamples,
      },
      accepted: intake.accepted,
      totalExamples: intake.totalExamples,
      failures: intake.failures,
    };
  }
}
