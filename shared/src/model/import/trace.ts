/**
 * Traces an imported graph once at batch 1 (as `planModel` does for specs): checks that
 * every node emits, and records the dropout masks and the output shape.
 */
import { EdgefedError } from '../../errors.js';
import { GraphBuilder } from '../ir/builder.js';
import type { MaskInfo } from '../spec/layers.js';
import { emitImportedForward } from './emit-imported.js';
import type { ImportedGraph } from './imported-graph.js';

/** What tracing an imported graph finds. */
export interface ImportedTrace {
  /** Shape of one example's input and output (no batch dimension). */
  readonly inputShape: readonly number[];
  readonly outputShape: readonly number[];
  /** Dropout masks the training graph takes (one per Dropout node with ratio > 0). */
  readonly masks: readonly MaskInfo[];
}

/** Traces `g` with input shape [1, ...inputShape]. Throws `INVALID_MODEL` for a non-static output. */
export function traceImported(g: ImportedGraph, inputShape: readonly number[]): ImportedTrace {
  const b = new GraphBuilder({ name: 'import-trace' });
  const masks: MaskInfo[] = [];
  const x = b.input('x', 'float32', [1, ...inputShape]);
  const out = emitImportedForward(b, g, {
    input: x,
    training: true,
    param: (p) => b.input(p.name, 'float32', p.shape),
    mask: (m) => {
      masks.push(m);
      return b.input(m.name, 'float32', [1, ...m.shape]);
    },
    updateState: () => undefined,
  });
  const shape = b.shape(out).slice(1);
  if (!shape.every((d): d is number => typeof d === 'number'))
    throw new EdgefedError(
      'INVALID_MODEL',
      `Output ${g.outputName} has a non-static shape [${shape.join(', ')}]`,
    );
  return { inputShape: [...inputShape], outputShape: shape, masks };
}
