/**
 * Emitters of the recurrent layers `lstm` and `gru`, unrolled over the static time axis
 * (no Loop/Scan: every op runs on onnxruntime-web's WebGPU provider).
 *
 * Parameters follow PyTorch's `nn.LSTM` / `nn.GRU` one to one: `weight_ih [G*H, F]`,
 * `weight_hh [G*H, H]`, `bias_ih [G*H]`, `bias_hh [G*H]` with gates stacked in PyTorch's
 * order (LSTM i, f, g, o: G = 4; GRU r, z, n: G = 3), all initialised U(-1/sqrt(H), 1/sqrt(H)).
 * The input projection of all time steps is one MatMul over [B, T, F]; it is split per step
 * with one Split (whose gradient is a single Concat), and each step adds one Gemm on h.
 */
import { EdgefedError } from '../../errors.js';
import type { GraphBuilder } from '../ir/builder.js';
import { add, mul, reshape, sub } from '../ir/ops.js';
import { attrInt, attrInts } from '../ir/types.js';
import type { LayerContext } from './layers.js';
import type { LayerSpec } from './model-spec.js';

type Recurrent = Extract<LayerSpec, { type: 'lstm' | 'gru' }>;

/** Static [T, F] of a [batch, time, features] layer input; throws `INVALID_MODEL` otherwise. */
export function sequenceShape(ctx: LayerContext): [number, number] {
  const s = ctx.b.shape(ctx.x);
  const [, t, f] = s;
  if (s.length !== 3 || typeof t !== 'number' || typeof f !== 'number') {
    throw new EdgefedError(
      'INVALID_MODEL',
      `Layer ${ctx.name} needs a [batch, time, features] input with static time and features, got [${s.join(', ')}]`,
    );
  }
  return [t, f];
}

/** Splits `x` along `axis` into `parts` equal pieces (no op for one part). */
export function splitEqual(b: GraphBuilder, x: string, axis: number, parts: number): string[] {
  if (parts === 1) return [x];
  return b.op('Split', [x], { axis: attrInt(axis) }, parts);
}

interface Cell {
  readonly whh: string;
  readonly bhh: string;
  /** Input projections of each step, [B, G*H]. */
  readonly steps: readonly string[];
}

function cellParams(ctx: LayerContext, gates: number, units: number, foldHiddenBias: boolean): Cell {
  const { b, x } = ctx;
  const [t, f] = sequenceShape(ctx);
  const g = gates * units;
  const fan: [number, number] = [units, units];
  const wih = ctx.param('weight_ih', [g, f], 'uniform', fan);
  const whh = ctx.param('weight_hh', [g, units], 'uniform', fan);
  const bih = ctx.param('bias_ih', [g], 'uniform', fan);
  const bhh = ctx.param('bias_hh', [g], 'uniform', fan);
  const proj = b.op1('MatMul', [x, b.op1('Transpose', [wih], { perm: attrInts([1, 0]) })]);
  const bias = foldHiddenBias ? add(b, bih, bhh) : bih;
  const all = add(b, proj, bias);
  const steps = splitEqual(b, all, 1, t).map((s) => reshape(b, s, [0, g]));
  return { whh, bhh, steps };
}

function gemmH(b: GraphBuilder, h: string, w: string, c: string): string {
  return b.op1('Gemm', [h, w, c], { transB: attrInt(1) });
}

function lstmSteps(ctx: LayerContext, units: number): string[] {
  const { b } = ctx;
  const cell = cellParams(ctx, 4, units, true);
  const hs: string[] = [];
  let h: string | undefined;
  let c: string | undefined;
  for (const xp of cell.steps) {
    const gates = h === undefined ? xp : gemmH(b, h, cell.whh, xp);
    const [i = '', f = '', g = '', o = ''] = splitEqual(b, gates, 1, 4);
    const ig = mul(b, b.op1('Sigmoid', [i]), b.op1('Tanh', [g]));
    c = c === undefined ? ig : add(b, mul(b, b.op1('Sigmoid', [f]), c), ig);
    h = mul(b, b.op1('Sigmoid', [o]), b.op1('Tanh', [c]));
    hs.push(h);
  }
  return hs;
}

function gruSteps(ctx: LayerContext, units: number): string[] {
  const { b } = ctx;
  const cell = cellParams(ctx, 3, units, false);
  const hs: string[] = [];
  let h: string | undefined;
  for (const xp of cell.steps) {
    const [xr = '', xz = '', xn = ''] = splitEqual(b, xp, 1, 3);
    const hp = h === undefined ? cell.bhh : gemmH(b, h, cell.whh, cell.bhh);
    const [hr = '', hz = '', hn = ''] = splitEqual(b, hp, -1, 3);
    const r = b.op1('Sigmoid', [add(b, xr, hr)]);
    const z = b.op1('Sigmoid', [add(b, xz, hz)]);
    const n = b.op1('Tanh', [add(b, xn, mul(b, r, hn))]);
    // h' = (1 - z) * n + z * h = n + z * (h - n); h0 = 0.
    h = h === undefined ? sub(b, n, mul(b, z, n)) : add(b, n, mul(b, z, sub(b, h, n)));
    hs.push(h);
  }
  return hs;
}

/**
 * Emits an `lstm` or `gru` layer on a [B, T, F] input: the last hidden state [B, H], or
 * every step's [B, T, H] with `returnSequences`. Initial states are zeros.
 */
export function emitRecurrentLayer(ctx: LayerContext, l: Recurrent): string {
  const { b } = ctx;
  const hs = l.type === 'lstm' ? lstmSteps(ctx, l.units) : gruSteps(ctx, l.units);
  if (l.returnSequences !== true) return hs.at(-1) ?? '';
  const seq = hs.map((h) => reshape(b, h, [0, 1, l.units]));
  return seq.length === 1 ? (seq[0] ?? '') : b.op1('Concat', seq, { axis: attrInt(1) });
}
