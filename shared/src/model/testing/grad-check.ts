/**
 * Finite-difference gradient checking for graphs built with GraphBuilder + addGradients.
 * Pure: the caller supplies a function that runs ONNX bytes (onnxruntime-node in tests),
 * so this module stays free of any runtime. Used by the model compiler's tests.
 */
import { addGradients } from '../autodiff/autodiff.js';
import { GraphBuilder } from '../ir/builder.js';
import { reduceSum } from '../ir/ops.js';
import { DEFAULT_OPSET, type Dim, type FloatType } from '../ir/types.js';
import { encodeModel } from '../onnx/codec.js';
import { createModelPrng } from '../../data/prng.js';

/** A float feed or fetch: data plus shape. */
export interface HostTensor {
  readonly dtype: FloatType | 'int32';
  readonly shape: readonly number[];
  readonly data: Float32Array | Float64Array | Int32Array;
}

/** Runs a model once: feeds by name in, outputs by name out. */
export type RunGraph = (
  feeds: Readonly<Record<string, HostTensor>>,
) => Promise<Readonly<Record<string, HostTensor>>>;

/** Loads ONNX bytes into something that runs them. */
export type LoadGraph = (onnx: Uint8Array) => Promise<RunGraph>;

/** One input of the function under test. */
export interface CheckInput {
  readonly name: string;
  readonly shape: readonly number[];
  /** Differentiate with respect to this input (default true). */
  readonly wrt?: boolean;
  /** Fixed values (e.g. indices or masks); random normal when omitted. */
  readonly data?: HostTensor['data'];
  readonly dtype?: FloatType | 'int32';
  /** Random values are drawn from N(0, scale^2) + offset. */
  readonly scale?: number;
  readonly offset?: number;
}

/** Options of {@link checkGradients}. */
export interface GradCheckOptions {
  readonly load: LoadGraph;
  readonly inputs: readonly CheckInput[];
  /** Builds the function under test from the input value names; returns its output. */
  readonly build: (b: GraphBuilder, inputs: readonly string[]) => string;
  readonly floatType?: FloatType;
  readonly seed?: number;
  /** Step of the central difference along a unit-norm direction. */
  readonly step?: number;
  /** Random directions per input. */
  readonly directions?: number;
}

/** One comparison: the analytic and numeric directional derivatives. */
export interface GradCheckResult {
  readonly input: string;
  readonly analytic: number;
  readonly numeric: number;
  /** |analytic - numeric| / max(|analytic|, |numeric|, floor); floor 1e-2 (float32) or 1e-6 (float64). */
  readonly error: number;
}

function alloc(dtype: FloatType | 'int32', n: number): HostTensor['data'] {
  if (dtype === 'float64') return new Float64Array(n);
  return dtype === 'int32' ? new Int32Array(n) : new Float32Array(n);
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] ?? 0) * (b[i] ?? 0);
  return s;
}

/**
 * Builds f(inputs) = sum(output * R) for a fixed random R, appends its gradients, and
 * compares, for each differentiable input and a few random unit directions v, the
 * analytic <grad, v> with the central difference (f(x + h v) - f(x - h v)) / 2h.
 */
export async function checkGradients(options: GradCheckOptions): Promise<GradCheckResult[]> {
  const floatType = options.floatType ?? 'float64';
  const rng = createModelPrng(options.seed ?? 1);
  const b = new GraphBuilder({ name: 'gradcheck', floatType });
  const names = options.inputs.map((i) => b.input(i.name, i.dtype ?? floatType, i.shape as Dim[]));
  const out = options.build(b, names);
  const outShape = b.shape(out).map(Number);
  const weights = b.floatConstant(
    outShape,
    Array.from({ length: outShape.reduce((a, c) => a * c, 1) }, () => rng.normal()),
  );
  const loss = reduceSum(
    b,
    b.op1('Mul', [out, weights]),
    outShape.map((_, i) => i),
    false,
  );
  const wrt = options.inputs.filter((i) => i.wrt !== false).map((i) => i.name);
  const grads = addGradients(b, loss, wrt);
  b.output(loss, 'loss');
  for (const w of wrt) b.output(grads.get(w) ?? '', `grad_${w}`);
  const run = await options.load(
    encodeModel({ graph: b.build(), opsetVersion: DEFAULT_OPSET, producerName: 'test', metadata: {} }),
  );
  const base: Record<string, HostTensor> = {};
  for (const i of options.inputs) {
    const dtype = i.dtype ?? floatType;
    const n = i.shape.reduce((a, c) => a * c, 1);
    const data = i.data ?? alloc(dtype, n).map(() => rng.normal() * (i.scale ?? 1) + (i.offset ?? 0));
    base[i.name] = { dtype, shape: i.shape, data };
  }
  const at0 = await run(base);
  const h = options.step ?? (floatType === 'float64' ? 1e-5 : 1e-2);
  const floor = floatType === 'float64' ? 1e-6 : 1e-2;
  const results: GradCheckResult[] = [];
  for (const w of wrt) {
    const x = base[w];
    const g = at0[`grad_${w}`];
    if (x === undefined || g === undefined) continue;
    for (let d = 0; d < (options.directions ?? 2); d++) {
      const v = Array.from(x.data, () => rng.normal());
      const norm = Math.sqrt(dot(v, v)) || 1;
      const vn = v.map((e) => e / norm);
      const shifted = async (sign: number): Promise<number> => {
        const data = alloc(x.dtype, x.data.length).map((_, k) => (x.data[k] ?? 0) + sign * h * (vn[k] ?? 0));
        const r = await run({ ...base, [w]: { ...x, data } });
        return Number(r.loss?.data[0]);
      };
      const numeric = ((await shifted(1)) - (await shifted(-1))) / (2 * h);
      const analytic = dot(g.data, vn);
      const error = Math.abs(analytic - numeric) / Math.max(floor, Math.abs(analytic), Math.abs(numeric));
      results.push({ input: w, analytic, numeric, error });
    }
  }
  return results;
}
