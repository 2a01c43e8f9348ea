/**
 * Emitters of the windowed layers (conv2d, pooling) of the layer API, NCHW.
 */
import { EdgefedError } from '../../errors.js';
import { attrInt, attrInts } from '../ir/types.js';
import type { LayerContext } from './layers.js';
import type { LayerSpec } from './model-spec.js';

type WindowLayer = Extract<LayerSpec, { type: 'conv2d' | 'maxPool2d' | 'avgPool2d' | 'globalAvgPool' }>;

function two(
  v: number | readonly [number, number] | undefined,
  fallback: [number, number],
): [number, number] {
  if (v === undefined) return fallback;
  return typeof v === 'number' ? [v, v] : [v[0], v[1]];
}

/** Explicit ONNX pads [top, left, bottom, right] for 'same' (TensorFlow's split: extra at the end). */
export function samePads(
  size: readonly number[],
  kernel: readonly number[],
  strides: readonly number[],
  dil: readonly number[],
): number[] {
  const begin: number[] = [];
  const end: number[] = [];
  size.forEach((n, i) => {
    const s = strides[i] ?? 1;
    const out = Math.ceil(n / s);
    const total = Math.max(0, (out - 1) * s + ((kernel[i] ?? 1) - 1) * (dil[i] ?? 1) + 1 - n);
    begin.push(Math.floor(total / 2));
    end.push(total - Math.floor(total / 2));
  });
  return [...begin, ...end];
}

function spatial(ctx: LayerContext): [number, number, number] {
  const s = ctx.b.shape(ctx.x);
  const [, c, h, w] = s;
  if (s.length !== 4 || typeof c !== 'number' || typeof h !== 'number' || typeof w !== 'number') {
    throw new EdgefedError(
      'INVALID_MODEL',
      `Layer ${ctx.name} needs a static [N, C, H, W] input, got [${s.join(', ')}]`,
    );
  }
  return [c, h, w];
}

function conv(ctx: LayerContext, l: Extract<LayerSpec, { type: 'conv2d' }>): string {
  const [c, h, w] = spatial(ctx);
  const k = two(l.kernelSize, [1, 1]);
  const strides = two(l.strides, [1, 1]);
  const dil = two(l.dilation, [1, 1]);
  const groups = l.groups ?? 1;
  if (c % groups !== 0 || l.filters % groups !== 0) {
    throw new EdgefedError(
      'INVALID_MODEL',
      `Layer ${ctx.name}: channels ${c} and filters ${l.filters} must divide by groups ${groups}`,
    );
  }
  const pad = l.padding ?? 'valid';
  const pads =
    pad === 'same'
      ? samePads([h, w], k, strides, dil)
      : pad === 'valid'
        ? [0, 0, 0, 0]
        : [...two(pad, [0, 0]), ...two(pad, [0, 0])];
  const fanIn = (c / groups) * k[0] * k[1];
  const fanOut = (l.filters / groups) * k[0] * k[1];
  const wt = ctx.param('weight', [l.filters, c / groups, k[0], k[1]], l.init ?? 'glorot', [fanIn, fanOut]);
  const inputs = [ctx.x, wt];
  if (l.useBias !== false) inputs.push(ctx.param('bias', [l.filters], 'zeros'));
  return ctx.b.op1('Conv', inputs, {
    kernel_shape: attrInts(k),
    strides: attrInts(strides),
    dilations: attrInts(dil),
    pads: attrInts(pads),
    group: attrInt(groups),
  });
}

function pool(ctx: LayerContext, l: Extract<LayerSpec, { type: 'maxPool2d' | 'avgPool2d' }>): string {
  spatial(ctx);
  const k = two(l.poolSize, [1, 1]);
  const strides = two(l.strides, k);
  const p = two(l.padding, [0, 0]);
  const attrs = { kernel_shape: attrInts(k), strides: attrInts(strides), pads: attrInts([...p, ...p]) };
  if (l.type === 'maxPool2d') return ctx.b.op1('MaxPool', [ctx.x], attrs);
  return ctx.b.op1('AveragePool', [ctx.x], { ...attrs, count_include_pad: attrInt(1) });
}

/** Emits a conv2d or pooling layer. */
export function emitWindowLayer(ctx: LayerContext, l: WindowLayer): string {
  switch (l.type) {
    case 'conv2d':
      return conv(ctx, l);
    case 'maxPool2d':
    case 'avgPool2d':
      return pool(ctx, l);
    case 'globalAvgPool':
      spatial(ctx);
      return ctx.b.op1('Flatten', [ctx.b.op1('GlobalAveragePool', [ctx.x])], { axis: attrInt(1) });
  }
}
