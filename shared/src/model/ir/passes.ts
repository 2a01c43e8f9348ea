/**
 * Graph clean-up passes run on every emitted graph: constant folding (nodes whose inputs
 * are all small constants become initializers) and dead-node removal (nodes and
 * initializers no graph output depends on are dropped). Graph inputs are kept even when
 * unused, so a manifest always matches its graph.
 */
import { EdgefedError } from '../../errors.js';
import { evaluateConstant, FOLDABLE_OPS } from './fold.js';
import { inferNode } from './shape-infer.js';
import type { ConstTensor, GraphIR, NodeIR, ValueInfo } from './types.js';

/** Folds nodes whose inputs are all constants of at most `limit` elements. */
export function foldConstants(graph: GraphIR, limit = 4096): GraphIR {
  const consts = new Map(graph.initializers.map((t) => [t.name, t]));
  const infos = new Map<string, ValueInfo>();
  for (const v of graph.inputs) infos.set(v.name, v);
  for (const t of graph.initializers) infos.set(t.name, { name: t.name, dtype: t.dtype, shape: t.shape });
  const outputs = new Set(graph.outputs.map((o) => o.name));
  const nodes: NodeIR[] = [];
  const ctx = {
    info: (n: string): ValueInfo => {
      const i = infos.get(n);
      if (i === undefined) throw new EdgefedError('INVALID_MODEL', `Unknown value ${n}`);
      return i;
    },
    constant: (n: string) => consts.get(n),
  };
  for (const node of graph.nodes) {
    let out: ValueInfo[] | undefined;
    try {
      out = inferNode(ctx, node);
    } catch {
      out = undefined;
    }
    if (out === undefined) {
      nodes.push(node);
      for (const o of node.outputs) infos.delete(o);
      continue;
    }
    for (const o of out) infos.set(o.name, o);
    const ins = node.inputs.map((n) => consts.get(n));
    const first = out[0];
    const foldable =
      FOLDABLE_OPS.has(node.opType) &&
      out.length === 1 &&
      first !== undefined &&
      !outputs.has(first.name) &&
      ins.every((c): c is ConstTensor => c !== undefined && c.data.length <= limit);
    const folded = foldable ? evaluateConstant(node, ins, first) : undefined;
    if (folded === undefined) nodes.push(node);
    else consts.set(folded.name, folded);
  }
  return { ...graph, nodes, initializers: [...consts.values()] };
}

/** Removes nodes and initializers that no graph output depends on. */
export function removeDeadNodes(graph: GraphIR): GraphIR {
  const live = new Set(graph.outputs.map((o) => o.name));
  const kept: NodeIR[] = [];
  for (let i = graph.nodes.length - 1; i >= 0; i--) {
    const n = graph.nodes[i];
    if (n === undefined || !n.outputs.some((o) => live.has(o))) continue;
    kept.push(n);
    for (const x of n.inputs) live.add(x);
  }
  kept.reverse();
  return { ...graph, nodes: kept, initializers: graph.initializers.filter((t) => live.has(t.name)) };
}

/**
 * Removes Identity nodes whose input is an intermediate value (not a graph input, output
 * or initializer) by renaming that value to the Identity's output everywhere.
 */
export function collapseIdentities(graph: GraphIR): GraphIR {
  const fixed = new Set([...graph.inputs, ...graph.outputs, ...graph.initializers].map((v) => v.name));
  const rename = new Map<string, string>();
  const drop = new Set<NodeIR>();
  for (const n of graph.nodes) {
    const [src] = n.inputs;
    const [dst] = n.outputs;
    if (
      n.opType !== 'Identity' ||
      src === undefined ||
      dst === undefined ||
      fixed.has(src) ||
      rename.has(src)
    )
      continue;
    rename.set(src, dst);
    drop.add(n);
  }
  const r = (v: string): string => rename.get(v) ?? v;
  const nodes = graph.nodes
    .filter((n) => !drop.has(n))
    .map((n) => ({ ...n, inputs: n.inputs.map(r), outputs: n.outputs.map(r) }));
  return { ...graph, nodes };
}

/** Folding, dead-node removal, then Identity collapsing. */
export function optimizeGraph(graph: GraphIR): GraphIR {
  return collapseIdentities(removeDeadNodes(foldConstants(graph)));
}
