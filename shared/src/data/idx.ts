/**
 * Parser for the IDX format (LeCun's MNIST files): a 4-byte magic `00 00 <dtype> <ndim>`,
 * `ndim` big-endian uint32 dimensions, then the elements, big-endian, row-major.
 * Decompression is the caller's job: gzipped bytes fail with `BAD_MAGIC`.
 */
import { EdgefedError } from '../errors.js';

/** Element types the IDX format defines. */
export type IdxDType = 'uint8' | 'int8' | 'int16' | 'int32' | 'float32' | 'float64';

/** The typed array used for each IDX element type. */
export interface IdxArrays {
  uint8: Uint8Array;
  int8: Int8Array;
  int16: Int16Array;
  int32: Int32Array;
  float32: Float32Array;
  float64: Float64Array;
}

/** A parsed IDX file. */
export type IdxArray = {
  [D in IdxDType]: { readonly dtype: D; readonly shape: readonly number[]; readonly data: IdxArrays[D] };
}[IdxDType];

const DTYPES: ReadonlyMap<number, { dtype: IdxDType; bytes: number }> = new Map([
  [0x08, { dtype: 'uint8', bytes: 1 }],
  [0x09, { dtype: 'int8', bytes: 1 }],
  [0x0b, { dtype: 'int16', bytes: 2 }],
  [0x0c, { dtype: 'int32', bytes: 4 }],
  [0x0d, { dtype: 'float32', bytes: 4 }],
  [0x0e, { dtype: 'float64', bytes: 8 }],
]);

/**
 * Parses IDX bytes. uint8 and int8 data are returned as views aliasing `bytes` (no copy);
 * wider types are decoded from big-endian into new arrays.
 *
 * Throws `BAD_MAGIC` when the first two bytes are not zero (e.g. still gzipped) or the
 * file is shorter than its header; `UNSUPPORTED` for an unknown dtype byte or zero
 * dimensions; `TRUNCATED_PAYLOAD` when fewer data bytes follow than the dimensions
 * promise; `CORRUPT_PAYLOAD` when extra bytes trail them. Dimensions of 0 are valid
 * (an empty array).
 */
export function parseIdx(bytes: Uint8Array): IdxArray {
  if (bytes.length < 4 || bytes[0] !== 0 || bytes[1] !== 0) {
    throw new EdgefedError('BAD_MAGIC', 'Not an IDX file (magic must start with 00 00; gzipped?)');
  }
  const code = bytes[2] ?? 0;
  const ndim = bytes[3] ?? 0;
  const type = DTYPES.get(code);
  if (type === undefined) {
    throw new EdgefedError('UNSUPPORTED', `Unknown IDX dtype byte 0x${code.toString(16).padStart(2, '0')}`);
  }
  if (ndim === 0) throw new EdgefedError('UNSUPPORTED', 'IDX files with zero dimensions are not supported');
  const headerBytes = 4 + 4 * ndim;
  if (bytes.length < headerBytes) {
    throw new EdgefedError('TRUNCATED_PAYLOAD', `IDX header needs ${headerBytes} bytes, got ${bytes.length}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shape: number[] = [];
  let count = 1;
  for (let i = 0; i < ndim; i++) {
    const d = view.getUint32(4 + 4 * i, false);
    shape.push(d);
    count *= d;
  }
  const expected = headerBytes + count * type.bytes;
  if (bytes.length !== expected) {
    throw new EdgefedError(
      bytes.length < expected ? 'TRUNCATED_PAYLOAD' : 'CORRUPT_PAYLOAD',
      `IDX [${shape.join(', ')}] ${type.dtype} needs ${expected} bytes, got ${bytes.length}`,
      { details: { shape, dtype: type.dtype, expected, actual: bytes.length } },
    );
  }
  return decode(type.dtype, shape, view, headerBytes, count);
}

function decode(dtype: IdxDType, shape: number[], view: DataView, offset: number, count: number): IdxArray {
  const start = view.byteOffset + offset;
  switch (dtype) {
    case 'uint8':
      return { dtype, shape, data: new Uint8Array(view.buffer, start, count) };
    case 'int8':
      return { dtype, shape, data: new Int8Array(view.buffer, start, count) };
    case 'int16': {
      const data = new Int16Array(count);
      for (let i = 0; i < count; i++) data[i] = view.getInt16(offset + 2 * i, false);
      return { dtype, shape, data };
    }
    case 'int32': {
      const data = new Int32Array(count);
      for (let i = 0; i < count; i++) data[i] = view.getInt32(offset + 4 * i, false);
      return { dtype, shape, data };
    }
    case 'float32': {
      const data = new Float32Array(count);
      for (let i = 0; i < count; i++) data[i] = view.getFloat32(offset + 4 * i, false);
      return { dtype, shape, data };
    }
    case 'float64': {
      const data = new Float64Array(count);
      for (let i = 0; i < count; i++) data[i] = view.getFloat64(offset + 8 * i, false);
      return { dtype, shape, data };
    }
  }
}

/**
 * Encodes an array as IDX bytes (big-endian), the inverse of {@link parseIdx}. Used to
 * write fixtures and small datasets. Throws `SHAPE_MISMATCH` when `data.length` is not
 * the product of `shape`, `INVALID_ARGUMENT` for an empty shape, more than 255
 * dimensions, or a dimension that is not a uint32.
 */
export function encodeIdx(array: IdxArray): Uint8Array {
  const { shape } = array;
  if (shape.length === 0 || shape.length > 255) {
    throw new EdgefedError('INVALID_ARGUMENT', `IDX needs 1..255 dimensions, got ${shape.length}`);
  }
  let count = 1;
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0 || d > 0xffffffff) {
      throw new EdgefedError('INVALID_ARGUMENT', `Invalid IDX dimension ${d}`);
    }
    count *= d;
  }
  if (array.data.length !== count) {
    throw new EdgefedError('SHAPE_MISMATCH', `IDX data has ${array.data.length} elements, shape needs ${count}`);
  }
  const entry = [...DTYPES].find(([, t]) => t.dtype === array.dtype);
  const [code, { bytes: width }] = entry ?? [0x08, { bytes: 1 }];
  const header = 4 + 4 * shape.length;
  const out = new Uint8Array(header + count * width);
  const view = new DataView(out.buffer);
  out[2] = code;
  out[3] = shape.length;
  shape.forEach((d, i) => {
    view.setUint32(4 + 4 * i, d, false);
  });
  writeElements(array, view, header);
  return out;
}

function writeElements(array: IdxArray, view: DataView, offset: number): void {
  const n = array.data.length;
  switch (array.dtype) {
    case 'uint8':
    case 'int8':
      new Uint8Array(view.buffer, offset, n).set(new Uint8Array(array.data.buffer, array.data.byteOffset, n));
      return;
    case 'int16':
      for (let i = 0; i < n; i++) view.setInt16(offset + 2 * i, array.data[i] ?? 0, false);
      return;
    case 'int32':
      for (let i = 0; i < n; i++) view.setInt32(offset + 4 * i, array.data[i] ?? 0, false);
      return;
    case 'float32':
      for (let i = 0; i < n; i++) view.setFloat32(offset + 4 * i, array.data[i] ?? 0, false);
      return;
    case 'float64':
      for (let i = 0; i < n; i++) view.setFloat64(offset + 8 * i, array.data[i] ?? 0, false);
      return;
  }
}
