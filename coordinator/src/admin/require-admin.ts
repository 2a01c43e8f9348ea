/**
 * Admin authentication for the REST API: `Authorization: Bearer <admin token>`. (The
 * dashboard's cookie session plugs in through `sessionCheck`.)
 */
import type { RequestHandler } from 'express';
import { EdgefedError } from '@edgefed/shared';
import { adminTokenMatches } from '../auth/join-token.js';

/** Extracts the bearer token of a request, if any. */
export function bearerToken(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const m = /^Bearer\s+(\S+)$/i.exec(header);
  return m?.[1];
}

/** Middleware that lets a request through only with the admin token (or a valid session). */
export function requireAdmin(
  adminToken: string,
  sessionCheck?: (cookieHeader: string | undefined) => boolean,
): RequestHandler {
  return (req, _res, next) => {
    if (adminTokenMatches(bearerToken(req.headers.authorization), adminToken)) {
      next();
      return;
    }
    if (sessionCheck?.(req.headers.cookie) === true) {
      next();
      return;
    }
    next(new EdgefedError('UNAUTHORIZED', 'Admin token or session required'));
  };
}
