/**
 * Which ONNX ops an imported model may use, and the one `UNSUPPORTED_OP` error that names
 * every node outside that set (op type, node name, position), so a user sees all of them
 * at once instead of fixing one per try.
 */
import { EdgefedError } from '../../errors.js';
import type { NodeIR } from '../ir/types.js';
import { DIRECT_OPS } from './emit-ops.js';
import { INT_OPS } from './int-values.js';

/** Ops with special handling during import (see emit-imported.ts). */
const SPECIAL_OPS = ['Reshape', 'Squeeze', 'Unsqueeze', 'Slice', 'Pad', 'Dropout', 'BatchNormalization'];

/** Every op type `importOnnxModel` accepts (default ONNX domain). */
export const IMPORT_SUPPORTED_OPS: ReadonlySet<string> = new Set([
  ...DIRECT_OPS,
  ...INT_OPS,
  ...SPECIAL_OPS,
  'Gelu',
  'LayerNormalization',
]);

/** One node the importer cannot handle. */
export interface UnsupportedNode {
  readonly op: string;
  readonly domain: string;
  readonly name: string;
  /** Position of the node in the file's node list (0-based, Constant nodes included). */
  readonly index: number;
}

/** Unsupported nodes of `nodes` (ops outside the set, or outside the default domain). */
export function findUnsupportedNodes(
  nodes: readonly NodeIR[],
  indexOf: (n: NodeIR) => number,
): UnsupportedNode[] {
  return nodes
    .filter((n) => !(n.domain === '' || n.domain === 'ai.onnx') || !IMPORT_SUPPORTED_OPS.has(n.opType))
    .map((n) => ({ op: n.opType, domain: n.domain, name: n.name, index: indexOf(n) }));
}

/** Throws `UNSUPPORTED_OP` listing every unsupported node, if any. */
export function assertSupported(nodes: readonly NodeIR[], indexOf: (n: NodeIR) => number): void {
  const bad = findUnsupportedNodes(nodes, indexOf);
  if (bad.length === 0) return;
  const list = bad
    .map((u) => `${u.domain === '' ? '' : `${u.domain}.`}${u.op} "${u.name}" (node ${String(u.index)})`)
    .join(', ');
  throw new EdgefedError('UNSUPPORTED_OP', `Model uses ${String(bad.length)} unsupported node(s): ${list}`, {
    details: { nodes: bad.map((u) => ({ ...u })) },
  });
}
