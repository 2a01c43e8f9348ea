/**
 * Gradient rules for ops that imported ONNX models use and spec layers do not:
 * ConvTranspose (input gradient = Conv with the same window and weight; weight gradient =
 * the Conv weight gradient of that adjoint Conv) and constant-mode Pad (a Slice).
 */
import { EdgefedError } from '../../errors.js';
import { reduceSum } from '../ir/ops.js';
import { windowAttrs } from '../ir/shape-infer-window.js';
import { requireStatic } from '../ir/shape-utils.js';
import { attrInt, attrInts, getInt, getInts } from '../ir/types.js';
import type { GradRule } from './rule.js';
import { grad0, inputOf } from './rule.js';
import { convWeightGrad } from './rules-conv.js';

const convTransposeRule: GradRule = (ctx) => {
  const g = grad0(ctx);
  if (g === undefined) return [];
  const { b, node } = ctx;
  if (node.attributes.output_shape !== undefined)
    throw new EdgefedError(
      'UNSUPPORTED_OP',
      `ConvTranspose ${node.name}: output_shape unsupported in training`,
    );
  const wName = inputOf(ctx, 1);
  const ws = requireStatic(b.shape(wName), 'ConvTranspose gradient');
  const w = windowAttrs(node, getInts(node.attributes, 'kernel_shape') ?? ws.slice(2));
  const group = getInt(node.attributes, 'group', 1);
  const gs = requireStatic(b.shape(g), 'ConvTranspose gradient');
  const conv = {
    kernel_shape: attrInts(w.kernel),
    strides: attrInts(w.strides),
    dilations: attrInts(w.dilations),
    pads: attrInts(w.pads),
    group: attrInt(group),
  };
  const gx = ctx.needs[0] ? b.op1('Conv', [g, wName], conv) : undefined;
  // <g, ConvT(x, W)> = <Conv(g, W), x>: the weight gradient is that Conv's, with x as its
  // output gradient.
  const adjoint = { ...ctx, node: { ...node, opType: 'Conv', inputs: [g, wName] } };
  const gw = ctx.needs[1] === true ? convWeightGrad(adjoint, inputOf(ctx, 0), w, group) : undefined;
  const gb =
    ctx.needs[2] === true ? reduceSum(b, g, [0, ...gs.slice(2).map((_, i) => i + 2)], false) : undefined;
  return [gx, gw, gb];
};

const padRule: GradRule = (ctx) => {
  const g = grad0(ctx);
  if (g === undefined || ctx.needs[0] !== true) return [];
  const { b, node } = ctx;
  const pads = b.constantOf(inputOf(ctx, 1));
  const mode = node.attributes.mode;
  if (pads === undefined || (mode !== undefined && (mode.kind !== 'string' || mode.value !== 'constant')))
    throw new EdgefedError('UNSUPPORTED_OP', `Pad ${node.name}: gradient needs constant pads and mode`);
  const xs = requireStatic(b.shape(inputOf(ctx, 0)), 'Pad gradient');
  const p = Array.from(pads.data as ArrayLike<number>, Number);
  if (p.some((v) => v < 0) || (node.inputs[3] ?? '') !== '')
    throw new EdgefedError('UNSUPPORTED_OP', `Pad ${node.name}: gradient needs non-negative pads, no axes`);
  const starts = xs.map((_, i) => p[i] ?? 0);
  const ends = xs.map((d, i) => d + (p[i] ?? 0));
  return [b.op1('Slice', [g, b.ints(starts), b.ints(ends), b.ints(xs.map((_, i) => i))])];
};

/** Gradient rules of the ops only imported models use, by op type. */
export const IMPORT_RULES: Readonly<Record<string, GradRule>> = {
  ConvTranspose: convTransposeRule,
  Pad: padRule,
};
