/**
 * Clipping strategies: centered clipping (Karimireddy et al. 2021) around the previous
 * aggregate, and server-side norm bounding (Sun et al. 2019) followed by FedAvg. Both stream
 * in O(model) (centered clipping only with `iterations = 1`).
 */
import { CenteredClippingStep, centeredClipping } from '../aggregation/centered-clipping.js';
import { assertFinite, layoutData, type TensorLayout } from '../aggregation/layout.js';
import { NormBoundedMean } from '../aggregation/norm-bound.js';
import type { TensorMap } from '../tensor/tensor.js';
import { BaseStrategy, checkStateHeader, type ServerStepInput } from './base-strategy.js';
import { copyCollector, type DeltaCollector } from './collectors.js';
import type { StrategyConfigOf } from './config.js';
import { SlotState } from './slot-state.js';
import type { StrategyMemory, StrategyState } from './types.js';

/**
 * Centered clipping: `v <- v + (1/n) sum (d_k - v) min(1, tau / ||d_k - v||)`, `iterations`
 * times, starting from the center v = the previous round's aggregate delta (0 in round 1);
 * then `x <- x + v`, and v is kept as the next center. Unweighted.
 *
 * State: one float32 slot `center` (O(model)), in `getState()` as `center/<parameter>`, so a
 * restarted coordinator clips around the same center. Memory: with `iterations = 1` it
 * streams (the center plus one float64 sum); with more it copies every update
 * (`maxBufferedUpdates`, O(n x model)). A failed round (QUORUM_NOT_MET) leaves the center as
 * it was. Each update moves the result by at most tau / n, so tau is in units of a delta's
 * L2 norm: too small a tau slows honest progress, too large disables clipping.
 */
export class FedCenteredClipping extends BaseStrategy {
  readonly name = 'centeredclipping';
  override readonly memory: StrategyMemory;
  private readonly state = new SlotState(['center']);
  private readonly tau: number;
  private readonly iterations: number;

  constructor(config: StrategyConfigOf<'centeredclipping'>) {
    super(config);
    this.tau = config.tau;
    this.iterations = config.iterations;
    this.memory =
      config.iterations === 1
        ? { kind: 'streaming' }
        : { kind: 'buffered', maxUpdates: config.maxBufferedUpdates };
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

  protected override collector(_global: TensorMap, layout: TensorLayout): DeltaCollector {
    // Read the center without creating state, so a failed round leaves the state untouched.
    const center = this.state.initialized
      ? Float32Array.from(this.state.slotsFor(layout).get('center') ?? new Float32Array(layout.size))
      : new Float32Array(layout.size);
    if (this.memory.kind === 'buffered') {
      const { tau, iterations } = this;
      return copyCollector({
        layout,
        maxUpdates: this.memory.maxUpdates,
        finish: (copies) => centeredClipping({ layout, updates: copies, center, tau, iterations }),
      });
    }
    const step = new CenteredClippingStep(layout, center, this.tau);
    return {
      accept: (update) => {
        const data = layoutData(layout, update);
        assertFinite(layout, data);
        step.add(data);
      },
      finish: () => step.finish(),
    };
  }

  protected override serverStep(input: ServerStepInput): Float32Array {
    const center = this.state.slotsFor(input.layout).get('center') ?? new Float32Array(0);
    center.set(input.delta);
    return super.serverStep(input);
  }
}

/**
 * Norm-bounded FedAvg: each delta is scaled to an L2 norm of at most `normBound`, then
 * averaged with example counts as weights. Streams (O(model)); stateless. A client can still
 * shift the mean by normBound x its weight share, so pair it with the coordinator's
 * `maxExampleWeight` (docs/api.md).
 */
export class FedNormBounded extends BaseStrategy {
  readonly name = 'normbounded';
  private readonly bound: number;

  constructor(config: StrategyConfigOf<'normbounded'>) {
    super(config);
    this.bound = config.normBound;
  }

  protected override collector(_global: TensorMap, layout: TensorLayout): DeltaCollector {
    const mean = new NormBoundedMean(layout, this.bound);
    return {
      accept: (update, exampleCount) => {
        const data = layoutData(layout, update);
        assertFinite(layout, data);
        mean.add(data, exampleCount);
      },
      finish: () => mean.finish(),
    };
  }
}
