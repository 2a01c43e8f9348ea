/**
 * ONNX bytes <-> ModelIR. `encodeModel` writes every initializer as little-endian
 * `raw_data`; `decodeModel` also reads the typed `*_data` fields, so models exported by
 * other tools (PyTorch, onnx.helper) load too.
 */
import { EdgefedError } from '../../errors.js';
import type {
  AttrValue,
  ConstTensor,
  Dim,
  ElemType,
  GraphIR,
  ModelIR,
  NodeIR,
  ValueInfo,
} from '../ir/types.js';
import { ONNX_ATTR_TYPE, ONNX_DATA_TYPE, onnxTypes } from './schema.js';

/** ONNX IR version written into every model (IR 8 goes with opset 17-18). */
export const ONNX_IR_VERSION = 8;

const DTYPE_BY_CODE = new Map<number, ElemType>(
  Object.entries(ONNX_DATA_TYPE).map(([k, v]) => [v, k as ElemType]),
);

function tensorBytes(t: ConstTensor): Uint8Array {
  switch (t.dtype) {
    case 'int64': {
      const a = new BigInt64Array(t.data.length);
      t.data.forEach((v, i) => (a[i] = BigInt(v)));
      return new Uint8Array(a.buffer);
    }
    default:
      return new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
  }
}

function encodeTensor(t: ConstTensor): Record<string, unknown> {
  return { name: t.name, dims: [...t.shape], dataType: ONNX_DATA_TYPE[t.dtype], rawData: tensorBytes(t) };
}

function encodeValueInfo(v: ValueInfo): Record<string, unknown> {
  const dim = v.shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d }));
  return { name: v.name, type: { tensorType: { elemType: ONNX_DATA_TYPE[v.dtype], shape: { dim } } } };
}

function encodeAttr(name: string, a: AttrValue): Record<string, unknown> {
  const type = ONNX_ATTR_TYPE[a.kind];
  switch (a.kind) {
    case 'int':
      return { name, type, i: a.value };
    case 'float':
      return { name, type, f: a.value };
    case 'ints':
      return { name, type, ints: [...a.value] };
    case 'floats':
      return { name, type, floats: [...a.value] };
    case 'string':
      return { name, type, s: new TextEncoder().encode(a.value) };
  }
}

function encodeNode(n: NodeIR): Record<string, unknown> {
  return {
    name: n.name,
    opType: n.opType,
    domain: n.domain,
    input: [...n.inputs],
    output: [...n.outputs],
    attribute: Object.entries(n.attributes).map(([k, a]) => encodeAttr(k, a)),
  };
}

/** Encodes a model as ONNX protobuf bytes. Throws `INVALID_MODEL` if the graph is malformed. */
export function encodeModel(model: ModelIR): Uint8Array {
  const g = model.graph;
  const type = onnxTypes().model;
  const obj = {
    irVersion: ONNX_IR_VERSION,
    producerName: model.producerName,
    producerVersion: '0.1.0',
    opsetImport: [{ domain: '', version: model.opsetVersion }],
    metadataProps: Object.entries(model.metadata).map(([key, value]) => ({ key, value })),
    graph: {
      name: g.name,
      node: g.nodes.map(encodeNode),
      input: g.inputs.map(encodeValueInfo),
      output: g.outputs.map(encodeValueInfo),
      initializer: g.initializers.map(encodeTensor),
    },
  };
  const err = type.verify(obj);
  if (err !== null) throw new EdgefedError('INVALID_MODEL', `Cannot encode ONNX model: ${err}`);
  return type.encode(type.fromObject(obj)).finish();
}

// ---- decoding -------------------------------------------------------------------------

interface RawTensor {
  name?: string;
  dims?: number[];
  dataType?: number;
  rawData?: Uint8Array;
  floatData?: number[];
  int32Data?: number[];
  int64Data?: number[];
  doubleData?: number[];
}

function copyBytes(raw: Uint8Array): ArrayBuffer {
  const out = new ArrayBuffer(raw.byteLength);
  new Uint8Array(out).set(raw);
  return out;
}

function tensorData(t: RawTensor, dtype: ElemType, n: number): ConstTensor['data'] {
  const raw = t.rawData !== undefined && t.rawData.length > 0 ? copyBytes(t.rawData) : undefined;
  switch (dtype) {
    case 'float32':
      return raw ? new Float32Array(raw) : Float32Array.from(t.floatData ?? []);
    case 'float64':
      return raw ? new Float64Array(raw) : Float64Array.from(t.doubleData ?? []);
    case 'int32':
      return raw ? new Int32Array(raw) : Int32Array.from(t.int32Data ?? []);
    case 'bool':
      return raw ? new Uint8Array(raw) : Uint8Array.from(t.int32Data ?? []);
    case 'int64':
      return raw ? Array.from(new BigInt64Array(raw), Number) : (t.int64Data ?? []).slice(0, n);
  }
}

function decodeTensor(t: RawTensor): ConstTensor {
  const dtype = DTYPE_BY_CODE.get(t.dataType ?? 0);
  const name = t.name ?? '';
  if (dtype === undefined) {
    throw new EdgefedError(
      'UNSUPPORTED',
      `Initializer ${name} has unsupported data type ${String(t.dataType)}`,
    );
  }
  const shape = t.dims ?? [];
  const n = shape.reduce((a, b) => a * b, 1);
  const data = tensorData(t, dtype, n);
  if (data.length !== n) {
    throw new EdgefedError(
      'CORRUPT_PAYLOAD',
      `Initializer ${name}: ${data.length} values for shape [${shape.join(', ')}]`,
    );
  }
  return { name, dtype, shape, data } as ConstTensor;
}

interface RawValueInfo {
  name?: string;
  type?: { tensorType?: { elemType?: number; shape?: { dim?: { dimValue?: number; dimParam?: string }[] } } };
}

function decodeValueInfo(v: RawValueInfo): ValueInfo {
  const tt = v.type?.tensorType;
  const dtype = DTYPE_BY_CODE.get(tt?.elemType ?? 0);
  const name = v.name ?? '';
  if (dtype === undefined) {
    throw new EdgefedError(
      'UNSUPPORTED',
      `Value ${name} has unsupported element type ${String(tt?.elemType)}`,
    );
  }
  const shape: Dim[] = (tt?.shape?.dim ?? []).map((d, i) => d.dimParam ?? d.dimValue ?? `${name}_d${i}`);
  return { name, dtype, shape };
}

interface RawAttr {
  name?: string;
  type?: number;
  i?: number;
  f?: number;
  s?: Uint8Array;
  ints?: number[];
  floats?: number[];
}

function decodeAttr(a: RawAttr): AttrValue | undefined {
  switch (a.type) {
    case ONNX_ATTR_TYPE.int:
      return { kind: 'int', value: a.i ?? 0 };
    case ONNX_ATTR_TYPE.float:
      return { kind: 'float', value: a.f ?? 0 };
    case ONNX_ATTR_TYPE.ints:
      return { kind: 'ints', value: a.ints ?? [] };
    case ONNX_ATTR_TYPE.floats:
      return { kind: 'floats', value: a.floats ?? [] };
    case ONNX_ATTR_TYPE.string:
      return { kind: 'string', value: new TextDecoder().decode(a.s ?? new Uint8Array()) };
    default:
      return undefined;
  }
}

interface RawNode {
  name?: string;
  opType?: string;
  domain?: string;
  input?: string[];
  output?: string[];
  attribute?: RawAttr[];
}

function decodeNode(n: RawNode, index: number): NodeIR {
  const attributes: Record<string, AttrValue> = {};
  for (const a of n.attribute ?? []) {
    const v = decodeAttr(a);
    if (v === undefined) {
      throw new EdgefedError(
        'UNSUPPORTED',
        `Node ${n.name ?? index} attribute ${a.name ?? ''} has unsupported type ${String(a.type)}`,
      );
    }
    attributes[a.name ?? ''] = v;
  }
  return {
    opType: n.opType ?? '',
    name: n.name ?? `node_${index}`,
    domain: n.domain ?? '',
    inputs: n.input ?? [],
    outputs: n.output ?? [],
    attributes: attributes,
  };
}

interface RawModel {
  producerName?: string;
  opsetImport?: { domain?: string; version?: number }[];
  metadataProps?: { key?: string; value?: string }[];
  graph?: {
    name?: string;
    node?: RawNode[];
    input?: RawValueInfo[];
    output?: RawValueInfo[];
    initializer?: RawTensor[];
  };
}

/**
 * Decodes ONNX bytes into a ModelIR. Graph inputs that are also initializers stay listed as
 * inputs. Throws `CORRUPT_PAYLOAD` for bytes that are not a protobuf ModelProto and
 * `UNSUPPORTED` for element or attribute types the IR does not represent (strings, graphs,
 * float16 tensors).
 */
export function decodeModel(bytes: Uint8Array): ModelIR {
  const type = onnxTypes().model;
  let raw: RawModel;
  try {
    raw = type.toObject(type.decode(bytes), { longs: Number, arrays: true });
  } catch (cause) {
    throw new EdgefedError('CORRUPT_PAYLOAD', 'Bytes are not a valid ONNX model', { cause });
  }
  const g = raw.graph;
  if (g === undefined) throw new EdgefedError('INVALID_MODEL', 'ONNX model has no graph');
  const opset = (raw.opsetImport ?? []).find((o) => (o.domain ?? '') === '' || o.domain === 'ai.onnx');
  const graph: GraphIR = {
    name: g.name ?? 'graph',
    nodes: (g.node ?? []).map(decodeNode),
    inputs: (g.input ?? []).map(decodeValueInfo),
    outputs: (g.output ?? []).map(decodeValueInfo),
    initializers: (g.initializer ?? []).map(decodeTensor),
  };
  const metadata: Record<string, string> = {};
  for (const p of raw.metadataProps ?? []) metadata[p.key ?? ''] = p.value ?? '';
  return { graph, opsetVersion: opset?.version ?? 1, producerName: raw.producerName ?? '', metadata };
}
