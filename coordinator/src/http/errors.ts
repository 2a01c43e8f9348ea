/**
 * HTTP error mapping: every REST error is `{ error: { code, message, details? } }` with a
 * status derived from the stable EdgefedError code.
 */
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { EdgefedError, toEdgefedError, type ErrorCode } from '@edgefed/shared';
import type { Logger } from '../observability/logger.js';

const STATUS: Partial<Record<ErrorCode, number>> = {
  INVALID_ARGUMENT: 400,
  INVALID_MESSAGE: 400,
  INVALID_CONFIG: 400,
  INVALID_MODEL: 400,
  UNSUPPORTED_OP: 400,
  SHAPE_MISMATCH: 400,
  DTYPE_MISMATCH: 400,
  NAME_MISMATCH: 400,
  NON_FINITE: 400,
  CORRUPT_PAYLOAD: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  ALREADY_EXISTS: 409,
  CONFLICT: 409,
  FAILED_PRECONDITION: 409,
  RUN_NOT_ACTIVE: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED: 415,
  RATE_LIMITED: 429,
  UNAVAILABLE: 503,
  TIMEOUT: 504,
};

/** HTTP status for an error code (500 for codes without a specific status). */
export function httpStatusFor(code: ErrorCode): number {
  return STATUS[code] ?? 500;
}

/** Express error handler: converts anything thrown into the JSON error form. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err: unknown, _req, res, _next) => {
    // body-parser errors carry `type` and `status`
    const bp = err as { type?: string; status?: number };
    let e: EdgefedError;
    if (bp.type === 'entity.too.large')
      e = new EdgefedError('PAYLOAD_TOO_LARGE', 'Request body is too large');
    else if (bp.type === 'entity.parse.failed')
      e = new EdgefedError('INVALID_ARGUMENT', 'Request body is not valid JSON');
    else e = toEdgefedError(err);
    const status = httpStatusFor(e.code);
    if (status >= 500) logger.error({ err }, 'request failed');
    res.status(status).json({ error: e.toWire() });
  };
}

/** 404 for any unmatched `/api` route, in the same JSON error form. */
export const notFoundHandler: RequestHandler = (req, res) => {
  const e = new EdgefedError('NOT_FOUND', `No route ${req.method} ${req.path}`);
  res.status(404).json({ error: e.toWire() });
};
