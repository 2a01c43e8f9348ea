/**
 * The attention graph of a Transformer model: its inference graph (input `x` -> `logits`,
 * `probabilities`) with one extra output, `attention` [N, T, T]: the softmax attention
 * weights of a chosen attention layer (a `multiHeadAttention` layer, or the one inside a
 * `transformerBlock`) for a chosen head, or their mean over heads. Row i holds what query
 * position i attended to: it sums to 1, and a causal layer gives 0 to every key j > i.
 *
 * The weights are the ones the forward pass itself computes (the layer hands them over
 * through `ForwardOptions.attention`), so the logits are exactly the inference graph's.
 * Ops stay on the WebGPU list: picking a head is a Slice with int64 constant bounds and a
 * Reshape; the mean is ReduceSum and Mul. `findWebGpuIssues` checks it.
 */
import { EdgefedError } from '../../errors.js';
import { GraphBuilder } from '../ir/builder.js';
import { reduceSum, reshape, scale } from '../ir/ops.js';
import type { GraphIR } from '../ir/types.js';
import type { AttentionInfo } from '../spec/layers.js';
import type { Tensor } from '../../tensor/tensor.js';
import { paramConst, predictions } from './eval-graphs.js';
import type { LossKind } from './losses.js';
import type { GraphManifest } from './manifest.js';
import { emitPlanForward, Inputs, Outputs, type ModelPlan } from './plan.js';

/** Which attention weights the graph outputs. */
export interface AttentionGraphOptions {
  /**
   * The attention layer: its name (`multiHeadAttention0`, `transformerBlock1.attn`) or the
   * name of the transformer block that holds it (`transformerBlock1`). Default: the last
   * attention layer of the model (the one closest to the output).
   */
  readonly layer?: string;
  /** A head index in [0, heads), or `mean` (the mean over heads). Default 0. */
  readonly head?: number | 'mean';
  /** Loss whose prediction outputs the graph has (default softmax-cross-entropy). */
  readonly loss?: LossKind;
}

/** An attention layer of a model, as {@link AttentionGraphOptions.layer} names it. */
export type AttentionLayerInfo = AttentionInfo;

function emitWithAttention(
  b: GraphBuilder,
  plan: ModelPlan,
  input: string,
  param: (name: string) => string,
): { logits: string; layers: { info: AttentionInfo; weights: string }[] } {
  const layers: { info: AttentionInfo; weights: string }[] = [];
  const logits = emitPlanForward(b, plan, {
    input,
    training: false,
    param: (p) => param(p.name),
    attention: (info, weights) => layers.push({ info, weights }),
  });
  return { logits, layers };
}

/** The attention layers of a planned model, in forward order (empty for models without). */
export function listAttentionLayers(plan: ModelPlan): AttentionLayerInfo[] {
  const b = new GraphBuilder({ name: 'attention-plan' });
  const x = b.input('x', 'float32', [1, ...plan.inputShape]);
  const params = new Map(plan.parameters.map((p) => [p.name, b.input(p.name, 'float32', p.shape)] as const));
  return emitWithAttention(b, plan, x, (n) => params.get(n) ?? '').layers.map((l) => l.info);
}

function pick<T extends { info: AttentionInfo }>(layers: readonly T[], wanted: string | undefined): T {
  if (layers.length === 0)
    throw new EdgefedError(
      'INVALID_MODEL',
      'The model has no attention layer (multiHeadAttention or transformerBlock)',
    );
  const found =
    wanted === undefined
      ? layers.at(-1)
      : layers.find((l) => l.info.layer === wanted || l.info.layer === `${wanted}.attn`);
  if (found === undefined)
    throw new EdgefedError(
      'INVALID_ARGUMENT',
      `No attention layer "${wanted ?? ''}"; the model has ${layers.map((l) => l.info.layer).join(', ')}`,
    );
  return found;
}

function checkHead(head: number | 'mean', info: AttentionInfo): void {
  if (head === 'mean') return;
  if (!Number.isInteger(head) || head < 0 || head >= info.heads)
    throw new EdgefedError(
      'INVALID_ARGUMENT',
      `head must be "mean" or an integer in [0, ${info.heads}) for ${info.layer}, got ${String(head)}`,
    );
}

/**
 * Builds the attention graph. With `values`, parameters become initializers (a
 * self-contained model); without, they are graph inputs. Throws `INVALID_MODEL` when the
 * model has no attention layer, `INVALID_ARGUMENT` for an unknown layer or a head out of
 * range, and what `paramConst` throws for `values` that do not fit.
 */
export function buildAttentionGraph(
  plan: ModelPlan,
  options: AttentionGraphOptions = {},
  values?: ReadonlyMap<string, Tensor>,
): { graph: GraphIR; manifest: GraphManifest; layer: AttentionInfo } {
  const b = new GraphBuilder({ name: 'attention' });
  const ins = new Inputs(b);
  const params = new Map<string, string>();
  for (const p of plan.parameters)
    params.set(
      p.name,
      values === undefined
        ? ins.add(p.name, 'parameter', p.shape)
        : b.constant(paramConst(p, values.get(p.name))),
    );
  const x = ins.add('x', 'batch', ['N', ...plan.inputShape]);
  const { logits, layers } = emitWithAttention(b, plan, x, (n) => params.get(n) ?? '');
  const chosen = pick(layers, options.layer);
  const head = options.head ?? 0;
  checkHead(head, chosen.info);
  const t = chosen.info.length;
  const weights =
    head === 'mean'
      ? scale(b, reduceSum(b, chosen.weights, [1], false), 1 / chosen.info.heads)
      : reshape(b, b.op1('Slice', [chosen.weights, b.ints([head]), b.ints([head + 1]), b.ints([1])]), [
          0,
          t,
          t,
        ]);
  const outs = new Outputs(b);
  predictions(b, outs, options.loss ?? 'softmax-cross-entropy', logits);
  outs.add(weights, 'attention', 'prediction', {
    layer: chosen.info.layer,
    description: `softmax attention weights of ${chosen.info.layer}, ${head === 'mean' ? 'mean over heads' : `head ${head}`}: row i = query i over keys (sums to 1)`,
  });
  return {
    graph: b.build(),
    layer: chosen.info,
    manifest: {
      kind: 'attention',
      opset: 17,
      batchSize: 'N',
      stepsPerRun: 1,
      inputs: ins.entries,
      outputs: outs.entries,
    },
  };
}
