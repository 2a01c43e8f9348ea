/**
 * Decodes the binary TensorMap format (docs/codec.md). Validates everything before
 * returning: magic, version, declared length, CRC32C, then every header field; tensors
 * are typed-array views over the input (zero-copy) when alignment allows.
 */
import { EdgefedError, type ErrorCode } from '../errors.js';
import { payloadChecksum } from './codec-encode.js';
import {
  alignUp,
  CODEC_ALIGNMENT,
  CODEC_FORMAT_VERSION,
  CODEC_MAGIC,
  DEFAULT_MAX_DECODE_BYTES,
  ENTRY_FIXED_BYTES,
  FIXED_HEADER_BYTES,
  HEADER,
  HOST_LITTLE_ENDIAN,
} from './codec-format.js';
import { readEntries, type EntryInfo } from './codec-entries.js';
import type { Tensor, TensorMap } from './tensor.js';

/** Options for {@link decodeTensorMap}. */
export interface DecodeOptions {
  /** Largest payload accepted, in bytes (default 1 GiB); larger gives `PAYLOAD_TOO_LARGE`. */
  readonly maxBytes?: number;
  /** Always copy tensor data out of the input instead of viewing it (default false). */
  readonly copy?: boolean;
  /**
   * Check the CRC32C (default true). Set false only where the same bytes were already
   * verified: e.g. a payload just reassembled by `ChunkAssembler.assemble()` (which checked
   * a CRC32C over exactly these bytes) or one this process stored after checking it. Structure
   * is still fully validated, so the worst a corrupted payload can do is decode to wrong
   * numbers, never crash or read out of range.
   */
  readonly verify?: boolean;
}

function fail(code: ErrorCode, message: string, details?: Record<string, unknown>): never {
  throw new EdgefedError(code, message, details === undefined ? {} : { details });
}

function readU64(view: DataView, at: number): number {
  const hi = view.getUint32(at + 4, true);
  if (hi > 0x1fffff) fail('CORRUPT_PAYLOAD', `64-bit field at ${at} is beyond 2^53`);
  return hi * 0x100000000 + view.getUint32(at, true);
}

function checkPrelude(bytes: Uint8Array, maxBytes: number): void {
  if (bytes.length > maxBytes) {
    fail('PAYLOAD_TOO_LARGE', `Payload of ${bytes.length} bytes exceeds ${maxBytes}`, { maxBytes });
  }
  for (let i = 0; i < CODEC_MAGIC.length && i < bytes.length; i++) {
    if (bytes[i] !== CODEC_MAGIC[i]) fail('BAD_MAGIC', 'Not an encoded TensorMap (bad magic)');
  }
  if (bytes.length < FIXED_HEADER_BYTES) {
    fail('TRUNCATED_PAYLOAD', `Payload of ${bytes.length} bytes is shorter than the header`);
  }
}

function checkLengths(view: DataView, length: number, maxBytes: number): void {
  const total = readU64(view, HEADER.totalBytes);
  if (total > maxBytes) fail('PAYLOAD_TOO_LARGE', `Declared size ${total} exceeds ${maxBytes}`, { maxBytes });
  if (total > length) fail('TRUNCATED_PAYLOAD', `Payload has ${length} of ${total} bytes`);
  if (total < length) fail('CORRUPT_PAYLOAD', `Payload has ${length - total} bytes past its end`);
}

function checkHeader(view: DataView, total: number): { count: number; headerBytes: number } {
  const flags = view.getUint16(HEADER.flags, true);
  const count = view.getUint32(HEADER.tensorCount, true);
  const headerBytes = view.getUint32(HEADER.headerBytes, true);
  const dataOffset = view.getUint32(HEADER.dataOffset, true);
  if (flags !== 0) fail('CORRUPT_PAYLOAD', `Unknown header flags ${flags}`);
  if (headerBytes > total || FIXED_HEADER_BYTES + count * ENTRY_FIXED_BYTES > headerBytes) {
    fail('CORRUPT_PAYLOAD', `Header of ${headerBytes} bytes cannot hold ${count} tensors`);
  }
  if (dataOffset !== alignUp(headerBytes, CODEC_ALIGNMENT) || dataOffset > total) {
    fail('CORRUPT_PAYLOAD', `Data offset ${dataOffset} does not follow the header`);
  }
  return { count, headerBytes };
}

function makeTensor(bytes: Uint8Array, e: EntryInfo, copy: boolean): Tensor {
  const at = bytes.byteOffset + e.dataOffset;
  const view = !copy && at % e.elementBytes === 0;
  const buffer = view ? bytes.buffer : bytes.slice(e.dataOffset, e.dataOffset + e.dataBytes).buffer;
  const offset = view ? at : 0;
  const n = e.dataBytes / e.elementBytes;
  const shape = e.shape;
  switch (e.dtype) {
    case 'float32':
      return { dtype: 'float32', shape, data: new Float32Array(buffer, offset, n) };
    case 'float16':
      return { dtype: 'float16', shape, data: new Uint16Array(buffer, offset, n) };
    case 'int8':
      return { dtype: 'int8', shape, data: new Int8Array(buffer, offset, n), scale: e.scale };
  }
}

/**
 * Decodes bytes made by `encodeTensorMap` into a TensorMap in the encoded order.
 *
 * Zero-copy: unless `copy` is set, each tensor's data is a typed-array view over `bytes`'s
 * buffer when `bytes.byteOffset` keeps it aligned to its element size (any byteOffset that
 * is a multiple of 4 does); otherwise that tensor is copied. Views share memory with the
 * input: writing to either changes the other, and they keep the whole buffer alive.
 *
 * Throws, and never returns a partial map: `PAYLOAD_TOO_LARGE` (input or declared size
 * over `maxBytes`), `BAD_MAGIC`, `TRUNCATED_PAYLOAD` (shorter than declared),
 * `UNSUPPORTED_FORMAT_VERSION`, `CHECKSUM_MISMATCH`, `CORRUPT_PAYLOAD` (trailing bytes,
 * unknown flags/dtype, offsets out of range, overlapping or misaligned, non-zero padding,
 * shape/length mismatch, duplicate or invalid UTF-8 names, NaN/negative scale, absurd
 * counts); `INVALID_ARGUMENT` for a non-Uint8Array input or bad options; `UNSUPPORTED` on
 * a big-endian host.
 */
export function decodeTensorMap(bytes: Uint8Array, options: DecodeOptions = {}): TensorMap {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_DECODE_BYTES;
  if (!(bytes instanceof Uint8Array)) fail('INVALID_ARGUMENT', 'decodeTensorMap needs a Uint8Array');
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 0) fail('INVALID_ARGUMENT', 'maxBytes must be >= 0');
  if (!HOST_LITTLE_ENDIAN) fail('UNSUPPORTED', 'The tensor codec needs a little-endian host');
  checkPrelude(bytes, maxBytes);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint16(HEADER.version, true);
  if (version !== CODEC_FORMAT_VERSION) {
    fail('UNSUPPORTED_FORMAT_VERSION', `Format version ${version} is not supported`, { version });
  }
  checkLengths(view, bytes.length, maxBytes);
  if (options.verify !== false) {
    const stored = view.getUint32(HEADER.checksum, true);
    if (payloadChecksum(bytes) !== stored) fail('CHECKSUM_MISMATCH', 'Payload checksum does not match');
  }
  const { count, headerBytes } = checkHeader(view, bytes.length);
  const entries = readEntries(bytes, view, { count, headerBytes });
  const map = new Map<string, Tensor>();
  for (const e of entries) map.set(e.name, makeTensor(bytes, e, options.copy === true));
  return map;
}
