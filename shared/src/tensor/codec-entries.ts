/**
 * Parses and validates the tensor entries of an encoded TensorMap header. Everything a
 * decoder later trusts (offsets, lengths, shapes, names) is checked here against the
 * canonical layout, so a payload is accepted only in the exact form the encoder writes.
 */
import { EdgefedError } from '../errors.js';
import {
  alignUp,
  CODEC_ALIGNMENT,
  DTYPE_BY_CODE,
  ENTRY,
  ENTRY_FIXED_BYTES,
  FIXED_HEADER_BYTES,
  MAX_RANK,
} from './codec-format.js';
import { DTYPE_BYTES, type DType } from './tensor.js';

/** One validated tensor entry. Offsets are relative to the payload start. */
export interface EntryInfo {
  readonly name: string;
  readonly dtype: DType;
  readonly shape: number[];
  readonly scale: number;
  readonly elementBytes: number;
  readonly dataOffset: number;
  readonly dataBytes: number;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function corrupt(message: string): never {
  throw new EdgefedError('CORRUPT_PAYLOAD', message);
}

function readU64(view: DataView, at: number): number {
  const hi = view.getUint32(at + 4, true);
  if (hi > 0x1fffff) corrupt(`64-bit field at ${at} is beyond 2^53`);
  return hi * 0x100000000 + view.getUint32(at, true);
}

function assertZero(bytes: Uint8Array, from: number, to: number, what: string): void {
  for (let i = from; i < to; i++) if (bytes[i] !== 0) corrupt(`Non-zero ${what} padding at byte ${i}`);
}

function readName(bytes: Uint8Array, at: number, length: number): string {
  try {
    return utf8.decode(bytes.subarray(at, at + length));
  } catch {
    return corrupt(`Tensor name at byte ${at} is not valid UTF-8`);
  }
}

function readShape(view: DataView, at: number, rank: number): { shape: number[]; elements: number } {
  const shape: number[] = [];
  let elements = 1;
  for (let i = 0; i < rank; i++) {
    const d = view.getUint32(at + 4 * i, true);
    shape.push(d);
    elements *= d;
  }
  if (!Number.isSafeInteger(elements)) corrupt(`Shape [${shape.join(', ')}] has an absurd element count`);
  return { shape, elements };
}

function readScale(view: DataView, at: number, dtype: DType): number {
  const scale = view.getFloat64(at, true);
  if (dtype === 'int8') {
    if (!Number.isFinite(scale) || scale < 0) corrupt(`int8 scale ${scale} is not finite and >= 0`);
  } else if (view.getUint32(at, true) !== 0 || view.getUint32(at + 4, true) !== 0) {
    corrupt(`A ${dtype} tensor carries a scale`);
  }
  return scale;
}

/** Reads one entry at `at`; returns it and the offset of the next entry. */
function readEntry(
  bytes: Uint8Array,
  view: DataView,
  at: number,
  limits: { headerBytes: number; dataStart: number },
): { entry: EntryInfo; next: number } {
  if (at + ENTRY_FIXED_BYTES > limits.headerBytes) corrupt(`Tensor entry at ${at} runs past the header`);
  const dtype = DTYPE_BY_CODE[view.getUint8(at + ENTRY.dtype)] ?? corrupt(`Unknown dtype code at ${at}`);
  const rank = view.getUint8(at + ENTRY.rank);
  const nameBytes = view.getUint16(at + ENTRY.nameBytes, true);
  if (rank > MAX_RANK) corrupt(`Rank ${rank} exceeds ${MAX_RANK}`);
  if (view.getUint32(at + ENTRY.reserved, true) !== 0) corrupt(`Reserved entry field at ${at} is not zero`);
  const nameAt = at + ENTRY.dims + 4 * rank;
  const next = alignUp(nameAt + nameBytes, 8);
  if (next > limits.headerBytes) corrupt(`Tensor entry at ${at} runs past the header`);
  assertZero(bytes, nameAt + nameBytes, next, 'entry');
  const scale = readScale(view, at + ENTRY.scale, dtype);
  const { shape, elements } = readShape(view, at + ENTRY.dims, rank);
  const elementBytes = DTYPE_BYTES[dtype];
  const dataBytes = readU64(view, at + ENTRY.dataBytes);
  if (dataBytes !== elements * elementBytes) corrupt(`Data length ${dataBytes} does not match the shape`);
  const dataOffset = readU64(view, at + ENTRY.dataOffset);
  if (dataOffset !== alignUp(limits.dataStart, CODEC_ALIGNMENT)) {
    corrupt(`Tensor data at ${dataOffset} is misplaced (expected ${alignUp(limits.dataStart, 16)})`);
  }
  const name = readName(bytes, nameAt, nameBytes);
  return { entry: { name, dtype, shape, scale, elementBytes, dataOffset, dataBytes }, next };
}

/**
 * Reads `count` entries that must exactly fill the header up to `headerBytes`, with data
 * laid out back to back (each start aligned to 16) and ending exactly at the payload end.
 * Throws `CORRUPT_PAYLOAD` for anything else, including duplicate names.
 */
export function readEntries(
  bytes: Uint8Array,
  view: DataView,
  header: { count: number; headerBytes: number },
): EntryInfo[] {
  const entries: EntryInfo[] = [];
  const names = new Set<string>();
  const dataOffset = alignUp(header.headerBytes, CODEC_ALIGNMENT);
  let cursor = FIXED_HEADER_BYTES;
  let dataEnd = dataOffset;
  for (let i = 0; i < header.count; i++) {
    const { entry, next } = readEntry(bytes, view, cursor, {
      headerBytes: header.headerBytes,
      dataStart: dataEnd,
    });
    if (names.has(entry.name)) corrupt(`Duplicate tensor name "${entry.name}"`);
    if (entry.dataOffset + entry.dataBytes > bytes.length)
      corrupt(`Tensor "${entry.name}" runs past the end`);
    assertZero(bytes, dataEnd, entry.dataOffset, 'data');
    names.add(entry.name);
    entries.push(entry);
    cursor = next;
    dataEnd = entry.dataOffset + entry.dataBytes;
  }
  if (cursor !== header.headerBytes) corrupt(`Header has ${header.headerBytes - cursor} unexplained bytes`);
  assertZero(bytes, header.headerBytes, dataOffset, 'header');
  if (dataEnd !== bytes.length) corrupt(`Payload has ${bytes.length - dataEnd} bytes after the last tensor`);
  return entries;
}
