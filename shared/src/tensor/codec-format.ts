/**
 * Constants of the binary TensorMap format ("EFTM", version 1); docs/codec.md has the
 * byte layout table. Every multi-byte field is little-endian.
 */
import type { DType } from './tensor.js';

/** The four magic bytes every encoded TensorMap starts with: ASCII "EFTM". */
export const CODEC_MAGIC: readonly number[] = [0x45, 0x46, 0x54, 0x4d];

/** The format version this code writes and the only one it reads. */
export const CODEC_FORMAT_VERSION = 1;

/** Tensor data starts at offsets that are multiples of this, counted from the payload start. */
export const CODEC_ALIGNMENT = 16;

/** Size of the fixed header at the start of every payload. */
export const FIXED_HEADER_BYTES = 32;

/** Size of the fixed part of a tensor entry (dims and name follow it). */
export const ENTRY_FIXED_BYTES = 32;

/** Largest rank a tensor may have. */
export const MAX_RANK = 32;

/** Longest tensor name, in UTF-8 bytes. */
export const MAX_NAME_BYTES = 0xffff;

/** Largest dimension a shape may hold (dims are stored as u32). */
export const MAX_DIM = 0xffffffff;

/** Decode limit used when the caller sets none: 1 GiB. */
export const DEFAULT_MAX_DECODE_BYTES = 1 << 30;

/** Byte offsets of the fixed header fields. */
export const HEADER = {
  magic: 0,
  version: 4,
  flags: 6,
  tensorCount: 8,
  dataOffset: 12,
  totalBytes: 16,
  checksum: 24,
  headerBytes: 28,
} as const;

/** Byte offsets of a tensor entry's fixed fields, relative to the entry start. */
export const ENTRY = {
  dtype: 0,
  rank: 1,
  nameBytes: 2,
  reserved: 4,
  scale: 8,
  dataOffset: 16,
  dataBytes: 24,
  dims: 32,
} as const;

/** Wire code of each dtype. */
export const DTYPE_CODES: Readonly<Record<DType, number>> = { float32: 1, float16: 2, int8: 3 };

/** The dtype of each wire code (index = code). */
export const DTYPE_BY_CODE: readonly (DType | undefined)[] = [undefined, 'float32', 'float16', 'int8'];

/**
 * Every code `decodeTensorMap` throws for bad bytes (a non-Uint8Array argument or bad
 * options give `INVALID_ARGUMENT`; a big-endian host gives `UNSUPPORTED`).
 */
export const CODEC_ERROR_CODES = [
  'BAD_MAGIC',
  'UNSUPPORTED_FORMAT_VERSION',
  'TRUNCATED_PAYLOAD',
  'PAYLOAD_TOO_LARGE',
  'CHECKSUM_MISMATCH',
  'CORRUPT_PAYLOAD',
] as const;

/** One of {@link CODEC_ERROR_CODES}. */
export type CodecErrorCode = (typeof CODEC_ERROR_CODES)[number];

/** Rounds `n` up to a multiple of `to` (a power of two). */
export function alignUp(n: number, to: number): number {
  return Math.ceil(n / to) * to;
}

/** True on little-endian hosts (all current browsers and Node platforms). */
export const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
