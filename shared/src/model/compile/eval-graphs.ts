/**
 * The inference graph (input -> logits and probabilities) and the evaluation graph
 * (batch + labels + row mask -> loss sum, correct count, example count). Both have a
 * symbolic batch dimension "N" and take the parameters as inputs (or, for exported
 * inference models, as initializers).
 */
import { GraphBuilder } from '../ir/builder.js';
import { mul, reduceSum } from '../ir/ops.js';
import { attrInt, type ConstTensor, type GraphIR } from '../ir/types.js';
import type { Tensor } from '../../tensor/tensor.js';
import { EdgefedError } from '../../errors.js';
import { emitLoss, labelNote, TOKEN_OUTPUTS, tokenValues, type LossKind } from './losses.js';
import type { GraphManifest } from './manifest.js';
import { emitPlanForward, Inputs, Outputs, type ModelPlan } from './plan.js';

const N = 'N';

/** Adds the prediction outputs (`logits` + `probabilities`, or `prediction` for mse). */
export function predictions(b: GraphBuilder, outs: Outputs, loss: LossKind, logits: string): void {
  if (loss === 'mse') {
    outs.add(logits, 'prediction', 'prediction');
    return;
  }
  outs.add(logits, 'logits', 'prediction');
  const probs =
    loss === 'softmax-cross-entropy'
      ? b.op1('Softmax', [logits], { axis: attrInt(-1) })
      : b.op1('Sigmoid', [logits]);
  outs.add(probs, 'probabilities', 'prediction');
}

/** A parameter's value as an initializer; throws `NAME_MISMATCH`, `DTYPE_MISMATCH`, `SHAPE_MISMATCH`. */
export function paramConst(
  p: { name: string; shape: readonly number[] },
  t: Tensor | undefined,
): ConstTensor {
  if (t === undefined) throw new EdgefedError('NAME_MISMATCH', `Missing parameter ${p.name}`);
  if (t.dtype !== 'float32')
    throw new EdgefedError('DTYPE_MISMATCH', `Parameter ${p.name} must be float32, got ${t.dtype}`);
  if (t.shape.length !== p.shape.length || t.shape.some((d, i) => d !== p.shape[i])) {
    throw new EdgefedError(
      'SHAPE_MISMATCH',
      `Parameter ${p.name}: expected [${p.shape.join(', ')}], got [${t.shape.join(', ')}]`,
    );
  }
  return { name: p.name, dtype: 'float32', shape: [...p.shape], data: t.data };
}

/**
 * Builds the inference graph. With `values`, parameters become initializers (a
 * self-contained model); without, they are graph inputs.
 */
export function buildInferenceGraph(
  plan: ModelPlan,
  loss: LossKind,
  values?: ReadonlyMap<string, Tensor>,
): { graph: GraphIR; manifest: GraphManifest } {
  const b = new GraphBuilder({ name: 'inference' });
  const ins = new Inputs(b);
  const params = new Map<string, string>();
  for (const p of plan.parameters) {
    params.set(
      p.name,
      values === undefined
        ? ins.add(p.name, 'parameter', p.shape)
        : b.constant(paramConst(p, values.get(p.name))),
    );
  }
  const x = ins.add('x', 'batch', [N, ...plan.inputShape]);
  const logits = emitPlanForward(b, plan, {
    input: x,
    training: false,
    param: (p) => params.get(p.name) ?? '',
  });
  const outs = new Outputs(b);
  predictions(b, outs, loss, logits);
  return {
    graph: b.build(),
    manifest: {
      kind: 'inference',
      opset: 17,
      batchSize: N,
      stepsPerRun: 1,
      inputs: ins.entries,
      outputs: outs.entries,
    },
  };
}

/** Builds the evaluation graph: sums over the real (mask = 1) rows of one batch. */
export function buildEvaluationGraph(
  plan: ModelPlan,
  loss: LossKind,
): { graph: GraphIR; manifest: GraphManifest } {
  const b = new GraphBuilder({ name: 'evaluation' });
  const ins = new Inputs(b);
  const params = new Map(
    plan.parameters.map((p) => [p.name, ins.add(p.name, 'parameter', p.shape)] as const),
  );
  const x = ins.add('x', 'batch', [N, ...plan.inputShape]);
  const y = ins.add('y', 'label', [N, ...plan.outputShape], labelNote(plan, loss));
  const mask = ins.add('mask', 'mask', [N], { description: '1 for real rows, 0 for padding' });
  const logits = emitPlanForward(b, plan, {
    input: x,
    training: false,
    param: (p) => params.get(p.name) ?? '',
  });
  const lv = emitLoss(b, loss, logits, y);
  const outs = new Outputs(b);
  outs.add(reduceSum(b, mul(b, lv.perExample, mask), [0], false), 'loss_sum', 'loss', {
    description: 'sum of per-example losses over real rows',
  });
  if (lv.correct !== undefined)
    outs.add(reduceSum(b, mul(b, lv.correct, mask), [0], false), 'correct', 'metric');
  outs.add(reduceSum(b, mask, [0], false), 'count', 'metric', { description: 'real rows (sum of the mask)' });
  for (const [out, v] of tokenValues(lv))
    outs.add(reduceSum(b, mul(b, v, mask), [0], false), out, 'metric', {
      description: `${TOKEN_OUTPUTS[out] ?? ''} (real rows)`,
    });
  return {
    graph: b.build(),
    manifest: {
      kind: 'evaluation',
      opset: 17,
      batchSize: N,
      stepsPerRun: 1,
      inputs: ins.entries,
      outputs: outs.entries,
    },
  };
}
