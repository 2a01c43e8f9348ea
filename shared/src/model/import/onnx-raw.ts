/**
 * Reading an ONNX model for import: protobuf decoding with Constant nodes turned into
 * initializers (the IR has no tensor attributes), remembering which initializers came from
 * Constant nodes, so they are never mistaken for trainable parameters.
 */
import { EdgefedError } from '../../errors.js';
import { decodeModel } from '../onnx/codec.js';
import { ONNX_DATA_TYPE, onnxTypes } from '../onnx/schema.js';
import type { ModelIR } from '../ir/types.js';

/** Decoded protobuf objects (protobufjs `toObject` output with numbers for int64). */
interface RawAttr {
  name?: string;
  f?: number;
  i?: number;
  ints?: number[];
  floats?: number[];
  t?: Record<string, unknown>;
}
interface RawNode {
  opType?: string;
  name?: string;
  output?: string[];
  attribute?: RawAttr[];
}
interface RawGraph {
  node?: RawNode[];
  initializer?: Record<string, unknown>[];
}
/** The protobuf object of an ONNX ModelProto, as far as edgefed's schema reads it. */
export interface RawModel {
  graph?: RawGraph;
  [key: string]: unknown;
}

/** A decoded model for import: the IR plus the names of former Constant-node outputs. */
export interface ReadModel {
  readonly model: ModelIR;
  readonly constantNames: ReadonlySet<string>;
  /** For each node of `model`, its position among the file's nodes (Constant nodes counted). */
  readonly positions: readonly number[];
}

/** Decodes ONNX bytes into the protobuf object. Throws `CORRUPT_PAYLOAD`. */
export function decodeRaw(bytes: Uint8Array): RawModel {
  const type = onnxTypes().model;
  try {
    return type.toObject(type.decode(bytes), { longs: Number, arrays: true });
  } catch (cause) {
    throw new EdgefedError('CORRUPT_PAYLOAD', 'Bytes are not a valid ONNX model', { cause });
  }
}

/** Encodes a protobuf object made by {@link decodeRaw}. */
export function encodeRaw(raw: RawModel): Uint8Array {
  const type = onnxTypes().model;
  return type.encode(type.fromObject(raw)).finish();
}

function constantTensor(node: RawNode, name: string): Record<string, unknown> {
  const a = node.attribute?.[0];
  if (node.attribute?.length !== 1 || a === undefined) {
    throw new EdgefedError('INVALID_MODEL', `Constant node ${node.name ?? name} needs exactly one attribute`);
  }
  switch (a.name) {
    case 'value':
      return { ...(a.t ?? {}), name };
    case 'value_float':
      return { name, dims: [], dataType: ONNX_DATA_TYPE.float32, floatData: [a.f ?? 0] };
    case 'value_floats':
      return { name, dims: [a.floats?.length ?? 0], dataType: ONNX_DATA_TYPE.float32, floatData: a.floats };
    case 'value_int':
      return { name, dims: [], dataType: ONNX_DATA_TYPE.int64, int64Data: [a.i ?? 0] };
    case 'value_ints':
      return { name, dims: [a.ints?.length ?? 0], dataType: ONNX_DATA_TYPE.int64, int64Data: a.ints };
    default:
      throw new EdgefedError(
        'UNSUPPORTED_OP',
        `Constant node ${node.name ?? name}: attribute ${a.name ?? ''} unsupported`,
      );
  }
}

/**
 * Decodes an ONNX model for import. Constant nodes become initializers named after their
 * output. Throws `CORRUPT_PAYLOAD`, `INVALID_MODEL` or `UNSUPPORTED` (see `decodeModel`).
 */
export function readOnnxModel(bytes: Uint8Array): ReadModel {
  const raw = decodeRaw(bytes);
  const graph = raw.graph ?? {};
  const constantNames = new Set<string>();
  const extra: Record<string, unknown>[] = [];
  const positions: number[] = [];
  const nodes = (graph.node ?? []).filter((n, i) => {
    if (n.opType !== 'Constant') {
      positions.push(i);
      return true;
    }
    const name = n.output?.[0] ?? '';
    constantNames.add(name);
    extra.push(constantTensor(n, name));
    return false;
  });
  const rewritten: RawModel = {
    ...raw,
    graph: { ...graph, node: nodes, initializer: [...(graph.initializer ?? []), ...extra] },
  };
  return { model: decodeModel(encodeRaw(rewritten)), constantNames, positions };
}
