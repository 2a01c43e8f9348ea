/**
 * Messages the coordinator sends to a participant: `welcome`, `task`, `cancel` (the
 * secure-aggregation ones are in secagg-messages.ts).
 * (`error` and `heartbeat` go both ways; see common-messages.ts.)
 */
import { z } from 'zod';
import {
  checksumSchema,
  countSchema,
  epochMsSchema,
  idSchema,
  positiveCountSchema,
  MAX_MODEL_SPEC_CHARS,
  scalarRecordSchema,
} from './fields.js';
import { compressionSpecSchema } from '../compression/compression-spec.js';
import { secureAggregationTaskSchema } from './secagg-messages.js';

/** Limits the coordinator enforces; a participant must stay within them. */
export const limitsSchema = z.object({
  /** Largest socket.io message (socket.io `maxHttpBufferSize`). */
  maxMessageBytes: positiveCountSchema,
  /** Largest `data` of one `upload-chunk`. */
  maxChunkBytes: positiveCountSchema,
  /** How often the participant should send `heartbeat`. */
  heartbeatIntervalMs: positiveCountSchema,
  /** How long after a disconnect the identity can still be resumed. */
  resumeGraceMs: countSchema,
});

/**
 * `welcome`: the answer to a valid `hello`. Carries the (possibly new) client id and a
 * fresh resume token; every resume rotates the token, so only the latest one works.
 */
export const welcomeSchema = z.object({
  type: z.literal('welcome'),
  clientId: idSchema,
  resumeToken: z.string().min(1).max(256),
  /** True when the resume token was accepted and the identity kept. */
  resumed: z.boolean(),
  protocolVersion: z.string().min(1).max(64),
  serverTime: epochMsSchema,
  limits: limitsSchema,
});

/**
 * `task`: work for one participant in one round. The model's parameters are downloaded
 * over HTTP from `modelUrl` and must hash to `modelHash`; `modelSpec` says what model they
 * belong to. Results after `deadline` are rejected.
 *
 * Since protocol 1.2.0 the settings edgefed itself needs are typed fields — `modelSpec`,
 * `compression`, `seed` — and `config` holds only the strategy's (and the run's
 * `taskConfig`) settings, so no user key can collide with them.
 */
export const taskSchema = z.object({
  type: z.literal('task'),
  runId: idSchema,
  round: countSchema,
  taskId: idSchema,
  kind: z.enum(['fit', 'evaluate']),
  modelVersion: countSchema,
  modelHash: checksumSchema,
  modelUrl: z.string().min(1).max(2048),
  hyperParameters: scalarRecordSchema,
  deadline: epochMsSchema,
  /** The model spec as JSON text (an imported ONNX model embeds its bytes, base64). */
  modelSpec: z.string().min(1).max(MAX_MODEL_SPEC_CHARS),
  /** How a fit task's update is compressed before upload; absent: `{ method: 'none' }`. */
  compression: compressionSpecSchema.optional(),
  /** The run's seed (local shuffling and dropout masks mix it with the round); absent: 0. */
  seed: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
  /**
   * Fit tasks of a secure run (since 1.3.0): run the SecAgg+ phases and upload the masked
   * vector instead of the update (see secagg-messages.ts). Absent: an ordinary fit task.
   */
  secureAggregation: secureAggregationTaskSchema.optional(),
  /** Strategy-specific settings (scalars; strings up to 4096 characters). */
  config: scalarRecordSchema,
});

/** `cancel`: stop a task (round closed, deadline passed, run stopped); no result expected. */
export const cancelSchema = z.object({
  type: z.literal('cancel'),
  taskId: idSchema,
  reason: z.string().min(1).max(1024),
});

/** Coordinator limits. */
export type Limits = z.infer<typeof limitsSchema>;
/** A parsed `welcome`. */
export type WelcomeMessage = z.infer<typeof welcomeSchema>;
/** A parsed `task`. */
export type TaskMessage = z.infer<typeof taskSchema>;
/** A parsed `cancel`. */
export type CancelMessage = z.infer<typeof cancelSchema>;
