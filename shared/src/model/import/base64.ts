/**
 * Standard base64 (RFC 4648, with padding) for ONNX bytes embedded in a JSON model spec.
 * Written out because `shared` runs where neither Node's Buffer nor the DOM is typed.
 */
import { EdgefedError } from '../../errors.js';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const INDEX = new Map(Array.from({ length: 64 }, (_, i) => [ALPHABET.charAt(i), i] as const));

/** Encodes bytes as base64. */
export function toBase64(bytes: Uint8Array): string {
  const parts: string[] = [];
  for (let i = 0; i < bytes.length; i += 3) {
    const n = ((bytes[i] ?? 0) << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    const left = bytes.length - i;
    parts.push(
      (ALPHABET[(n >> 18) & 63] ?? '') +
        (ALPHABET[(n >> 12) & 63] ?? '') +
        (left > 1 ? (ALPHABET[(n >> 6) & 63] ?? '') : '=') +
        (left > 2 ? (ALPHABET[n & 63] ?? '') : '='),
    );
  }
  return parts.join('');
}

/** Decodes base64 (whitespace ignored). Throws `CORRUPT_PAYLOAD` for other characters. */
export function fromBase64(text: string): Uint8Array {
  const s = text.replace(/\s+/g, '').replace(/=+$/, '');
  const out = new Uint8Array(Math.floor((s.length * 3) / 4));
  let acc = 0;
  let bits = 0;
  let o = 0;
  for (const ch of s) {
    const v = INDEX.get(ch);
    if (v === undefined) throw new EdgefedError('CORRUPT_PAYLOAD', `Invalid base64 character "${ch}"`);
    acc = ((acc << 6) | v) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
    }
  }
  return out.subarray(0, o);
}
