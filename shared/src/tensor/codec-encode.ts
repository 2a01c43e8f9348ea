/**
 * Encodes a TensorMap into the self-describing binary format (docs/codec.md): one
 * allocation, names and shapes in a header, each tensor's bytes copied once with
 * `Uint8Array.set` to a 16-byte aligned offset, and a CRC32C over everything.
 */
import { EdgefedError } from '../errors.js';
import {
  alignUp,
  CODEC_ALIGNMENT,
  CODEC_FORMAT_VERSION,
  CODEC_MAGIC,
  DTYPE_CODES,
  ENTRY,
  ENTRY_FIXED_BYTES,
  FIXED_HEADER_BYTES,
  HEADER,
  HOST_LITTLE_ENDIAN,
  MAX_DIM,
  MAX_NAME_BYTES,
  MAX_RANK,
} from './codec-format.js';
import { crc32cUpdate } from './crc32c.js';
import type { Tensor, TensorMap } from './tensor.js';
import { assertValidTensor } from './validate.js';

const utf8 = new TextEncoder();
const utf8Check = new TextDecoder();

interface PlannedTensor {
  readonly tensor: Tensor;
  readonly nameBytes: Uint8Array;
  readonly entryOffset: number;
  readonly dataOffset: number;
}

interface Plan {
  readonly tensors: PlannedTensor[];
  readonly headerBytes: number;
  readonly dataOffset: number;
  readonly totalBytes: number;
}

function encodeName(name: string): Uint8Array {
  const bytes = utf8.encode(name);
  // TextEncoder replaces lone surrogates with U+FFFD; such a name would not round-trip.
  if (bytes.length > MAX_NAME_BYTES || utf8Check.decode(bytes) !== name) {
    throw new EdgefedError(
      'INVALID_ARGUMENT',
      `Tensor name must be well-formed Unicode of at most ${MAX_NAME_BYTES} UTF-8 bytes`,
      { details: { name: name.slice(0, 100) } },
    );
  }
  return bytes;
}

function checkShape(name: string, shape: readonly number[]): void {
  if (shape.length > MAX_RANK || shape.some((d) => d > MAX_DIM)) {
    throw new EdgefedError('SHAPE_MISMATCH', `Tensor "${name}" has rank > ${MAX_RANK} or a dim > 2^32-1`, {
      details: { name, shape: [...shape] },
    });
  }
}

function plan(map: TensorMap): Plan {
  const entries: { tensor: Tensor; nameBytes: Uint8Array; entryOffset: number }[] = [];
  let cursor = FIXED_HEADER_BYTES;
  for (const [name, tensor] of map) {
    assertValidTensor(tensor, name);
    checkShape(name, tensor.shape);
    const nameBytes = encodeName(name);
    entries.push({ tensor, nameBytes, entryOffset: cursor });
    cursor += alignUp(ENTRY_FIXED_BYTES + 4 * tensor.shape.length + nameBytes.length, 8);
  }
  const dataOffset = alignUp(cursor, CODEC_ALIGNMENT);
  let end = dataOffset;
  const tensors = entries.map((e) => {
    const at = alignUp(end, CODEC_ALIGNMENT);
    end = at + e.tensor.data.byteLength;
    return { ...e, dataOffset: at };
  });
  return { tensors, headerBytes: cursor, dataOffset, totalBytes: end };
}

function writeU64(view: DataView, at: number, value: number): void {
  view.setUint32(at, value % 0x100000000, true);
  view.setUint32(at + 4, Math.floor(value / 0x100000000), true);
}

function writeEntry(out: Uint8Array, view: DataView, p: PlannedTensor): void {
  const { tensor, nameBytes, entryOffset: at } = p;
  view.setUint8(at + ENTRY.dtype, DTYPE_CODES[tensor.dtype]);
  view.setUint8(at + ENTRY.rank, tensor.shape.length);
  view.setUint16(at + ENTRY.nameBytes, nameBytes.length, true);
  view.setFloat64(at + ENTRY.scale, tensor.dtype === 'int8' ? (tensor.scale ?? 0) : 0, true);
  writeU64(view, at + ENTRY.dataOffset, p.dataOffset);
  writeU64(view, at + ENTRY.dataBytes, tensor.data.byteLength);
  tensor.shape.forEach((d, i) => {
    view.setUint32(at + ENTRY.dims + 4 * i, d, true);
  });
  out.set(nameBytes, at + ENTRY.dims + 4 * tensor.shape.length);
}

/** Bytes copied and checksummed at a time, so the CRC reads what the copy left in cache. */
const BLOCK_BYTES = 64 * 1024;

/**
 * Copies every tensor's bytes into place and returns the payload CRC32C, continuing from
 * `crc` (the CRC of the header). Each block is checksummed right after it is copied.
 */
function copyData(out: Uint8Array, p: Plan, crc: number): number {
  let c = crc;
  let end = p.dataOffset;
  for (const t of p.tensors) {
    c = crc32cUpdate(c, out.subarray(end, t.dataOffset)); // zero padding
    const data = t.tensor.data;
    const src = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    for (let from = 0; from < src.length; from += BLOCK_BYTES) {
      const block = src.subarray(from, from + BLOCK_BYTES);
      out.set(block, t.dataOffset + from);
      c = crc32cUpdate(c, out.subarray(t.dataOffset + from, t.dataOffset + from + block.length));
    }
    end = t.dataOffset + src.length;
  }
  return c;
}

/**
 * Encodes `map` (in its iteration order) into one new Uint8Array. The result starts at
 * byteOffset 0 of its own buffer, so decoding it is zero-copy.
 *
 * Edge cases: an empty map encodes to a 32-byte header; zero-size tensors take no data
 * bytes; names may be any well-formed Unicode string (including "") up to 65,535 UTF-8
 * bytes. Throws `SHAPE_MISMATCH` / `DTYPE_MISMATCH` / `INVALID_ARGUMENT` for a malformed
 * tensor (see `assertValidTensor`), rank > 32 or a dim >= 2^32, a name with lone
 * surrogates, `PAYLOAD_TOO_LARGE` when the runtime cannot allocate the
 * result, and `UNSUPPORTED` on a big-endian host. Non-finite values are encoded as is.
 */
export function encodeTensorMap(map: TensorMap): Uint8Array {
  if (!HOST_LITTLE_ENDIAN)
    throw new EdgefedError('UNSUPPORTED', 'The tensor codec needs a little-endian host');
  const p = plan(map);
  let out: Uint8Array;
  try {
    out = new Uint8Array(p.totalBytes);
  } catch (cause) {
    throw new EdgefedError('PAYLOAD_TOO_LARGE', `Cannot allocate ${p.totalBytes} bytes`, { cause });
  }
  const view = new DataView(out.buffer);
  out.set(CODEC_MAGIC, HEADER.magic);
  view.setUint16(HEADER.version, CODEC_FORMAT_VERSION, true);
  view.setUint32(HEADER.tensorCount, p.tensors.length, true);
  view.setUint32(HEADER.dataOffset, p.dataOffset, true);
  writeU64(view, HEADER.totalBytes, p.totalBytes);
  view.setUint32(HEADER.headerBytes, p.headerBytes, true);
  for (const t of p.tensors) writeEntry(out, view, t);
  const headCrc = crc32cUpdate(
    crc32cUpdate(0, out.subarray(0, HEADER.checksum)),
    out.subarray(HEADER.checksum + 4, p.dataOffset),
  );
  view.setUint32(HEADER.checksum, copyData(out, p, headCrc), true);
  return out;
}

/** CRC32C of a payload: every byte except the 4-byte checksum field itself. */
export function payloadChecksum(payload: Uint8Array): number {
  const head = crc32cUpdate(0, payload.subarray(0, HEADER.checksum));
  return crc32cUpdate(head, payload.subarray(HEADER.checksum + 4));
}
