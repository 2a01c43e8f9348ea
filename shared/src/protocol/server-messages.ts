/**
 * Messages the coordinator sends to a participant: `welcome`, `task`, `cancel`.
 * (`error` and `heartbeat` go both ways; see common-messages.ts.)
 */
import { z } from 'zod';
import {
  checksumSchema,
  countSchema,
  epochMsSchema,
  idSchema,
  positiveCountSchema,
  scalarRecordSchema,
  taskConfigSchema,
} from './fields.js';

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
 * `task`: work for one participant in one round. The model is downloaded over HTTP from
 * `modelUrl` and must hash to `modelHash`. Results after `deadline` are rejected.
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
  config: taskConfigSchema,
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
