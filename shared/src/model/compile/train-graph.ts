/**
 * The training-step graph: K unrolled optimizer steps, each forward -> masked mean loss
 * (+ FedProx term) -> reverse-mode gradients -> optional global-norm clipping ->
 * optimizer update. Inputs and outputs are listed in the manifest (docs/training-graphs.md).
 */
import { addGradients } from '../autodiff/autodiff.js';
import { GraphBuilder } from '../ir/builder.js';
import { add, div, mul, reduceSum, sub, where } from '../ir/ops.js';
import type { GraphIR } from '../ir/types.js';
import { emitForward } from '../spec/layers.js';
import { emitLoss, labelNote, TOKEN_OUTPUTS, tokenValues } from './losses.js';
import type { GraphManifest } from './manifest.js';
import { emitStepScalars, emitUpdate, optimizerHyperParameters, optimizerStateKinds } from './optimizers.js';
import { Inputs, Outputs, type CompileOptions, type ModelPlan } from './plan.js';

interface StepTotals {
  lossSum: string | undefined;
  correct: string | undefined;
  count: string | undefined;
}

/** Running sums of the token outputs of sequence losses, by output name. */
type TokenTotals = Map<string, string>;

function sumAll(b: GraphBuilder, v: string): string {
  return reduceSum(
    b,
    v,
    b.shape(v).map((_, i) => i),
    false,
  );
}

function accumulate(b: GraphBuilder, prev: string | undefined, v: string): string {
  return prev === undefined ? v : add(b, prev, v);
}

function clipGradients(b: GraphBuilder, grads: Map<string, string>, clip: string): void {
  let sq: string | undefined;
  for (const g of grads.values()) sq = accumulate(b, sq, sumAll(b, mul(b, g, g)));
  if (sq === undefined) return;
  const norm = b.op1('Sqrt', [sq]);
  const factor = where(b, b.op1('Greater', [norm, clip]), div(b, clip, norm), b.scalar(1));
  for (const [k, g] of grads) grads.set(k, mul(b, g, factor));
}

function suffix(o: Required<CompileOptions>, k: number): string {
  return o.stepsPerRun === 1 ? '' : `.${String(k)}`;
}

/** Builds the training-step graph and its manifest. */
export function buildTrainGraph(
  plan: ModelPlan,
  o: Required<CompileOptions>,
): { graph: GraphIR; manifest: GraphManifest } {
  const b = new GraphBuilder({ name: 'train_step', floatType: o.floatType });
  const ins = new Inputs(b);
  const B = o.batchSize;
  const cur = new Map<string, string>();
  const state = new Map<string, string>();
  const anchors = new Map<string, string>();
  const kinds = optimizerStateKinds(o.optimizer);
  for (const p of plan.parameters) cur.set(p.name, ins.add(p.name, 'parameter', p.shape));
  for (const p of plan.parameters) {
    for (const kind of kinds) {
      state.set(
        `${p.name}/${kind}`,
        ins.add(`${p.name}.${kind}`, 'optimizer-state', p.shape, { parameter: p.name, stateKind: kind }),
      );
    }
  }
  if (o.fedProx)
    for (const p of plan.parameters)
      anchors.set(p.name, ins.add(`${p.name}.anchor`, 'anchor', p.shape, { parameter: p.name }));
  const hyper = new Map<string, string>();
  const hps = optimizerHyperParameters(o.optimizer);
  if (o.clipNorm)
    hps.push({ name: 'clip_norm', default: 1, description: 'maximum global L2 norm of the gradients' });
  if (o.fedProx) hps.push({ name: 'mu', default: 0.01, description: 'FedProx proximal weight' });
  for (const h of hps)
    hyper.set(
      h.name,
      ins.add(h.name, 'hyper-parameter', [], { default: h.default, description: h.description }),
    );
  const totals: StepTotals = { lossSum: undefined, correct: undefined, count: undefined };
  const tokenTotals: TokenTotals = new Map();
  for (let k = 0; k < o.stepsPerRun; k++) {
    const sfx = suffix(o, k);
    const step = o.stepsPerRun === 1 ? {} : { step: k };
    const x = ins.add(`x${sfx}`, 'batch', [B, ...plan.inputShape], step);
    const y = ins.add(`y${sfx}`, 'label', [B, ...plan.outputShape], { ...step, ...labelNote(plan, o.loss) });
    const rowMask = ins.add(`mask${sfx}`, 'mask', [B], {
      ...step,
      description: '1 for real rows, 0 for padding',
    });
    const logits = emitForward(b, plan.spec, {
      input: x,
      training: true,
      param: (p) => cur.get(p.name) ?? '',
      mask: (m) =>
        ins.add(`${m.name}${sfx}`, 'mask', [B, ...m.shape], { ...step, layer: m.layer, rate: m.rate }),
    });
    const lv = emitLoss(b, o.loss, logits, y);
    const lossSum = sumAll(b, mul(b, lv.perExample, rowMask));
    const count = sumAll(b, rowMask);
    totals.lossSum = accumulate(b, totals.lossSum, lossSum);
    totals.count = accumulate(b, totals.count, count);
    if (lv.correct !== undefined)
      totals.correct = accumulate(b, totals.correct, sumAll(b, mul(b, lv.correct, rowMask)));
    for (const [out, v] of tokenValues(lv))
      tokenTotals.set(out, accumulate(b, tokenTotals.get(out), sumAll(b, mul(b, v, rowMask))));
    let objective = div(b, lossSum, b.op1('Clip', [count, b.scalar(1)]));
    if (o.fedProx) {
      let prox: string | undefined;
      for (const p of plan.parameters) {
        const d = sub(b, cur.get(p.name) ?? '', anchors.get(p.name) ?? '');
        prox = accumulate(b, prox, sumAll(b, mul(b, d, d)));
      }
      if (prox !== undefined)
        objective = add(b, objective, mul(b, mul(b, prox, hyper.get('mu') ?? ''), b.scalar(0.5)));
    }
    const names = plan.parameters.map((p) => cur.get(p.name) ?? '');
    const byValue = addGradients(b, objective, names);
    const grads = new Map(
      plan.parameters.map((p) => [p.name, byValue.get(cur.get(p.name) ?? '') ?? ''] as const),
    );
    if (o.clipNorm) clipGradients(b, grads, hyper.get('clip_norm') ?? '');
    const scalars = emitStepScalars(b, o.optimizer, hyper, k);
    for (const p of plan.parameters) {
      const st = new Map(kinds.map((kind) => [kind, state.get(`${p.name}/${kind}`) ?? ''] as const));
      const r = emitUpdate(b, {
        opt: o.optimizer,
        param: cur.get(p.name) ?? '',
        grad: grads.get(p.name) ?? '',
        state: st,
        hyper: scalars,
      });
      cur.set(p.name, r.param);
      for (const [kind, v] of r.state) state.set(`${p.name}/${kind}`, v);
    }
  }
  const outs = new Outputs(b);
  for (const p of plan.parameters)
    outs.add(cur.get(p.name) ?? '', `${p.name}.new`, 'output-parameter', { parameter: p.name });
  for (const p of plan.parameters) {
    for (const kind of kinds) {
      outs.add(state.get(`${p.name}/${kind}`) ?? '', `${p.name}.${kind}.new`, 'output-state', {
        parameter: p.name,
        stateKind: kind,
      });
    }
  }
  const lossMean = div(
    b,
    totals.lossSum ?? b.scalar(0),
    b.op1('Clip', [totals.count ?? b.scalar(0), b.scalar(1)]),
  );
  outs.add(lossMean, 'loss', 'loss', {
    description: 'mean loss over the real rows of all steps (before the update)',
  });
  if (totals.correct !== undefined)
    outs.add(totals.correct, 'correct', 'metric', {
      description: 'correctly classified real rows (sequences: sum of per-example token accuracies)',
    });
  outs.add(totals.count ?? b.scalar(0), 'count', 'metric', {
    description: 'real rows seen (sum of row masks)',
  });
  for (const [out, v] of tokenTotals)
    outs.add(v, out, 'metric', { description: `${TOKEN_OUTPUTS[out] ?? ''} (real rows of all steps)` });
  const manifest: GraphManifest = {
    kind: 'train-step',
    opset: 17,
    batchSize: B,
    stepsPerRun: o.stepsPerRun,
    inputs: ins.entries,
    outputs: outs.entries,
  };
  return { graph: b.build(), manifest };
}
