/**
 * Emitters of the attention layers: `multiHeadAttention` (self-attention on [B, T, D]),
 * `positionalEmbedding` and `transformerBlock` (a pre-LayerNorm block built from the other
 * layers). Only WebGPU-safe ops: rank-4 batched MatMul, Transpose, Softmax on the last
 * axis, and the causal mask as an additive -1e9 constant (no int64 ops at run time).
 *
 * `multiHeadAttention` parameters map onto PyTorch's `nn.MultiheadAttention` (with
 * `batch_first=True`, `embed_dim = heads * keyDim`): `in_proj_weight [3E, D]` (q, k, v
 * rows stacked), `in_proj_bias [3E]`, `out_proj.weight [D, E]`, `out_proj.bias [D]`.
 * Each attention layer hands its softmax weights to `ForwardOptions.attention` (the
 * attention graph, compile/attention-graph.ts, outputs one of them).
 */
import { EdgefedError } from '../../errors.js';
import { add, reshape, scale, transpose } from '../ir/ops.js';
import { attrInt, attrInts } from '../ir/types.js';
import type { LayerContext } from './layers.js';
import type { LayerSpec } from './model-spec.js';
import { sequenceShape, splitEqual } from './recurrent-layers.js';

type Mha = Extract<LayerSpec, { type: 'multiHeadAttention' }>;
type Block = Extract<LayerSpec, { type: 'transformerBlock' }>;

/** Emits one layer spec with a context (the layer API's dispatcher). */
export type EmitLayer = (ctx: LayerContext, l: LayerSpec) => string;

/** The additive causal mask [T, T]: 0 where key j <= query i, -1e9 above the diagonal. */
export function causalMask(t: number): number[] {
  return Array.from({ length: t * t }, (_, k) => (k % t > Math.floor(k / t) ? -1e9 : 0));
}

/** The sinusoidal position table [T, D] of "Attention Is All You Need" (sin on even, cos on odd columns). */
export function sinusoidalTable(t: number, d: number): number[] {
  return Array.from({ length: t * d }, (_, k) => {
    const pos = Math.floor(k / d);
    const i = k % d;
    const angle = pos / Math.pow(10000, (2 * Math.floor(i / 2)) / d);
    return i % 2 === 0 ? Math.sin(angle) : Math.cos(angle);
  });
}

function linear(ctx: LayerContext, x: string, w: string, bias: string): string {
  const { b } = ctx;
  return add(b, b.op1('MatMul', [x, b.op1('Transpose', [w], { perm: attrInts([1, 0]) })]), bias);
}

function attentionDropout(ctx: LayerContext, p: string, shape: number[], rate: number): string {
  if (rate === 0 || ctx.opts.mask === undefined) return p;
  const m = ctx.opts.mask({ name: `${ctx.name}.mask`, layer: ctx.name, shape, rate });
  return m === undefined ? p : scale(ctx.b, ctx.b.op1('Mul', [p, m]), 1 / (1 - rate));
}

/** Emits multi-head self-attention; throws `INVALID_MODEL` when heads do not divide the width. */
export function multiHeadAttention(ctx: LayerContext, l: Mha): string {
  const { b } = ctx;
  const [t, d] = sequenceShape(ctx);
  if (l.keyDim === undefined && d % l.heads !== 0) {
    throw new EdgefedError(
      'INVALID_MODEL',
      `Layer ${ctx.name}: width ${d} is not divisible by ${l.heads} heads; set keyDim`,
    );
  }
  const dk = l.keyDim ?? d / l.heads;
  const e = l.heads * dk;
  const win = ctx.param('in_proj_weight', [3 * e, d], 'glorot', [d, 3 * e]);
  const bin = ctx.param('in_proj_bias', [3 * e], 'zeros');
  const wout = ctx.param('out_proj.weight', [d, e], 'uniform', [e, d]);
  const bout = ctx.param('out_proj.bias', [d], 'zeros');
  const [q = '', k = '', v = ''] = splitEqual(b, linear(ctx, ctx.x, win, bin), 2, 3);
  const heads = (z: string, perm: number[]): string => transpose(b, reshape(b, z, [0, t, l.heads, dk]), perm);
  let scores = scale(b, b.op1('MatMul', [heads(q, [0, 2, 1, 3]), heads(k, [0, 2, 3, 1])]), 1 / Math.sqrt(dk));
  if (l.causal === true) scores = add(b, scores, b.floatConstant([t, t], causalMask(t)));
  const probs = b.op1('Softmax', [scores], { axis: attrInt(-1) });
  ctx.opts.attention?.({ layer: ctx.name, heads: l.heads, length: t, causal: l.causal === true }, probs);
  const dropped = attentionDropout(ctx, probs, [l.heads, t, t], l.dropout ?? 0);
  const context = b.op1('MatMul', [dropped, heads(v, [0, 2, 1, 3])]);
  const merged = reshape(b, transpose(b, context, [0, 2, 1, 3]), [0, t, e]);
  return linear(ctx, merged, wout, bout);
}

/** Adds a learned (`weight [T, D]`, N(0, 1) init) or sinusoidal (constant) position table. */
export function positionalEmbedding(
  ctx: LayerContext,
  l: Extract<LayerSpec, { type: 'positionalEmbedding' }>,
): string {
  const [t, d] = sequenceShape(ctx);
  const table =
    l.kind === 'learned'
      ? ctx.param('weight', [t, d], 'normal', [t, d])
      : ctx.b.floatConstant([t, d], sinusoidalTable(t, d));
  return add(ctx.b, ctx.x, table);
}

/**
 * Emits a pre-LayerNorm transformer block from the other layers: sub-layers are named
 * `<block>.ln1`, `.attn`, `.drop1`, `.ln2`, `.fc1`, `.fc2`, `.drop2`, so parameters read
 * e.g. `transformerBlock0.attn.in_proj_weight` and `transformerBlock0.fc1.weight`.
 */
export function transformerBlock(ctx: LayerContext, l: Block, emit: EmitLayer): string {
  const { b } = ctx;
  const [, d] = sequenceShape(ctx);
  const rate = l.dropout ?? 0;
  const sub = (suffix: string, spec: LayerSpec, x: string): string =>
    emit(
      {
        ...ctx,
        name: `${ctx.name}.${suffix}`,
        x,
        param: (kind, shape, init, fan) => ctx.param(`${suffix}.${kind}`, shape, init, fan),
      },
      spec,
    );
  const attnSpec: LayerSpec = {
    type: 'multiHeadAttention',
    heads: l.heads,
    causal: l.causal ?? false,
    dropout: rate,
  };
  let h = sub('attn', attnSpec, sub('ln1', { type: 'layerNorm' }, ctx.x));
  const x1 = add(b, ctx.x, sub('drop1', { type: 'dropout', rate }, h));
  h = sub('fc1', { type: 'dense', units: l.mlpDim ?? 4 * d }, sub('ln2', { type: 'layerNorm' }, x1));
  h = sub('fc2', { type: 'dense', units: d }, sub('gelu', { type: 'gelu' }, h));
  return add(b, x1, sub('drop2', { type: 'dropout', rate }, h));
}
