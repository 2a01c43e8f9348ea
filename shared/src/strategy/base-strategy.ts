/**
 * The common half of every built-in strategy: client selection, the streaming intake of fit
 * and evaluate results, quorum checks, and the final `x + step` written as float32.
 * Subclasses choose a {@link DeltaCollector} and, for server optimizers, a server step.
 */
import {
  assertFinite,
  isAllFinite,
  layoutData,
  tensorLayout,
  unflatten,
  type TensorLayout,
} from '../aggregation/layout.js';
import { EdgefedError } from '../errors.js';
import type { TensorMap } from '../tensor/tensor.js';
import { meanCollector, type DeltaCollector } from './collectors.js';
import type { CommonStrategyConfig } from './config.js';
import { assertQuorum, consumeResults } from './intake.js';
import { selectClients } from './selection.js';
import type {
  AggregateEvaluateInput,
  AggregateFitInput,
  AggregateMeanInput,
  ConfigureInput,
  EvaluateAggregate,
  EvaluatePlan,
  EvaluateResult,
  FitAggregate,
  FitPlan,
  ScalarRecord,
  Strategy,
  StrategyMemory,
  StrategyState,
} from './types.js';

/** What a server step receives: the layout, the global data per tensor and the aggregate delta. */
export interface ServerStepInput {
  readonly layout: TensorLayout;
  readonly global: readonly Float32Array[];
  /** The aggregate delta, flat in layout order. */
  readonly delta: Float64Array;
}

/** Base class of the built-in strategies; see {@link Strategy} for the shared edge cases. */
export abstract class BaseStrategy implements Strategy {
  abstract readonly name: string;
  readonly memory: StrategyMemory = { kind: 'streaming' };

  constructor(protected readonly common: CommonStrategyConfig) {}

  configureFit(input: ConfigureInput): FitPlan {
    const c = this.common;
    const { clientIds, targetResults } = selectClients({
      available: input.availableClients,
      fraction: c.fractionFit,
      minClients: c.minFitClients,
      minAvailable: Math.max(c.minAvailableClients, c.minFitResults),
      overSelection: c.overSelection,
      rng: input.rng,
    });
    return {
      clientIds,
      targetResults,
      minResults: c.minFitResults,
      hyperParameters: this.fitHyperParameters(),
      config: { ...c.fitConfig },
    };
  }

  configureEvaluate(input: ConfigureInput): EvaluatePlan {
    const c = this.common;
    const { clientIds, targetResults } = selectClients({
      available: input.availableClients,
      fraction: c.fractionEvaluate,
      minClients: c.minEvaluateClients,
      minAvailable: Math.max(c.minAvailableClients, c.minEvaluateResults),
      overSelection: c.overSelection,
      rng: input.rng,
    });
    return {
      clientIds,
      targetResults,
      minResults: c.minEvaluateResults,
      config: { ...c.evaluateConfig },
    };
  }

  async aggregateFit(input: AggregateFitInput): Promise<FitAggregate> {
    const layout = tensorLayout(input.global);
    const global = layoutData(layout, input.global);
    assertFinite(layout, global);
    this.checkState(layout);
    const collector = this.collector(input.global, layout);
    const intake = await consumeResults({
      results: input.results,
      failures: input.failures,
      accept: (r) => {
        collector.accept(r.update, r.exampleCount);
      },
    });
    assertQuorum(intake, this.common.minFitResults);
    const next = this.serverStep({ layout, global, delta: collector.finish() });
    return {
      parameters: unflatten(layout, next),
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

  /**
   * The secure-aggregation path ({@link Strategy.aggregateMean}): the server step on an
   * already averaged delta. Subclasses whose aggregation is a weighted mean expose it as
   * `aggregateMean`; robust ones (which need every update) must not.
   */
  protected aggregateFromMean(input: AggregateMeanInput): FitAggregate {
    const layout = tensorLayout(input.global);
    const global = layoutData(layout, input.global);
    assertFinite(layout, global);
    if (input.mean.length !== layout.size) {
      throw new EdgefedError(
        'SHAPE_MISMATCH',
        `Mean has ${input.mean.length} values, the model ${layout.size}`,
        {
          details: { expected: layout.size, actual: input.mean.length },
        },
      );
    }
    if (!isAllFinite(input.mean))
      throw new EdgefedError('NON_FINITE', 'The aggregated mean holds NaN or Infinity');
    this.checkState(layout);
    if (input.contributors < this.common.minFitResults) {
      throw new EdgefedError(
        'QUORUM_NOT_MET',
        `${input.contributors} updates in the secure aggregate, at least ${this.common.minFitResults} needed`,
        { details: { accepted: input.contributors, minResults: this.common.minFitResults } },
      );
    }
    const next = this.serverStep({ layout, global, delta: Float64Array.from(input.mean) });
    const failures = input.failures.map((f) => ({ clientId: f.clientId, code: f.code, message: f.message }));
    return {
      parameters: unflatten(layout, next),
      metrics: {
        numResults: input.contributors,
        numFailures: failures.length,
        totalExamples: input.totalWeight,
      },
      accepted: input.contributors,
      totalExamples: input.totalWeight,
      failures,
    };
  }

  async aggregateEvaluate(input: AggregateEvaluateInput): Promise<EvaluateAggregate> {
    let lossSum = 0;
    const intake = await consumeResults<EvaluateResult>({
      results: input.results,
      failures: input.failures,
      accept: (r) => {
        if (typeof r.loss !== 'number' || !Number.isFinite(r.loss)) {
          throw new EdgefedError('NON_FINITE', `Loss is ${String(r.loss)}`);
        }
        lossSum += r.loss * r.exampleCount;
      },
    });
    assertQuorum(intake, this.common.minEvaluateResults);
    return {
      loss: lossSum / intake.totalExamples,
      metrics: intake.metrics,
      accepted: intake.accepted,
      totalExamples: intake.totalExamples,
      failures: intake.failures,
    };
  }

  getState(): StrategyState {
    return { strategy: this.name, version: 1, scalars: {}, tensors: new Map() };
  }

  restore(state: StrategyState): void {
    checkStateHeader(state, this.name);
  }

  /** Hyper-parameters sent with each fit task; FedProx adds `proximalMu`. */
  protected fitHyperParameters(): ScalarRecord {
    return { ...this.common.fitHyperParameters };
  }

  /** The collector for one aggregation; the mean of the deltas unless overridden. */
  protected collector(global: TensorMap, _layout: TensorLayout): DeltaCollector {
    return meanCollector(global);
  }

  /** Throws when restored state does not fit `layout`; stateless strategies accept any layout. */
  protected checkState(_layout: TensorLayout): void {
    // Stateless: nothing to check.
  }

  /** The new parameters, flat in layout order; `x + delta` unless overridden. */
  protected serverStep(input: ServerStepInput): Float32Array {
    const out = new Float32Array(input.layout.size);
    const d = input.delta;
    input.layout.entries.forEach((e, t) => {
      const x = input.global[t] ?? out;
      for (let i = 0; i < e.size; i++) out[e.offset + i] = (x[i] ?? 0) + (d[e.offset + i] ?? 0);
    });
    return out;
  }
}

/** Throws `FAILED_PRECONDITION` unless `state` is version-1 state of strategy `name`. */
export function checkStateHeader(state: StrategyState, name: string): void {
  if (state.strategy !== name || (state.version as number) !== 1) {
    throw new EdgefedError(
      'FAILED_PRECONDITION',
      `Cannot restore ${state.strategy} state (version ${String(state.version)}) into ${name}`,
      { details: { strategy: state.strategy, version: state.version, expected: name } },
    );
  }
}
