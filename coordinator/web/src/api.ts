/**
 * The page's REST client: same-origin fetch with the session cookie, the CSRF header on
 * every state-changing call, and the API's `{ error: { code, message, details } }` turned
 * into an {@link ApiError} the page shows as it is.
 */
import type { WireError } from './types.js';

/** A failed API call, with the server's stable code (or NETWORK when it did not answer). */
export class ApiError extends Error {
  readonly code: string;
  readonly status: number;
  readonly details: Record<string, unknown> | undefined;

  constructor(status: number, wire: WireError) {
    super(wire.message);
    this.name = 'ApiError';
    this.code = wire.code;
    this.status = status;
    this.details = wire.details;
  }

  /** Validation issues (`details.issues`) as `path: message` lines. */
  issues(): string[] {
    const raw = this.details?.issues;
    if (!Array.isArray(raw)) return [];
    return raw.map((i: unknown) => {
      const { path, message } = i as { path?: unknown; message?: unknown };
      const p = Array.isArray(path) ? path.join('.') : typeof path === 'string' ? path : '';
      return `${p === '' ? '' : `${p}: `}${typeof message === 'string' ? message : 'invalid'}`;
    });
  }
}

let csrfToken = '';
const unauthorizedListeners = new Set<() => void>();

/** Sets the CSRF token sent with every non-GET call (from sign-in or `GET /api/session`). */
export function setCsrfToken(token: string): void {
  csrfToken = token;
}

/** Calls `listener` whenever an API call answers 401 (the session is gone). */
export function onUnauthorized(listener: () => void): () => void {
  unauthorizedListeners.add(listener);
  return () => unauthorizedListeners.delete(listener);
}

async function readError(res: Response): Promise<ApiError> {
  try {
    const body = (await res.json()) as { error?: WireError };
    if (body.error !== undefined) return new ApiError(res.status, body.error);
  } catch {
    // not JSON: fall through
  }
  return new ApiError(res.status, {
    code: 'HTTP_' + String(res.status),
    message: res.statusText || 'Request failed',
  });
}

async function request(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<Response> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (method !== 'GET') headers['X-Edgefed-CSRF'] = csrfToken;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers,
      credentials: 'same-origin',
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch (err) {
    throw new ApiError(0, { code: 'NETWORK', message: `The coordinator did not answer (${String(err)})` });
  }
  if (!res.ok) {
    const e = await readError(res);
    if (res.status === 401 && path !== '/api/session') for (const l of unauthorizedListeners) l();
    throw e;
  }
  return res;
}

/** Calls the API; resolves with the parsed JSON (undefined for 204), rejects with ApiError. */
export async function api<T>(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<T> {
  const res = await request(method, path, body);
  if (res.status === 204) return undefined as T;
  return (await res.json()) as T;
}

/**
 * GETs `path` and also returns the coordinator's clock when it answered (its `Date` header,
 * whole seconds; undefined when absent), so ages of the coordinator's timestamps do not
 * depend on the browser's clock. Rejects with ApiError like {@link api}.
 */
export async function apiGetTimed(path: string): Promise<{ body: unknown; serverTime: number | undefined }> {
  const res = await request('GET', path);
  const date = Date.parse(res.headers.get('Date') ?? '');
  return { body: await res.json(), serverTime: Number.isFinite(date) ? date : undefined };
}

/**
 * Uploads an ONNX file (`POST /api/models?name=`, raw body); resolves with the stored
 * entry, rejects with ApiError (e.g. `UNSUPPORTED_OP`, `PAYLOAD_TOO_LARGE`).
 */
export async function uploadModel<T>(file: Blob, name: string): Promise<T> {
  let res: Response;
  try {
    res = await fetch(`/api/models?name=${encodeURIComponent(name)}`, {
      method: 'POST',
      headers: {
        Accept: 'application/json',
        'Content-Type': 'application/octet-stream',
        'X-Edgefed-CSRF': csrfToken,
      },
      credentials: 'same-origin',
      body: file,
    });
  } catch (err) {
    throw new ApiError(0, { code: 'NETWORK', message: `The coordinator did not answer (${String(err)})` });
  }
  if (!res.ok) throw await readError(res);
  return (await res.json()) as T;
}

/** A message for any thrown value, with validation issues appended. */
export function describeError(err: unknown): string {
  if (err instanceof ApiError) {
    const issues = err.issues();
    return `${err.code}: ${err.message.split('\n')[0] ?? ''}${issues.length > 0 ? ` (${issues.join('; ')})` : ''}`;
  }
  return err instanceof Error ? err.message : String(err);
}
