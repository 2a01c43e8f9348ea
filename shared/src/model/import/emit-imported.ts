/**
 * Replays an imported ONNX graph into a GraphBuilder as the forward pass of the model, so
 * the compiler builds inference, evaluation and train-step graphs from it exactly as from a
 * layer spec. Integer shape computations are evaluated at import time (int-values.ts);
 * Dropout becomes a fed mask (or identity), BatchNormalization uses batch statistics in
 * training graphs (batchnorm.ts).
 */
import { EdgefedError } from '../../errors.js';
import type { GraphBuilder } from '../ir/builder.js';
import { attrInt, type Dim, type NodeIR } from '../ir/types.js';
import type { ForwardOptions } from '../spec/layers.js';
import { emitBatchNorm } from './batchnorm.js';
import { emitDirect, emitGelu, getString } from './emit-ops.js';
import type { ImportedGraph } from './imported-graph.js';
import { axesOf, evalInts, INT_OPS, type KnownInts } from './int-values.js';

type Val = { readonly t: string } | { readonly ints: KnownInts };

/** Emission state of one forward pass. */
export class ForwardReplay {
  private readonly vals = new Map<string, Val>();
  private dropouts = 0;

  constructor(
    readonly b: GraphBuilder,
    private readonly g: ImportedGraph,
    private readonly opts: ForwardOptions,
  ) {
    this.vals.set(g.inputName, { t: opts.input });
    for (const [k, v] of g.ints) this.vals.set(k, { ints: v });
  }

  /** The known integers behind `name`, or undefined when it is a float tensor. */
  ints(name: string): KnownInts | undefined {
    if (name === '') return undefined;
    const v = this.lookup(name);
    return 'ints' in v ? v.ints : undefined;
  }

  /** Known integer values of input `i` of `node`; throws when not known at import time. */
  requireInts(node: NodeIR, i: number): Dim[] {
    const k = this.ints(node.inputs[i] ?? '');
    if (k === undefined) {
      throw new EdgefedError(
        'UNSUPPORTED_OP',
        `${node.opType} ${node.name}: input ${i} must be a constant (computed shapes only)`,
      );
    }
    return [...k.values];
  }

  /** The float tensor value of `name` (a parameter, constant or computed value). */
  tensor(name: string): string {
    const v = this.lookup(name);
    if ('t' in v) return v.t;
    const ints = v.ints.values.map((d) => (typeof d === 'number' ? d : Number.NaN));
    if (ints.some(Number.isNaN))
      throw new EdgefedError('UNSUPPORTED_OP', `Value ${name} depends on the batch size`);
    return this.b.constant({ dtype: 'int64', shape: [...v.ints.shape], data: ints });
  }

  private lookup(name: string): Val {
    const hit = this.vals.get(name);
    if (hit !== undefined) return hit;
    const p = this.g.parameters.get(name);
    const c = this.g.floatConstants.get(name);
    let t: string;
    if (p !== undefined) t = this.opts.param(p);
    else if (c !== undefined) t = this.b.floatConstant(c.shape, c.data);
    else throw new EdgefedError('INVALID_MODEL', `Value ${name} is used before it is computed`);
    this.vals.set(name, { t });
    return { t };
  }

  /** Emits one node. */
  emit(node: NodeIR): void {
    const out = node.outputs[0] ?? '';
    const dataIns = node.opType === 'Shape' ? [] : node.inputs.filter((n) => n !== '');
    const allInts = dataIns.length > 0 && dataIns.every((n) => this.ints(n) !== undefined);
    if (INT_OPS.has(node.opType) && (node.opType === 'Shape' || allInts)) {
      const ins = node.inputs.map((n) => this.ints(n));
      this.vals.set(out, { ints: evalInts(node, ins, (n) => this.b.shape(this.tensor(n))) });
      return;
    }
    this.vals.set(out, { t: this.emitFloat(node) });
  }

  private emitFloat(node: NodeIR): string {
    const { b } = this;
    const x = (): string => this.tensor(node.inputs[0] ?? '');
    switch (node.opType) {
      case 'Reshape':
        return b.op1('Reshape', [x(), b.ints(this.reshapeTarget(node))]);
      case 'Squeeze':
      case 'Unsqueeze': {
        const axes = axesOf(node, this.ints(node.inputs[1] ?? ''));
        return b.op1(node.opType, axes === undefined ? [x()] : [x(), b.ints(axes)]);
      }
      case 'Slice': {
        const rest = [1, 2, 3, 4]
          .filter((i) => (node.inputs[i] ?? '') !== '')
          .map((i) => b.ints(this.requireInts(node, i).map(Number)));
        return b.op1('Slice', [x(), ...rest]);
      }
      case 'Pad':
        return this.pad(node, x());
      case 'Dropout':
        return this.dropout(node, x());
      case 'BatchNormalization':
        return this.batchNorm(node);
      case 'Gelu':
        return emitGelu(b, x(), getString(node.attributes, 'approximate', 'none'));
      case 'Cast':
        return x();
      case 'LayerNormalization': {
        const attrs = { ...node.attributes, stash_type: attrInt(b.floatType === 'float64' ? 11 : 1) };
        const ins = node.inputs.filter((n) => n !== '').map((n) => this.tensor(n));
        return b.op('LayerNormalization', ins, attrs, this.opts.training ? 3 : 1)[0] ?? '';
      }
      default:
        return emitDirect(
          b,
          node,
          node.inputs.map((n) => (n === '' ? '' : this.tensor(n))),
        );
    }
  }

  private reshapeTarget(node: NodeIR): number[] {
    const src = this.b.shape(this.tensor(node.inputs[0] ?? ''));
    const target = this.requireInts(node, 1);
    const fixedBatch = this.g.exportedBatch;
    const out = target.map((d, i) => {
      if (typeof d === 'number') {
        // A batch size baked in by a static-batch export: copy the current batch instead.
        const batchLike = i === 0 && typeof fixedBatch === 'number' && d === fixedBatch && d !== src[0];
        return batchLike ? 0 : d;
      }
      if (src[i] === d) return 0;
      return -1;
    });
    if (out.filter((d) => d === -1).length > 1) {
      throw new EdgefedError(
        'UNSUPPORTED_OP',
        `Reshape ${node.name}: target shape depends on the batch twice`,
      );
    }
    return out;
  }

  private pad(node: NodeIR, x: string): string {
    const pads = this.requireInts(node, 1).map(Number);
    const mode = getString(node.attributes, 'mode', 'constant');
    if (pads.every((p) => p === 0)) return x;
    if (mode !== 'constant' || pads.some((p) => p < 0))
      throw new EdgefedError('UNSUPPORTED_OP', `Pad ${node.name}: only non-negative constant padding`);
    const value = (node.inputs[2] ?? '') === '' ? [] : [this.tensor(node.inputs[2] ?? '')];
    return this.b.op1('Pad', [x, this.b.ints(pads), ...value]);
  }

  private dropout(node: NodeIR, x: string): string {
    if (node.outputs.length > 1 && (node.outputs[1] ?? '') !== '' && this.used(node.outputs[1] ?? '')) {
      throw new EdgefedError('UNSUPPORTED_OP', `Dropout ${node.name}: its mask output is used`);
    }
    const ratioName = node.inputs[1] ?? '';
    const c = ratioName === '' ? undefined : this.g.floatConstants.get(ratioName);
    const rate = ratioName === '' ? 0.5 : (c?.data[0] ?? Number.NaN);
    if (!(rate >= 0 && rate < 1))
      throw new EdgefedError('UNSUPPORTED_OP', `Dropout ${node.name}: ratio must be a constant in [0, 1)`);
    const index = this.dropouts++;
    if (rate === 0 || this.opts.mask === undefined) return x;
    const shape = this.b.shape(x).slice(1).map(Number);
    const m = this.opts.mask({ name: `dropout${String(index)}.mask`, layer: node.name, shape, rate });
    if (m === undefined) return x;
    return this.b.op1('Mul', [this.b.op1('Mul', [x, m]), this.b.scalar(1 / (1 - rate))]);
  }

  private used(name: string): boolean {
    return this.g.nodes.some((n) => n.inputs.includes(name)) || this.g.outputName === name;
  }

  private batchNorm(node: NodeIR): string {
    const names = node.inputs.slice(0, 5);
    if (names.length !== 5)
      throw new EdgefedError('INVALID_MODEL', `BatchNormalization ${node.name}: 5 inputs`);
    const ins = names.map((n) => this.tensor(n)) as [string, string, string, string, string];
    const mean = this.g.parameters.get(names[3] ?? '');
    const variance = this.g.parameters.get(names[4] ?? '');
    const sink = this.opts.updateState;
    const update =
      sink === undefined || mean === undefined || variance === undefined
        ? undefined
        : (which: 'mean' | 'var', v: string): void => {
            sink(which === 'mean' ? mean.name : variance.name, v);
          };
    return emitBatchNorm({ b: this.b, node, inputs: ins, training: this.opts.training, update });
  }
}

/** Emits the forward pass of an imported graph; returns the output value. */
export function emitImportedForward(b: GraphBuilder, g: ImportedGraph, opts: ForwardOptions): string {
  const replay = new ForwardReplay(b, g, opts);
  for (const node of g.nodes) replay.emit(node);
  return replay.tensor(g.outputName);
}
