/**
 * Checksum strings on the wire are `algorithm:hex`; uploads use CRC32C (`crc32c:1a2b3c4d`).
 */
import { EdgefedError } from '@edgefed/shared';

/** Formats a CRC32C value as `crc32c:xxxxxxxx`. */
export function formatCrc32c(value: number): string {
  return `crc32c:${(value >>> 0).toString(16).padStart(8, '0')}`;
}

/** Parses `crc32c:xxxxxxxx`; any other algorithm or form throws `INVALID_MESSAGE`. */
export function parseCrc32c(checksum: string): number {
  const m = /^crc32c:([0-9a-f]{8})$/.exec(checksum);
  if (m?.[1] === undefined)
    throw new EdgefedError('INVALID_MESSAGE', `Expected a crc32c checksum, got "${checksum}"`);
  return Number.parseInt(m[1], 16);
}
