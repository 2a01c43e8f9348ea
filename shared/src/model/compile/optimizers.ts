/**
 * Optimizer updates emitted as graph ops: SGD (momentum, Nesterov, weight decay), Adam
 * (L2 weight decay added to the gradient) and AdamW (decoupled weight decay), matching
 * PyTorch's torch.optim semantics. Hyper-parameters are scalar float graph inputs.
 */
import { EdgefedError } from '../../errors.js';
import type { GraphBuilder } from '../ir/builder.js';
import { add, mul, sub } from '../ir/ops.js';

/** Which optimizer a training graph applies. */
export type OptimizerSpec =
  | {
      readonly type: 'sgd';
      readonly momentum?: boolean;
      readonly nesterov?: boolean;
      readonly weightDecay?: boolean;
    }
  | { readonly type: 'adam'; readonly weightDecay?: boolean }
  | { readonly type: 'adamw' };

/** A scalar hyper-parameter input with its default. */
export interface HyperParameter {
  readonly name: string;
  readonly default: number;
  readonly description: string;
}

/** The hyper-parameter inputs an optimizer needs, in manifest order. */
export function optimizerHyperParameters(opt: OptimizerSpec): HyperParameter[] {
  const out: HyperParameter[] = [
    { name: 'lr', default: opt.type === 'sgd' ? 0.01 : 0.001, description: 'learning rate' },
  ];
  const wd = opt.type === 'adamw' || opt.weightDecay === true;
  if (wd)
    out.push({ name: 'weight_decay', default: opt.type === 'adamw' ? 0.01 : 0, description: 'weight decay' });
  if (opt.type === 'sgd') {
    if (opt.momentum === true || opt.nesterov === true)
      out.push({ name: 'momentum', default: 0.9, description: 'momentum factor' });
    return out;
  }
  out.push(
    { name: 'beta1', default: 0.9, description: 'Adam beta1' },
    { name: 'beta2', default: 0.999, description: 'Adam beta2' },
    { name: 'epsilon', default: 1e-8, description: 'Adam epsilon' },
    { name: 'step', default: 1, description: 'Adam step count t of the first step in this run (1-based)' },
  );
  return out;
}

/** The optimizer state tensors per parameter (same shape as the parameter). */
export function optimizerStateKinds(opt: OptimizerSpec): string[] {
  if (opt.type === 'sgd') return opt.momentum === true || opt.nesterov === true ? ['momentum'] : [];
  return ['adam-m', 'adam-v'];
}

/** Options of {@link emitUpdate}. */
export interface UpdateOptions {
  readonly opt: OptimizerSpec;
  readonly param: string;
  readonly grad: string;
  /** Current state by kind (see {@link optimizerStateKinds}). */
  readonly state: ReadonlyMap<string, string>;
  /** Hyper-parameter values by name, plus derived per-step scalars (see {@link emitStepScalars}). */
  readonly hyper: ReadonlyMap<string, string>;
  /**
   * The gradient already carries the learning rate (the objective was scaled by `lr`, see
   * {@link foldsLearningRate}): plain SGD then subtracts it as it is.
   */
  readonly gradTimesLr?: boolean;
}

/**
 * True when the learning rate can be folded into the objective (differentiate `lr * loss`,
 * then `w - g`): plain SGD without momentum or weight decay, and no gradient clipping
 * (which needs the unscaled norm). This removes one full-size Mul per parameter and step;
 * the scalar Mul on the loss seed is free.
 */
export function foldsLearningRate(opt: OptimizerSpec, clipNorm: boolean): boolean {
  return (
    opt.type === 'sgd' &&
    opt.momentum !== true &&
    opt.nesterov !== true &&
    opt.weightDecay !== true &&
    !clipNorm
  );
}

/** New parameter and state values. */
export interface UpdateResult {
  readonly param: string;
  readonly state: Map<string, string>;
}

function hp(o: UpdateOptions, name: string): string {
  const v = o.hyper.get(name);
  if (v === undefined) throw new EdgefedError('INTERNAL', `Missing hyper-parameter ${name}`);
  return v;
}

function sgd(b: GraphBuilder, o: UpdateOptions & { opt: { type: 'sgd' } }): UpdateResult {
  if (o.gradTimesLr === true) return { param: sub(b, o.param, o.grad), state: new Map() };
  let g = o.grad;
  if (o.opt.weightDecay === true) g = add(b, g, mul(b, o.param, hp(o, 'weight_decay')));
  const state = new Map<string, string>();
  const buf = o.state.get('momentum');
  let d = g;
  if (buf !== undefined) {
    const next = add(b, mul(b, buf, hp(o, 'momentum')), g);
    state.set('momentum', next);
    d = o.opt.nesterov === true ? add(b, g, mul(b, next, hp(o, 'momentum'))) : next;
  }
  return { param: sub(b, o.param, mul(b, d, hp(o, 'lr'))), state };
}

function adam(b: GraphBuilder, o: UpdateOptions): UpdateResult {
  let g = o.grad;
  let w = o.param;
  if (o.opt.type === 'adam' && o.opt.weightDecay === true) g = add(b, g, mul(b, w, hp(o, 'weight_decay')));
  if (o.opt.type === 'adamw') w = mul(b, w, hp(o, '#decay'));
  const m = add(b, mul(b, o.state.get('adam-m') ?? '', hp(o, 'beta1')), mul(b, g, hp(o, '#1-beta1')));
  const v = add(
    b,
    mul(b, o.state.get('adam-v') ?? '', hp(o, 'beta2')),
    mul(b, mul(b, g, g), hp(o, '#1-beta2')),
  );
  const denom = add(b, mul(b, b.op1('Sqrt', [v]), hp(o, '#vscale')), hp(o, 'epsilon'));
  const next = sub(b, w, mul(b, b.op1('Div', [m, denom]), hp(o, '#stepsize')));
  return {
    param: next,
    state: new Map([
      ['adam-m', m],
      ['adam-v', v],
    ]),
  };
}

/**
 * Emits the per-step scalars Adam needs for step k of the run (bias corrections with
 * t = step + k): `#stepsize` = lr / (1 - beta1^t), `#vscale` = 1 / sqrt(1 - beta2^t),
 * `#1-beta1`, `#1-beta2`, and for AdamW `#decay` = 1 - lr * weight_decay. Returns a new map.
 */
export function emitStepScalars(
  b: GraphBuilder,
  opt: OptimizerSpec,
  hyper: ReadonlyMap<string, string>,
  k: number,
): Map<string, string> {
  const out = new Map(hyper);
  if (opt.type === 'sgd') return out;
  const get = (n: string): string => out.get(n) ?? '';
  const one = b.scalar(1);
  const t = k === 0 ? get('step') : add(b, get('step'), b.scalar(k));
  const bc1 = sub(b, one, b.op1('Pow', [get('beta1'), t]));
  const bc2 = sub(b, one, b.op1('Pow', [get('beta2'), t]));
  out.set('#stepsize', b.op1('Div', [get('lr'), bc1]));
  out.set('#vscale', b.op1('Div', [one, b.op1('Sqrt', [bc2])]));
  out.set('#1-beta1', sub(b, one, get('beta1')));
  out.set('#1-beta2', sub(b, one, get('beta2')));
  if (opt.type === 'adamw') out.set('#decay', sub(b, one, mul(b, get('lr'), get('weight_decay'))));
  return out;
}

/** Emits one parameter's update. Requires the scalars from {@link emitStepScalars}. */
export function emitUpdate(b: GraphBuilder, o: UpdateOptions): UpdateResult {
  if (o.opt.type === 'sgd') return sgd(b, { ...o, opt: o.opt });
  return adam(b, o);
}
