/**
 * Secure aggregation (SecAgg+) on the wire, since protocol 1.3.0: the typed task field
 * `secureAggregation` and the messages of the four phases of a secure fit task.
 *
 * 1. advertise keys: the participant sends `secagg-advertise` (two public keys); the
 *    coordinator answers every advertiser with `secagg-roster` (everyone's keys + the
 *    round's neighbour-graph seed);
 * 2. share keys: the participant sends `secagg-shares` (one encrypted share bundle per
 *    neighbour); the coordinator only routes the opaque ciphertexts and delivers each
 *    participant its `secagg-inbox`;
 * 3. masked upload: the participant uploads its masked vector with the ordinary
 *    `upload-chunk` + `result` of the fit task (raw little-endian uint32);
 * 4. unmask: the coordinator sends `secagg-unmask-request` (who survived, who dropped) and
 *    each survivor answers `secagg-unmask` with the shares it holds: self-mask shares of
 *    survivors, key shares of dropped clients (an honest client never gives both for one).
 *
 * The three participant messages are acknowledged; a refusal comes back in the ack.
 * Binary fields are Uint8Array (ArrayBuffer accepted, as for `upload-chunk`).
 */
import { z } from 'zod';
import { binarySchema, countSchema, epochMsSchema, idSchema, positiveCountSchema } from './fields.js';
import { parseSemVer } from './version.js';
import { secAggParamsSchema } from '../secagg/schemas.js';

/** Largest public key accepted (X25519 raw keys are 32 bytes; uncompressed P-256 is 65). */
export const MAX_SECAGG_KEY_BYTES = 256;
/** Largest encrypted share bundle accepted. */
export const MAX_SECAGG_CIPHERTEXT_BYTES = 4096;
/** Largest Shamir share accepted. */
export const MAX_SECAGG_SHARE_BYTES = 1024;
/** Most participants in one secure round (the roster), and most entries in any list. */
export const MAX_SECAGG_CLIENTS = 10_000;

const bounded = (max: number) =>
  binarySchema.refine((b) => b.byteLength > 0 && b.byteLength <= max, {
    message: `Expected 1..${String(max)} bytes`,
  });

const autoOr = (schema: z.ZodNumber) => z.union([schema, z.literal('auto')]);

/**
 * `task.secureAggregation` (fit tasks of a secure run): the task runs the SecAgg+ phases.
 * It carries the run's secure-aggregation config (the core's `SecAggConfig`, `'auto'` kept),
 * against which the participant checks the roster's resolved parameters, so a coordinator
 * cannot quietly lower the threshold or shrink the graph. `weighting: 'uniform'` (central
 * DP) folds weight 1 instead of the example count into the masked vector.
 */
export const secureAggregationTaskSchema = z.object({
  neighbours: autoOr(positiveCountSchema.max(MAX_SECAGG_CLIENTS)),
  threshold: autoOr(positiveCountSchema.max(MAX_SECAGG_CLIENTS)),
  clipRange: z.number().positive().max(1e9),
  maxWeight: positiveCountSchema,
  maxClients: positiveCountSchema,
  weighting: z.enum(['examples', 'uniform']),
  /** When the key-advertising phase closes (epoch ms); later messages are refused. */
  advertiseDeadline: epochMsSchema,
});

/** One participant's public keys, as the roster lists them. */
export const secAggKeysSchema = z.object({
  clientId: idSchema,
  /** Key-agreement key for encrypting shares (c). */
  cPublicKey: bounded(MAX_SECAGG_KEY_BYTES),
  /** Key-agreement key for the pairwise masks (s). */
  sPublicKey: bounded(MAX_SECAGG_KEY_BYTES),
});

/** `secagg-advertise` (participant): phase 1, this client's two public keys. Acked. */
export const secAggAdvertiseSchema = z.object({
  type: z.literal('secagg-advertise'),
  taskId: idSchema,
  cPublicKey: bounded(MAX_SECAGG_KEY_BYTES),
  sPublicKey: bounded(MAX_SECAGG_KEY_BYTES),
});

/** `secagg-roster` (coordinator): every advertiser's keys and the graph seed. */
export const secAggRosterSchema = z.object({
  type: z.literal('secagg-roster'),
  taskId: idSchema,
  round: countSchema,
  /** Seed of the round's neighbour graph and salt of the key derivations (public). */
  seed: bounded(64),
  params: secAggParamsSchema,
  clients: z.array(secAggKeysSchema).min(1).max(MAX_SECAGG_CLIENTS),
  /** When the share-keys phase closes (epoch ms). */
  deadline: epochMsSchema,
});

/** `secagg-shares` (participant): phase 2, encrypted share bundles for its neighbours. Acked. */
export const secAggSharesSchema = z.object({
  type: z.literal('secagg-shares'),
  taskId: idSchema,
  shares: z
    .array(z.object({ to: idSchema, ciphertext: bounded(MAX_SECAGG_CIPHERTEXT_BYTES) }))
    .max(MAX_SECAGG_CLIENTS),
});

/** `secagg-inbox` (coordinator): the bundles addressed to this participant. */
export const secAggInboxSchema = z.object({
  type: z.literal('secagg-inbox'),
  taskId: idSchema,
  shares: z
    .array(z.object({ from: idSchema, ciphertext: bounded(MAX_SECAGG_CIPHERTEXT_BYTES) }))
    .max(MAX_SECAGG_CLIENTS),
});

/** `secagg-unmask-request` (coordinator): phase 4, who survived and who dropped. */
export const secAggUnmaskRequestSchema = z.object({
  type: z.literal('secagg-unmask-request'),
  taskId: idSchema,
  survivors: z.array(idSchema).max(MAX_SECAGG_CLIENTS),
  dropped: z.array(idSchema).max(MAX_SECAGG_CLIENTS),
  /** When the unmask phase closes (epoch ms). */
  deadline: epochMsSchema,
});

const shareOf = z.object({ of: idSchema, share: bounded(MAX_SECAGG_SHARE_BYTES) });

/** `secagg-unmask` (participant): the shares asked for. Acked. */
export const secAggUnmaskSchema = z.object({
  type: z.literal('secagg-unmask'),
  taskId: idSchema,
  selfMaskShares: z.array(shareOf).max(MAX_SECAGG_CLIENTS),
  keyShares: z.array(shareOf).max(MAX_SECAGG_CLIENTS),
});

/** A parsed `task.secureAggregation`. */
export type SecureAggregationTask = z.infer<typeof secureAggregationTaskSchema>;
/** A parsed `secagg-advertise`. */
export type SecAggAdvertiseMessage = z.infer<typeof secAggAdvertiseSchema>;
/** A parsed `secagg-roster`. */
export type SecAggRosterMessage = z.infer<typeof secAggRosterSchema>;
/** A parsed `secagg-shares`. */
export type SecAggSharesMessage = z.infer<typeof secAggSharesSchema>;
/** A parsed `secagg-inbox`. */
export type SecAggInboxMessage = z.infer<typeof secAggInboxSchema>;
/** A parsed `secagg-unmask-request`. */
export type SecAggUnmaskRequestMessage = z.infer<typeof secAggUnmaskRequestSchema>;
/** A parsed `secagg-unmask`. */
export type SecAggUnmaskMessage = z.infer<typeof secAggUnmaskSchema>;

/** The first protocol version with secure aggregation. */
export const SECURE_AGGREGATION_SINCE = '1.3.0';

/**
 * True when a `hello` shows a participant that can take part in a secure run: it speaks
 * protocol {@link SECURE_AGGREGATION_SINCE} or newer (same major) AND announces
 * `capabilities.secureAggregation: true`. A 1.2 peer, or one without the capability, is
 * never selected for a secure round.
 */
export function helloSupportsSecureAggregation(hello: {
  readonly protocolVersion: string;
  readonly capabilities: { readonly secureAggregation?: boolean | undefined };
}): boolean {
  const v = parseSemVer(hello.protocolVersion);
  const since = parseSemVer(SECURE_AGGREGATION_SINCE);
  if (v === undefined || since === undefined || v.major !== since.major) return false;
  return v.minor >= since.minor && hello.capabilities.secureAggregation === true;
}
