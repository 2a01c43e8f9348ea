/**
 * Wire-level helpers of the participant connection: which coordinator errors end the
 * connection, and turning a wire error back into an EdgefedError. (Validation of inbound
 * messages and acknowledgements is the channel's, see shared's protocol/channel.)
 */
import { fromWireError, type EdgefedError, type ErrorCode } from '@edgefed/shared';

/** Errors before `welcome` after which a retry can help; any other one ends the connection. */
const RETRYABLE_BEFORE_WELCOME: ReadonlySet<ErrorCode> = new Set([
  'TIMEOUT',
  'UNAVAILABLE',
  'INTERNAL',
  'RATE_LIMITED',
]);
/** Errors after `welcome` that end the connection (the coordinator closes it too). */
const FATAL_AFTER_WELCOME: ReadonlySet<ErrorCode> = new Set([
  'CONFLICT',
  'UNAUTHORIZED',
  'FORBIDDEN',
  'PROTOCOL_VERSION',
]);

/**
 * Whether an `error` from the coordinator ends the connection for good (no reconnect):
 * before `welcome` every code but the retryable ones; after it, the fatal ones.
 */
export function endsConnection(code: ErrorCode, greeted: boolean): boolean {
  return greeted ? FATAL_AFTER_WELCOME.has(code) : !RETRYABLE_BEFORE_WELCOME.has(code);
}

/** Rebuilds an EdgefedError from a parsed wire error (absent details stay absent). */
export function wireError(wire: {
  code: ErrorCode;
  message: string;
  details?: Record<string, unknown> | undefined;
}): EdgefedError {
  const { code, message, details } = wire;
  return fromWireError(details === undefined ? { code, message } : { code, message, details });
}
