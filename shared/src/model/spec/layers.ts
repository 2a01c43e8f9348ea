/**
 * Emits the forward pass of a ModelSpec into a GraphBuilder, layer by layer, and records
 * the parameters (and dropout masks) it needs. The same code builds inference,
 * evaluation and training graphs, so all three compute the same function.
 */
import { EdgefedError } from '../../errors.js';
import type { GraphBuilder } from '../ir/builder.js';
import { add, reshape, scale } from '../ir/ops.js';
import { attrFloat, attrInt, attrInts, type Dim } from '../ir/types.js';
import type { LayerSpec, ModelSpec } from './model-spec.js';
import { multiHeadAttention, positionalEmbedding, transformerBlock } from './attention-layers.js';
import { emitRecurrentLayer } from './recurrent-layers.js';
import { emitWindowLayer } from './window-layers.js';

/**
 * How a parameter is initialised by `initParameters`. `uniform` is PyTorch's default for
 * `nn.Linear` weights and RNN parameters: U(-1/sqrt(fanIn), 1/sqrt(fanIn)) (fanIn = hidden
 * size for lstm/gru).
 */
export type InitKind = 'he' | 'glorot' | 'zeros' | 'ones' | 'normal' | 'uniform';

/** One trainable tensor of a model. Names are `<layer>.<kind>`, e.g. `dense0.weight`. */
export interface ParameterInfo {
  readonly name: string;
  readonly layer: string;
  readonly shape: readonly number[];
  readonly init: InitKind;
  /** Fan-in and fan-out used by He/Glorot initialisation. */
  readonly fanIn: number;
  readonly fanOut: number;
  /**
   * `false` for model state that is not trained by gradient but updated by the forward pass
   * of the training graph (BatchNorm running mean/var): no gradient, no optimizer state, no
   * FedProx anchor; the train step still outputs its new value. Default true.
   */
  readonly trainable?: boolean;
  /** FedBN-style local tensor: participants keep their own value and never upload it. */
  readonly local?: boolean;
}

/** A dropout mask the caller feeds (values 0 or 1; the graph rescales by 1/(1-rate)). */
export interface MaskInfo {
  readonly name: string;
  readonly layer: string;
  /** Shape of one example's mask (the graph input adds the batch dimension first). */
  readonly shape: readonly number[];
  readonly rate: number;
}

/** Options of {@link emitForward}. */
export interface ForwardOptions {
  /** Value name of the model input ([batch, ...spec.input.shape]). */
  readonly input: string;
  /** Returns the value holding a parameter (a graph input or initializer). */
  readonly param: (info: ParameterInfo) => string;
  /** Returns the mask value of a dropout layer, or undefined to run it as identity. */
  readonly mask?: (info: MaskInfo) => string | undefined;
  /** Training graphs ask LayerNormalization for Mean/InvStdDev (the backward pass uses them). */
  readonly training: boolean;
  /**
   * Training graphs only: receives the new value of a non-trainable parameter
   * (`trainable: false`, e.g. a BatchNorm running mean) computed by this forward pass.
   */
  readonly updateState?: (name: string, value: string) => void;
  /**
   * Receives the softmax attention weights [B, heads, T, T] of every attention layer as it
   * is emitted (rows: queries, columns: keys; causal layers are 0 above the diagonal), so
   * the attention graph can make one of them an output. Layers without attention ignore it.
   */
  readonly attention?: (info: AttentionInfo, weights: string) => void;
}

/** An attention layer seen by {@link ForwardOptions.attention}. */
export interface AttentionInfo {
  /** The attention layer's name, e.g. `transformerBlock0.attn` or `multiHeadAttention0`. */
  readonly layer: string;
  readonly heads: number;
  /** Sequence length T. */
  readonly length: number;
  readonly causal: boolean;
}

/** What a layer emitter gets. */
export interface LayerContext {
  readonly b: GraphBuilder;
  readonly name: string;
  readonly x: string;
  readonly opts: ForwardOptions;
  readonly param: (kind: string, shape: readonly number[], init: InitKind, fan?: [number, number]) => string;
}

function lastDim(ctx: LayerContext): number {
  const d = ctx.b.shape(ctx.x).at(-1);
  if (typeof d !== 'number')
    throw new EdgefedError('INVALID_MODEL', `Layer ${ctx.name}: last input dimension must be static`);
  return d;
}

function dense(ctx: LayerContext, l: Extract<LayerSpec, { type: 'dense' }>): string {
  const { b, x } = ctx;
  const inDim = lastDim(ctx);
  const w = ctx.param('weight', [l.units, inDim], l.init ?? 'glorot', [inDim, l.units]);
  const bias = l.useBias === false ? undefined : ctx.param('bias', [l.units], 'zeros');
  if (b.shape(x).length === 2)
    return b.op1('Gemm', bias === undefined ? [x, w] : [x, w, bias], { transB: attrInt(1) });
  const y = b.op1('MatMul', [x, b.op1('Transpose', [w], { perm: attrInts([1, 0]) })]);
  return bias === undefined ? y : add(b, y, bias);
}

function gelu(ctx: LayerContext): string {
  const { b, x } = ctx;
  const e = b.op1('Erf', [scale(b, x, Math.SQRT1_2)]);
  return scale(b, b.op1('Mul', [x, add(b, e, b.scalar(1))]), 0.5);
}

function dropout(ctx: LayerContext, rate: number): string {
  const shape = ctx.b.shape(ctx.x).slice(1);
  if (rate === 0 || ctx.opts.mask === undefined) return ctx.x;
  const static_ = shape.map((d) => {
    if (typeof d !== 'number')
      throw new EdgefedError('INVALID_MODEL', `Dropout ${ctx.name} needs a static example shape`);
    return d;
  });
  const m = ctx.opts.mask({ name: `${ctx.name}.mask`, layer: ctx.name, shape: static_, rate });
  if (m === undefined) return ctx.x;
  return scale(ctx.b, ctx.b.op1('Mul', [ctx.x, m]), 1 / (1 - rate));
}

function layerNorm(ctx: LayerContext, epsilon: number): string {
  const { b } = ctx;
  const d = lastDim(ctx);
  const s = ctx.param('scale', [d], 'ones');
  const bias = ctx.param('bias', [d], 'zeros');
  const attrs = {
    axis: attrInt(-1),
    epsilon: attrFloat(epsilon),
    stash_type: attrInt(b.floatType === 'float64' ? 11 : 1),
  };
  const [y] = b.op('LayerNormalization', [ctx.x, s, bias], attrs, ctx.opts.training ? 3 : 1);
  return y ?? '';
}

function embedding(ctx: LayerContext, l: Extract<LayerSpec, { type: 'embedding' }>): string {
  const { b } = ctx;
  const table = ctx.param('weight', [l.vocabSize, l.dim], 'normal', [l.vocabSize, l.dim]);
  const idx = b.op1('Cast', [ctx.x], { to: attrInt(6) });
  return b.op1('Gather', [table, idx], { axis: attrInt(0) });
}

function emitLayer(ctx: LayerContext, l: LayerSpec): string {
  const { b, x } = ctx;
  switch (l.type) {
    case 'dense':
      return dense(ctx, l);
    case 'flatten':
      return b.op1('Flatten', [x], { axis: attrInt(1) });
    case 'reshape':
      return reshape(b, x, [0, ...l.shape]);
    case 'relu':
      return b.op1('Relu', [x]);
    case 'leakyRelu':
      return b.op1('LeakyRelu', [x], { alpha: attrFloat(l.alpha ?? 0.01) });
    case 'tanh':
      return b.op1('Tanh', [x]);
    case 'sigmoid':
      return b.op1('Sigmoid', [x]);
    case 'gelu':
      return gelu(ctx);
    case 'softmax':
      return b.op1('Softmax', [x], { axis: attrInt(-1) });
    case 'dropout':
      return dropout(ctx, l.rate);
    case 'layerNorm':
      return layerNorm(ctx, l.epsilon ?? 1e-5);
    case 'embedding':
      return embedding(ctx, l);
    case 'lstm':
    case 'gru':
      return emitRecurrentLayer(ctx, l);
    case 'multiHeadAttention':
      return multiHeadAttention(ctx, l);
    case 'positionalEmbedding':
      return positionalEmbedding(ctx, l);
    case 'transformerBlock':
      return transformerBlock(ctx, l, emitLayer);
    case 'add':
      throw new EdgefedError('INTERNAL', 'add is handled by emitForward');
    default:
      return emitWindowLayer(ctx, l);
  }
}

/** Default layer name: type + index, e.g. `dense0`, `conv2d1`. */
function layerNames(spec: ModelSpec): string[] {
  const counts = new Map<string, number>();
  const names = spec.layers.map((l) => {
    const n = counts.get(l.type) ?? 0;
    counts.set(l.type, n + 1);
    return l.name ?? `${l.type}${String(n)}`;
  });
  if (new Set(names).size !== names.length || names.includes('input')) {
    throw new EdgefedError('INVALID_MODEL', 'Layer names must be unique and not "input"');
  }
  return names;
}

/**
 * Emits the forward pass; returns the output value (logits for classifiers). Calls
 * `opts.param` once per parameter, in a stable order. Throws `INVALID_MODEL` for bad wiring
 * (an unknown `input` name) and `SHAPE_MISMATCH` for incompatible shapes.
 */
export function emitForward(b: GraphBuilder, spec: ModelSpec, opts: ForwardOptions): string {
  const names = layerNames(spec);
  const outputs = new Map<string, string>([['input', opts.input]]);
  let prev = opts.input;
  const find = (ref: string, layer: string): string => {
    const v = outputs.get(ref);
    if (v === undefined)
      throw new EdgefedError('INVALID_MODEL', `Layer ${layer} reads unknown or later layer "${ref}"`);
    return v;
  };
  spec.layers.forEach((l, i) => {
    const name = names[i] ?? '';
    let y: string;
    if (l.type === 'add') {
      y = l.inputs.map((r) => find(r, name)).reduce((acc, v) => b.op1('Add', [acc, v]));
    } else {
      const x = l.input === undefined ? prev : find(l.input, name);
      const param: LayerContext['param'] = (kind, shape, init, fan) =>
        opts.param({
          name: `${name}.${kind}`,
          layer: name,
          shape,
          init,
          fanIn: fan?.[0] ?? 1,
          fanOut: fan?.[1] ?? 1,
        });
      y = emitLayer({ b, name, x, opts, param }, l);
    }
    outputs.set(name, y);
    prev = y;
  });
  return prev;
}

/** The batch-free output shape helper: drops the first dimension. */
export function exampleShape(shape: readonly Dim[]): Dim[] {
  return shape.slice(1);
}
