/**
 * Messages both sides send: `error` (a peer sent something wrong, or an operation failed)
 * and `heartbeat` (liveness; updates the coordinator's last-seen time).
 */
import { z } from 'zod';
import { isErrorCode, type ErrorCode } from '../errors.js';
import { epochMsSchema } from './fields.js';

/**
 * An error code on the wire. Codes only ever get added, so a code this build does not know
 * (from a newer peer) is read as `INTERNAL` rather than rejecting the whole message.
 */
export const errorCodeSchema = z
  .string()
  .min(1)
  .max(64)
  .transform((c): ErrorCode => (isErrorCode(c) ? c : 'INTERNAL'));

/**
 * `error`: `code` is stable (see ERROR_CODES), `message` is for people. `correlationId`
 * names what the error is about: a task id, payload id, or the offending event name.
 */
export const errorMessageSchema = z.object({
  type: z.literal('error'),
  code: errorCodeSchema,
  message: z.string().max(4096),
  details: z.record(z.string(), z.unknown()).optional(),
  correlationId: z.string().min(1).max(256).optional(),
});

/** `heartbeat`: `sentAt` is the sender's clock (ms since epoch). */
export const heartbeatSchema = z.object({
  type: z.literal('heartbeat'),
  sentAt: epochMsSchema,
});

/** A parsed `error`. */
export type ErrorMessage = z.infer<typeof errorMessageSchema>;
/** An `error` as a sender writes it. */
export type ErrorMessageInput = z.input<typeof errorMessageSchema>;
/** A parsed `heartbeat`. */
export type HeartbeatMessage = z.infer<typeof heartbeatSchema>;
