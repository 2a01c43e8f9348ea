/**
 * Fixtures and assertions for {@link strategyConformance}: seeded models and updates, result
 * streams that reuse and poison their buffers, and small framework-free checks (the suite runs
 * under any test runner, so it throws plain Errors instead of using a runner's `expect`).
 */
import { createPrng, type Prng } from '../data/prng.js';
import { isEdgefedError, type ErrorCode } from '../errors.js';
import type { Tensor, TensorMap } from '../tensor/tensor.js';
import type { FitResult } from './types.js';

/** The model layout the suite uses: three tensors, one with a size not divisible by 8. */
export const SHAPES: readonly (readonly [string, readonly number[]])[] = [
  ['dense.weight', [5, 3]],
  ['dense.bias', [3]],
  ['out.weight', [3, 2]],
];

/** A float32 TensorMap over {@link SHAPES} filled by `value(flatIndex)`. */
export function modelOf(value: (i: number) => number): TensorMap {
  const out = new Map<string, Tensor>();
  let k = 0;
  for (const [name, shape] of SHAPES) {
    const n = shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    for (let i = 0; i < n; i++) data[i] = value(k++);
    out.set(name, { dtype: 'float32', shape, data });
  }
  return out;
}

/** A seeded random model/update with values uniform in [-scale, scale). */
export function randomModel(rng: Prng, scale = 1): TensorMap {
  return modelOf(() => (rng.nextFloat() * 2 - 1) * scale);
}

/** A copy of `map` with `fn` applied to the tensor named `name`. */
export function withTensor(map: TensorMap, name: string, fn: (t: Tensor) => Tensor): TensorMap {
  return new Map([...map].map(([n, t]) => [n, n === name ? fn(t) : t]));
}

/** `map` with `value` written at element `index` of tensor `name` (copied). */
export function withValue(map: TensorMap, name: string, index: number, value: number): TensorMap {
  return withTensor(map, name, (t) => {
    const data = Float32Array.from(t.data);
    data[index] = value;
    return { dtype: 'float32', shape: t.shape, data };
  });
}

/** A fit result. */
export function fit(clientId: string, update: TensorMap, exampleCount = 10): FitResult {
  return { clientId, exampleCount, update, metrics: { loss: 1, accuracy: 0.5 } };
}

/**
 * Yields `count` results whose updates all share ONE set of buffers: each pull overwrites the
 * previous update's values, and the buffers are filled with NaN when the stream ends. A
 * strategy that keeps an update after pulling the next one therefore aggregates wrong values.
 * `pulls.count` counts the results pulled.
 */
export function* reusingStream(options: {
  count: number;
  make: (i: number) => FitResult;
  pulls: { count: number };
}): Generator<FitResult> {
  const shared = modelOf(() => 0);
  for (let i = 0; i < options.count; i++) {
    const src = options.make(i);
    for (const [name, t] of shared) t.data.set(src.update.get(name)?.data ?? []);
    options.pulls.count++;
    yield { ...src, update: shared };
  }
  for (const t of shared.values()) t.data.fill(Number.NaN);
}

/** The same results as an async iterable. */
export async function* asAsync<T>(items: Iterable<T>): AsyncGenerator<T> {
  for (const item of items) {
    await Promise.resolve();
    yield item;
  }
}

/** A fresh seeded PRNG. */
export function rngOf(seed: number): Prng {
  return createPrng(seed);
}

/** Throws `message` unless `condition`. */
export function check(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(`Conformance: ${message}`);
}

/** Awaits `fn` and checks that it throws an EdgefedError with `code`; returns the error's details. */
export async function expectCode(
  fn: () => unknown,
  code: ErrorCode,
): Promise<Readonly<Record<string, unknown>>> {
  try {
    await fn();
  } catch (e) {
    check(isEdgefedError(e, code), `expected ${code}, got ${isEdgefedError(e) ? e.code : String(e)}`);
    return e.details ?? {};
  }
  throw new Error(`Conformance: expected ${code}, nothing was thrown`);
}

/** Checks two TensorMaps have the same names, order and shapes, and values within `tol` (relative + absolute). */
export function checkClose(actual: TensorMap, expected: TensorMap, tol: number, what: string): void {
  check([...actual.keys()].join() === [...expected.keys()].join(), `${what}: tensor names differ`);
  for (const [name, e] of expected) {
    const a = actual.get(name);
    check(a?.dtype === 'float32', `${what}: ${name} is not float32`);
    check(a.shape.join() === e.shape.join(), `${what}: ${name} shape differs`);
    for (let i = 0; i < e.data.length; i++) {
      const x = a.data[i] ?? Number.NaN;
      const y = e.data[i] ?? Number.NaN;
      check(Math.abs(x - y) <= tol * (1 + Math.abs(y)), `${what}: ${name}[${i}] = ${x}, expected ${y}`);
    }
  }
}

/** True when two TensorMaps are identical bit for bit (names, order, shapes, values). */
export function identical(a: TensorMap, b: TensorMap): boolean {
  if ([...a.keys()].join() !== [...b.keys()].join()) return false;
  for (const [name, t] of a) {
    const u = b.get(name);
    if (u?.dtype !== t.dtype || u.shape.join() !== t.shape.join()) return false;
    if (!t.data.every((v, i) => Object.is(v, u.data[i]))) return false;
  }
  return true;
}
