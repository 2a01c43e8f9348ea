/**
 * Reverse-mode automatic differentiation over the graph IR. Walks the nodes appended to a
 * GraphBuilder backwards from a scalar loss and appends the backward pass to the same
 * builder, one gradient rule per op.
 */
import { EdgefedError } from '../../errors.js';
import type { GraphBuilder } from '../ir/builder.js';
import { add, expandTo } from '../ir/ops.js';
import type { NodeIR } from '../ir/types.js';
import type { GradRule } from './rule.js';
import { CONV_RULES } from './rules-conv.js';
import { ELEMENTWISE_RULES } from './rules-elementwise.js';
import { IMPORT_RULES } from './rules-import.js';
import { LINALG_RULES } from './rules-linalg.js';
import { NORM_RULES } from './rules-norm.js';
import { REDUCE_RULES } from './rules-reduce.js';
import { SEQ_RULES } from './rules-seq.js';
import { SHAPE_RULES } from './rules-shape.js';

const RULES: Readonly<Record<string, GradRule>> = {
  ...ELEMENTWISE_RULES,
  ...LINALG_RULES,
  ...REDUCE_RULES,
  ...SHAPE_RULES,
  ...CONV_RULES,
  ...NORM_RULES,
  ...SEQ_RULES,
  ...IMPORT_RULES,
};

/** Ops that never carry a gradient (comparisons, casts to non-float, shape plumbing). */
const NON_DIFFERENTIABLE = new Set([
  'Equal',
  'Greater',
  'Less',
  'GreaterOrEqual',
  'LessOrEqual',
  'Shape',
  'ArgMax',
]);

/** Ops autodiff can differentiate. */
export function differentiableOps(): string[] {
  return Object.keys(RULES).sort();
}

/** Options for {@link addGradients}. */
export interface GradientOptions {
  /** Gradient of `loss` itself (same shape); defaults to a scalar 1 (loss must then be a scalar). */
  readonly seed?: string;
}

function forwardReach(b: GraphBuilder, nodes: readonly NodeIR[], wrt: readonly string[]): Set<string> {
  const reach = new Set(wrt);
  for (const n of nodes) {
    if (NON_DIFFERENTIABLE.has(n.opType)) continue;
    if (n.inputs.some((i) => reach.has(i) && !b.isStopped(i))) for (const o of n.outputs) reach.add(o);
  }
  return reach;
}

function accumulate(b: GraphBuilder, grads: Map<string, string>, name: string, g: string): void {
  const prev = grads.get(name);
  grads.set(name, prev === undefined ? g : add(b, prev, g));
}

function backwardNode(b: GraphBuilder, node: NodeIR, grads: Map<string, string>, reach: Set<string>): void {
  const gradOut = node.outputs.map((o) => grads.get(o));
  if (gradOut.every((g) => g === undefined)) return;
  const needs = node.inputs.map((i) => i !== '' && reach.has(i) && !b.isStopped(i));
  if (!needs.some(Boolean)) return;
  const rule = RULES[node.opType];
  if (rule === undefined) {
    throw new EdgefedError('UNSUPPORTED_OP', `No gradient rule for op ${node.opType}`, {
      details: { op: node.opType },
    });
  }
  const gin = rule({ b, node, gradOut, needs });
  node.inputs.forEach((name, i) => {
    const g = gin[i];
    if (g === undefined || needs[i] !== true) return;
    accumulate(b, grads, name, g);
  });
}

/**
 * Appends the backward pass of `loss` with respect to each of `wrt` and returns
 * wrt name -> gradient value name (same shape as the wrt value). Values in `wrt` are
 * leaves: gradients never flow past them into the nodes that produced them. A wrt value
 * the loss does not depend on gets a zero gradient. Shapes on the path must be static.
 * Throws `UNSUPPORTED_OP` when an op on the path has no rule.
 */
export function addGradients(
  b: GraphBuilder,
  loss: string,
  wrt: readonly string[],
  options: GradientOptions = {},
): Map<string, string> {
  const wrtSet = new Set(wrt);
  const all = b.nodes;
  const firstUse = all.findIndex((n) => n.inputs.some((i) => wrtSet.has(i)));
  const nodes = firstUse < 0 ? [] : all.slice(firstUse);
  const reach = forwardReach(b, nodes, wrt);
  const grads = new Map<string, string>();
  if (reach.has(loss)) {
    const seed = options.seed ?? b.scalar(1, b.info(loss).dtype === 'float64' ? 'float64' : 'float32');
    grads.set(loss, seed);
    for (let i = nodes.length - 1; i >= 0; i--) {
      const node = nodes[i];
      // A wrt value is a leaf: the gradient never flows into the node that produced it.
      if (node === undefined || node.outputs.every((o) => wrtSet.has(o))) continue;
      backwardNode(b, node, grads, reach);
    }
  }
  const out = new Map<string, string>();
  for (const w of wrt) out.set(w, grads.get(w) ?? expandTo(b, b.scalar(0), b.shape(w)));
  return out;
}
