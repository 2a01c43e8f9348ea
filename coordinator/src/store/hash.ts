/**
 * SHA-256 content hashes: how blobs are named and how checkpoints point at them.
 */
import { createHash } from 'node:crypto';

const SHA256_HEX = /^[0-9a-f]{64}$/;

/** Lower-case hex SHA-256 of `data` (64 characters). */
export function sha256Hex(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * True when `value` is a lower-case 64-character hex string. Upper-case hex is rejected
 * on purpose: one blob has exactly one name, and names are safe as file names.
 */
export function isSha256Hex(value: unknown): value is string {
  return typeof value === 'string' && SHA256_HEX.test(value);
}
