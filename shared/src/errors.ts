/**
 * EdgefedError: the one error type edgefed throws, with a stable string code.
 *
 * Codes are part of the public API and of the wire protocol (`error` messages carry them):
 * never rename one; add new ones at the end of their group.
 */

/** Every error code edgefed uses, grouped by area. */
export const ERROR_CODES = [
  // generic
  'INTERNAL',
  'INVALID_ARGUMENT',
  'NOT_FOUND',
  'ALREADY_EXISTS',
  'ABORTED',
  'TIMEOUT',
  'UNAVAILABLE',
  'CONFLICT',
  'FAILED_PRECONDITION',
  'UNSUPPORTED',
  // protocol and transport
  'PROTOCOL_VERSION',
  'INVALID_MESSAGE',
  'UNKNOWN_MESSAGE_TYPE',
  'UNAUTHORIZED',
  'FORBIDDEN',
  'RATE_LIMITED',
  'PAYLOAD_TOO_LARGE',
  'STALE_ROUND',
  'UNKNOWN_TASK',
  'DUPLICATE_RESULT',
  'DEADLINE_EXCEEDED',
  'CANCELLED',
  // tensors and codec
  'SHAPE_MISMATCH',
  'DTYPE_MISMATCH',
  'NAME_MISMATCH',
  'NON_FINITE',
  'CORRUPT_PAYLOAD',
  'TRUNCATED_PAYLOAD',
  'CHECKSUM_MISMATCH',
  'BAD_MAGIC',
  'UNSUPPORTED_FORMAT_VERSION',
  'DUPLICATE_CHUNK',
  'MISSING_CHUNK',
  // training and models
  'INVALID_MODEL',
  'UNSUPPORTED_OP',
  'BACKEND_UNAVAILABLE',
  'TRAINING_FAILED',
  /** The device's participation policy (consent, page visible, charging, ...) does not hold. */
  'NOT_ELIGIBLE',
  // coordinator
  'QUORUM_NOT_MET',
  'RUN_NOT_ACTIVE',
  'STORE_ERROR',
  'INVALID_CONFIG',
  // datasets
  /** A dataset is not on this machine and could not be provisioned (e.g. offline). */
  'DATASET_MISSING',
  /** A fit result claims more examples than the client declared in `hello` (its FedAvg weight). */
  'EXAMPLE_COUNT_EXCEEDED',
  /** FedBuff: an update's base model is more versions behind the current one than `maxStaleness`. */
  'STALE_UPDATE',
  // secure aggregation (shared/src/secagg)
  /** Fewer Shamir shares than the threshold: the secret cannot be rebuilt. */
  'SECAGG_TOO_FEW_SHARES',
  /** Too few clients left in some neighbourhood (or overall) to finish a secure round. */
  'SECAGG_TOO_FEW_SURVIVORS',
  /** An unmask request that would reveal both secrets of one client; honest clients refuse. */
  'SECAGG_CONFLICTING_REQUEST',
  /** A secure-aggregation message that is malformed or inconsistent with the round. */
  'SECAGG_BAD_MESSAGE',
  /** An encrypted share failed AES-GCM authentication (tampered, misrouted or replayed). */
  'SECAGG_DECRYPT_FAILED',
  /** An upload declares more bytes than its task's model can encode to at the task's compression. */
  'UPLOAD_TOO_LARGE',
] as const;

/** A stable, machine-readable error code. */
export type ErrorCode = (typeof ERROR_CODES)[number];

const CODE_SET: ReadonlySet<string> = new Set(ERROR_CODES);

/** True when `value` is one of {@link ERROR_CODES}. */
export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && CODE_SET.has(value);
}

/** Extra, JSON-serializable context attached to an error. */
export type ErrorDetails = Readonly<Record<string, unknown>>;

/** Options for {@link EdgefedError}. */
export interface EdgefedErrorOptions {
  /** JSON-serializable context (names, shapes, limits) that helps the reader act. */
  readonly details?: ErrorDetails;
  /** The underlying error, when this one wraps another. */
  readonly cause?: unknown;
}

/**
 * The error edgefed throws. `code` is stable; `message` is for people and may change.
 * `details` must stay JSON-serializable because errors cross the wire.
 */
export class EdgefedError extends Error {
  override readonly name = 'EdgefedError';
  readonly code: ErrorCode;
  readonly details: ErrorDetails | undefined;

  constructor(code: ErrorCode, message: string, options: EdgefedErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = options.details;
  }

  /** The wire form sent in an `error` message. */
  toWire(): WireError {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }
}

/** The JSON form of an error as it travels in an `error` message or a REST response. */
export interface WireError {
  readonly code: ErrorCode;
  readonly message: string;
  readonly details?: ErrorDetails;
}

/** True when `value` is an {@link EdgefedError} (optionally with the given code). */
export function isEdgefedError(value: unknown, code?: ErrorCode): value is EdgefedError {
  return value instanceof EdgefedError && (code === undefined || value.code === code);
}

/**
 * Turns any thrown value into an EdgefedError. EdgefedErrors pass through unchanged;
 * AbortErrors become `ABORTED` (or `TIMEOUT` for a TimeoutError); anything else becomes
 * `INTERNAL`, keeping the original as `cause`.
 */
export function toEdgefedError(value: unknown, fallback: ErrorCode = 'INTERNAL'): EdgefedError {
  if (value instanceof EdgefedError) return value;
  if (value instanceof Error) {
    if (value.name === 'TimeoutError') return new EdgefedError('TIMEOUT', value.message, { cause: value });
    if (value.name === 'AbortError') return new EdgefedError('ABORTED', value.message, { cause: value });
    return new EdgefedError(fallback, value.message, { cause: value });
  }
  return new EdgefedError(fallback, typeof value === 'string' ? value : 'Unknown error', { cause: value });
}

/** Rebuilds an EdgefedError from its wire form; an unknown code becomes `INTERNAL`. */
export function fromWireError(wire: { code: string; message: string; details?: ErrorDetails }): EdgefedError {
  const code: ErrorCode = isErrorCode(wire.code) ? wire.code : 'INTERNAL';
  return wire.details === undefined
    ? new EdgefedError(code, wire.message)
    : new EdgefedError(code, wire.message, { details: wire.details });
}
