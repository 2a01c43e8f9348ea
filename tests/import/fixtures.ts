/**
 * Loads the PyTorch-exported ONNX fixtures (tests/fixtures/onnx, made by make_fixtures.py)
 * and their autograd references, and runs graphs on onnxruntime-node.
 */
import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';

const DIR = new URL('../fixtures/onnx/', import.meta.url);

/** A float32 array from the reference JSON. */
export interface RefArray {
  readonly shape: number[];
  readonly data: Float32Array;
}

/** The reference values make_fixtures.py records. */
export interface Reference {
  readonly batch: number;
  readonly classes: number;
  readonly x: RefArray;
  readonly labels: number[];
  readonly logits: RefArray;
  readonly loss: number;
  readonly evalLogits: RefArray;
  readonly grads: ReadonlyMap<string, RefArray>;
  readonly sgd: {
    readonly lr: number;
    readonly steps: number;
    readonly state: ReadonlyMap<string, RefArray>;
  };
}

interface RawArray {
  shape: number[];
  b64: string;
}

function decode(a: RawArray): RefArray {
  const bytes = Buffer.from(a.b64, 'base64');
  const data = new Float32Array(bytes.byteLength / 4);
  new Uint8Array(data.buffer).set(bytes);
  return { shape: a.shape, data };
}

function decodeMap(o: Record<string, RawArray>): Map<string, RefArray> {
  return new Map(Object.entries(o).map(([k, v]) => [k, decode(v)]));
}

/** The .onnx bytes of a fixture. */
export function fixtureBytes(name: string): Uint8Array {
  return new Uint8Array(readFileSync(new URL(`${name}.onnx`, DIR)));
}

/** Path of a fixture's .onnx file. */
export function fixturePath(name: string): string {
  return new URL(`${name}.onnx`, DIR).pathname;
}

/** The reference of a fixture. */
export function fixtureReference(name: string): Reference {
  const j = JSON.parse(readFileSync(new URL(`${name}.json`, DIR), 'utf8')) as {
    batch: number;
    classes: number;
    x: RawArray;
    labels: number[];
    logits: RawArray;
    loss: number;
    eval_logits: RawArray;
    grads: Record<string, RawArray>;
    sgd: { lr: number; steps: number; state: Record<string, RawArray> };
  };
  return {
    batch: j.batch,
    classes: j.classes,
    x: decode(j.x),
    labels: j.labels,
    logits: decode(j.logits),
    loss: j.loss,
    evalLogits: decode(j.eval_logits),
    grads: decodeMap(j.grads),
    sgd: { lr: j.sgd.lr, steps: j.sgd.steps, state: decodeMap(j.sgd.state) },
  };
}

/** Feeds as float32 tensors. */
export type Feeds = Record<string, { shape: readonly number[]; data: Float32Array }>;

/** Runs ONNX bytes once on onnxruntime-node (1 thread); returns float32 outputs by name. */
export async function runOrt(onnx: Uint8Array, feeds: Feeds): Promise<Record<string, Float32Array>> {
  const s = await ort.InferenceSession.create(onnx, { intraOpNumThreads: 1, interOpNumThreads: 1 });
  const t: Record<string, ort.Tensor> = {};
  for (const [k, v] of Object.entries(feeds)) t[k] = new ort.Tensor('float32', v.data, [...v.shape]);
  const out = await s.run(t);
  await s.release();
  const res: Record<string, Float32Array> = {};
  for (const [k, v] of Object.entries(out)) res[k] = v.data as Float32Array;
  return res;
}

/** max |a - b| / max(max |b|, floor): the relative error of `a` against reference `b`. */
export function relError(a: ArrayLike<number>, b: ArrayLike<number>, floor = 1e-3): number {
  if (a.length !== b.length) return Number.POSITIVE_INFINITY;
  let diff = 0;
  let scale = floor;
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs((a[i] ?? 0) - (b[i] ?? 0)));
    scale = Math.max(scale, Math.abs(b[i] ?? 0));
  }
  return diff / scale;
}

/** One-hot float labels [B, classes]. */
export function oneHot(labels: readonly number[], classes: number): Float32Array {
  const y = new Float32Array(labels.length * classes);
  labels.forEach((l, i) => (y[i * classes + l] = 1));
  return y;
}
