/**
 * Gradient rules the sequence layers need: Split (gates of recurrent cells, time steps,
 * query/key/value). The input gradient is the Concat of the output gradients along the
 * split axis, with zeros standing in for outputs no gradient reached.
 */
import { expandTo } from '../ir/ops.js';
import { normAxis } from '../ir/shape-utils.js';
import { attrInt, getInt } from '../ir/types.js';
import type { GradRule } from './rule.js';

const splitRule: GradRule = (ctx) => {
  const { b, node } = ctx;
  if (ctx.needs[0] !== true || ctx.gradOut.every((g) => g === undefined)) return [];
  const rank = b.shape(node.outputs[0] ?? '').length;
  const axis = normAxis(getInt(node.attributes, 'axis', 0), rank);
  const parts = node.outputs.map(
    (o, i) =>
      ctx.gradOut[i] ??
      expandTo(b, b.scalar(0, b.info(o).dtype === 'float64' ? 'float64' : 'float32'), b.shape(o)),
  );
  const g = parts.length === 1 ? (parts[0] ?? '') : b.op1('Concat', parts, { axis: attrInt(axis) });
  return [g];
};

/** Gradient rules of the ops sequence layers add, by op type. */
export const SEQ_RULES: Readonly<Record<string, GradRule>> = { Split: splitRule };
