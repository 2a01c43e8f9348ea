/**
 * Tensor layouts: the names, shapes and flat offsets of a float32 TensorMap, and the checks
 * every aggregation runs on an update before any arithmetic (names, order, dtype, shape,
 * finiteness). Aggregators work on one flat coordinate space of `layout.size` elements.
 */
import { EdgefedError } from '../errors.js';
import { sameShape, shapeSize, type TensorMap } from '../tensor/tensor.js';

/** One tensor's place in a {@link TensorLayout}. */
export interface LayoutEntry {
  readonly name: string;
  readonly shape: readonly number[];
  /** First flat coordinate of this tensor. */
  readonly offset: number;
  /** Number of elements (product of `shape`). */
  readonly size: number;
}

/** The flat coordinate space of a float32 TensorMap: entries in map order, total size. */
export interface TensorLayout {
  readonly entries: readonly LayoutEntry[];
  readonly size: number;
}

/**
 * The layout of a float32 TensorMap. Throws `DTYPE_MISMATCH` when a tensor is not float32
 * (decode fp16/int8 first) and `SHAPE_MISMATCH` when a tensor's data length disagrees with
 * its shape. An empty map gives an empty layout (size 0), which aggregators accept.
 */
export function tensorLayout(map: TensorMap): TensorLayout {
  const entries: LayoutEntry[] = [];
  let offset = 0;
  for (const [name, tensor] of map) {
    if (tensor.dtype !== 'float32') {
      throw new EdgefedError(
        'DTYPE_MISMATCH',
        `Tensor "${name}" is ${tensor.dtype}; aggregation needs float32`,
        {
          details: { name, dtype: tensor.dtype },
        },
      );
    }
    const size = shapeSize(tensor.shape);
    if (tensor.data.length !== size) {
      throw new EdgefedError(
        'SHAPE_MISMATCH',
        `Tensor "${name}" has ${tensor.data.length} elements for shape [${tensor.shape.join(', ')}]`,
        { details: { name, shape: [...tensor.shape], length: tensor.data.length } },
      );
    }
    entries.push({ name, shape: [...tensor.shape], offset, size });
    offset += size;
  }
  return { entries, size: offset };
}

/**
 * Returns the float32 data of each tensor of `map` in layout order, after checking that
 * `map` has exactly the layout's names in the same order (`NAME_MISMATCH`), float32 dtype
 * (`DTYPE_MISMATCH`) and the same shapes with matching data lengths (`SHAPE_MISMATCH`).
 * Does not read the values; see {@link assertFinite}.
 */
export function layoutData(layout: TensorLayout, map: TensorMap): Float32Array[] {
  if (map.size !== layout.entries.length) {
    throw new EdgefedError(
      'NAME_MISMATCH',
      `Update has ${map.size} tensors, the model has ${layout.entries.length}`,
      { details: { expected: layout.entries.map((e) => e.name), actual: [...map.keys()] } },
    );
  }
  const out: Float32Array[] = [];
  let i = 0;
  for (const [name, tensor] of map) {
    const entry = layout.entries[i++];
    if (entry?.name !== name) {
      throw new EdgefedError(
        'NAME_MISMATCH',
        `Update tensor "${name}" where the model has "${entry?.name ?? ''}"`,
        {
          details: { expected: entry?.name ?? null, actual: name },
        },
      );
    }
    if (tensor.dtype !== 'float32') {
      throw new EdgefedError(
        'DTYPE_MISMATCH',
        `Update tensor "${name}" is ${tensor.dtype}, expected float32`,
        {
          details: { name, dtype: tensor.dtype },
        },
      );
    }
    if (!sameShape(tensor.shape, entry.shape) || tensor.data.length !== entry.size) {
      throw new EdgefedError(
        'SHAPE_MISMATCH',
        `Update tensor "${name}" has shape [${tensor.shape.join(', ')}] (${tensor.data.length} elements), expected [${entry.shape.join(', ')}]`,
        {
          details: {
            name,
            expected: [...entry.shape],
            actual: [...tensor.shape],
            length: tensor.data.length,
          },
        },
      );
    }
    out.push(tensor.data);
  }
  return out;
}

/** True when every element of `data` is finite (no NaN, no +-Infinity). Four-way unrolled. */
export function isAllFinite(data: Float32Array): boolean {
  const n = data.length;
  let z0 = 0;
  let z1 = 0;
  let z2 = 0;
  let z3 = 0;
  let i = 0;
  // x * 0 is 0 for finite x and NaN for NaN or +-Infinity; NaN survives the sums.
  for (; i + 3 < n; i += 4) {
    z0 += (data[i] ?? 0) * 0;
    z1 += (data[i + 1] ?? 0) * 0;
    z2 += (data[i + 2] ?? 0) * 0;
    z3 += (data[i + 3] ?? 0) * 0;
  }
  for (; i < n; i++) z0 += (data[i] ?? 0) * 0;
  return z0 + z1 + z2 + z3 === 0;
}

/**
 * Throws `NON_FINITE` (naming the first offending tensor) when any element of `data` is NaN
 * or infinite. `data` is in layout order, as {@link layoutData} returns it.
 */
export function assertFinite(layout: TensorLayout, data: readonly Float32Array[]): void {
  for (let t = 0; t < data.length; t++) {
    const d = data[t];
    if (d !== undefined && !isAllFinite(d)) {
      const name = layout.entries[t]?.name ?? String(t);
      throw new EdgefedError('NON_FINITE', `Update tensor "${name}" contains NaN or Infinity`, {
        details: { name },
      });
    }
  }
}

/** Builds a float32 TensorMap with the layout's names and shapes from one flat array of `layout.size`. */
export function unflatten(layout: TensorLayout, flat: Float32Array): TensorMap {
  if (flat.length !== layout.size) {
    throw new EdgefedError(
      'SHAPE_MISMATCH',
      `Flat array has ${flat.length} elements, layout needs ${layout.size}`,
    );
  }
  const out = new Map<string, { dtype: 'float32'; shape: readonly number[]; data: Float32Array }>();
  for (const e of layout.entries) {
    out.set(e.name, { dtype: 'float32', shape: e.shape, data: flat.subarray(e.offset, e.offset + e.size) });
  }
  return out;
}

/**
 * Throws `NAME_MISMATCH` when `actual` has other tensor names or order than `expected`, and
 * `SHAPE_MISMATCH` when a tensor's shape differs. Used to check stored state against a model.
 */
export function assertSameLayout(expected: TensorLayout, actual: TensorLayout): void {
  const names = (l: TensorLayout): string[] => l.entries.map((e) => e.name);
  if (names(expected).join('\u0000') !== names(actual).join('\u0000')) {
    throw new EdgefedError('NAME_MISMATCH', 'Tensor names differ from the expected layout', {
      details: { expected: names(expected), actual: names(actual) },
    });
  }
  expected.entries.forEach((e, i) => {
    const a = actual.entries[i];
    if (a === undefined || !sameShape(e.shape, a.shape)) {
      throw new EdgefedError('SHAPE_MISMATCH', `Tensor "${e.name}" has another shape than expected`, {
        details: { name: e.name, expected: [...e.shape], actual: a === undefined ? null : [...a.shape] },
      });
    }
  });
}
