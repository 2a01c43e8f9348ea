/**
 * Zod schemas for the secure-aggregation messages as they arrive off the wire (socket.io delivers
 * binary as Uint8Array in Node and ArrayBuffer in browsers; both are accepted), for the protocol
 * layer to embed, and the word/byte conversions a masked input needs to travel as bytes.
 * Sizes are exact where the format fixes them: 32-byte keys and seeds, 98-byte share ciphertexts
 * (12-byte IV, 70-byte plaintext, 16-byte tag), 35-byte Shamir shares.
 */
import { z } from 'zod';
import { binarySchema, countSchema, idSchema } from '../protocol/fields.js';
import { MAX_NEIGHBOURS } from './config.js';
import { SHARE_BYTES } from './shamir.js';

/** Bytes of an encrypted share: IV (12) + two Shamir shares (70) + GCM tag (16). */
export const SHARE_CIPHERTEXT_BYTES = 12 + 2 * SHARE_BYTES + 16;

/** Most clients a roster or an unmask request may list. */
export const MAX_ROSTER_CLIENTS = 1_000_000;

const bytes = (length: number) =>
  binarySchema.refine((b) => b.length === length, { message: `Expected exactly ${length} bytes` });

/** A masked input's words as little-endian bytes (a view, no copy). */
export function wordsToBytes(words: Uint32Array): Uint8Array {
  return new Uint8Array(words.buffer, words.byteOffset, words.byteLength);
}

/** Little-endian bytes (a multiple of 4) as words; copies only when the view is unaligned. */
export function bytesToWords(bytes: Uint8Array): Uint32Array {
  if (bytes.length % 4 !== 0) throw new RangeError(`${bytes.length} bytes are not whole 32-bit words`);
  if (bytes.byteOffset % 4 === 0) return new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
  return new Uint32Array(bytes.slice().buffer);
}

/** {@link AdvertiseKeys} on the wire. */
export const advertiseKeysSchema = z.object({
  clientId: idSchema,
  cPublicKey: bytes(32),
  sPublicKey: bytes(32),
});

/** {@link SecAggParams} on the wire. */
export const secAggParamsSchema = z.object({
  neighbours: z.number().int().gte(2).lte(MAX_NEIGHBOURS),
  threshold: z.number().int().gte(2).lte(MAX_NEIGHBOURS),
  clipRange: z.number().gt(0).lte(1e6),
  maxWeight: z.number().int().gte(1).lte(0xffffffff),
  maxClients: z.number().int().gte(3).lte(MAX_ROSTER_CLIENTS),
});

/** {@link Roster} on the wire. */
export const rosterSchema = z.object({
  round: countSchema,
  seed: bytes(32),
  params: secAggParamsSchema,
  clients: z.array(advertiseKeysSchema).max(MAX_ROSTER_CLIENTS),
});

/** {@link EncryptedShare} on the wire. */
export const encryptedShareSchema = z.object({
  from: idSchema,
  to: idSchema,
  ciphertext: bytes(SHARE_CIPHERTEXT_BYTES),
});

/** {@link MaskedInput} on the wire: `masked` travels as bytes and is parsed into words. */
export const maskedInputSchema = z.object({
  clientId: idSchema,
  masked: z
    .union([z.instanceof(Uint32Array), binarySchema])
    .refine((m) => m instanceof Uint32Array || m.length % 4 === 0, { message: 'Expected whole 32-bit words' })
    .transform((m) => (m instanceof Uint32Array ? m : bytesToWords(m))),
});

/** {@link UnmaskRequest} on the wire. */
export const unmaskRequestSchema = z.object({
  survivors: z.array(idSchema).max(MAX_ROSTER_CLIENTS),
  dropped: z.array(idSchema).max(MAX_ROSTER_CLIENTS),
});

const shareOfSchema = z.object({ of: idSchema, share: bytes(SHARE_BYTES) });

/** {@link UnmaskResponse} on the wire. */
export const unmaskResponseSchema = z.object({
  clientId: idSchema,
  selfMaskShares: z.array(shareOfSchema).max(MAX_NEIGHBOURS + 1),
  keyShares: z.array(shareOfSchema).max(MAX_NEIGHBOURS + 1),
});
