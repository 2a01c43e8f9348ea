/**
 * The graph IR the model compiler works on: ONNX ops (op type, inputs, outputs, attributes),
 * typed graph inputs/outputs with possibly symbolic dimensions, and constant tensors.
 *
 * The IR is a plain data structure; `GraphBuilder` creates it, `encodeModel` turns it into
 * ONNX bytes and `decodeModel` reads ONNX bytes back into it.
 */

/** Element types the IR knows (a subset of ONNX's TensorProto.DataType). */
export type ElemType = 'float32' | 'float64' | 'int32' | 'int64' | 'bool';

/** Floating-point element types a differentiable graph may use. */
export type FloatType = 'float32' | 'float64';

/** A dimension: a fixed size, or a symbol such as `"N"` for the batch dimension. */
export type Dim = number | string;

/** Name, element type and shape of one value (graph input, output or intermediate). */
export interface ValueInfo {
  readonly name: string;
  readonly dtype: ElemType;
  readonly shape: readonly Dim[];
}

/** One ONNX attribute value, tagged with its ONNX attribute type. */
export type AttrValue =
  | { readonly kind: 'int'; readonly value: number }
  | { readonly kind: 'float'; readonly value: number }
  | { readonly kind: 'ints'; readonly value: readonly number[] }
  | { readonly kind: 'floats'; readonly value: readonly number[] }
  | { readonly kind: 'string'; readonly value: string };

/** Attributes of a node by name. */
export type Attributes = Readonly<Record<string, AttrValue>>;

/** One ONNX node. An empty input name means "optional input left out". */
export interface NodeIR {
  readonly opType: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attributes: Attributes;
  readonly name: string;
  /** Operator domain; `""` is the default ONNX domain. */
  readonly domain: string;
}

/** The typed array that holds each element type (int64 as plain numbers, bool as 0/1 bytes). */
export interface ElemArrays {
  float32: Float32Array;
  float64: Float64Array;
  int32: Int32Array;
  int64: readonly number[];
  bool: Uint8Array;
}

/** A constant tensor (ONNX initializer). `data.length` equals the product of `shape`. */
export type ConstTensor = {
  [E in ElemType]: {
    readonly name: string;
    readonly dtype: E;
    readonly shape: readonly number[];
    readonly data: ElemArrays[E];
  };
}[ElemType];

/** A whole graph: nodes in topological order, inputs, outputs and initializers. */
export interface GraphIR {
  readonly name: string;
  readonly nodes: readonly NodeIR[];
  readonly inputs: readonly ValueInfo[];
  readonly outputs: readonly ValueInfo[];
  readonly initializers: readonly ConstTensor[];
}

/** A model: a graph plus the opset it targets and free-form metadata. */
export interface ModelIR {
  readonly graph: GraphIR;
  /** Default-domain opset version (17 unless an op needs newer). */
  readonly opsetVersion: number;
  readonly producerName: string;
  readonly metadata: Readonly<Record<string, string>>;
}

/** The opset edgefed emits. */
export const DEFAULT_OPSET = 17;

/** An `int` attribute. */
export function attrInt(value: number): AttrValue {
  return { kind: 'int', value };
}

/** A `float` attribute. */
export function attrFloat(value: number): AttrValue {
  return { kind: 'float', value };
}

/** An `ints` attribute. */
export function attrInts(value: readonly number[]): AttrValue {
  return { kind: 'ints', value: [...value] };
}

/** A `floats` attribute. */
export function attrFloats(value: readonly number[]): AttrValue {
  return { kind: 'floats', value: [...value] };
}

/** A `string` attribute. */
export function attrString(value: string): AttrValue {
  return { kind: 'string', value };
}

/** Reads an int attribute, or `fallback` when absent; a wrong kind counts as absent. */
export function getInt(attrs: Attributes, name: string, fallback: number): number {
  const a = attrs[name];
  return a?.kind === 'int' ? a.value : fallback;
}

/** Reads a float attribute, or `fallback` when absent. */
export function getFloat(attrs: Attributes, name: string, fallback: number): number {
  const a = attrs[name];
  return a?.kind === 'float' ? a.value : fallback;
}

/** Reads an ints attribute, or `undefined` when absent. */
export function getInts(attrs: Attributes, name: string): readonly number[] | undefined {
  const a = attrs[name];
  return a?.kind === 'ints' ? a.value : undefined;
}

/** Number of elements of a fully static shape; `undefined` when a dimension is symbolic. */
export function staticSize(shape: readonly Dim[]): number | undefined {
  let n = 1;
  for (const d of shape) {
    if (typeof d !== 'number') return undefined;
    n *= d;
  }
  return n;
}

/** True when every dimension is a number. */
export function isStatic(shape: readonly Dim[]): shape is readonly number[] {
  return shape.every((d) => typeof d === 'number');
}
