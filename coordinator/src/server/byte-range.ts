/**
 * HTTP byte ranges for the model data plane (RFC 9110 §14): what a `Range` header asks of a
 * representation of `size` bytes, for one range only.
 *
 * - `bytes=a-b`, `bytes=a-` and the suffix form `bytes=-n` are understood; `b` past the end
 *   is clamped to the last byte, and a suffix longer than the representation means all of it.
 * - A header that is absent, malformed, in another unit, or asks for several ranges is
 *   ignored (`{ kind: 'full' }`: the whole representation, 200), as the RFC allows.
 * - A well-formed range that selects no byte (`a >= size`, or `bytes=-0`) is
 *   `{ kind: 'unsatisfiable' }` (416 with a `Content-Range` that gives only the size).
 * - `If-Range` (checked by {@link rangeApplies}): the range applies only when it equals the
 *   current strong ETag; a date or another ETag means "send it all".
 */

/** What to serve for a request. */
export type RangeDecision =
  | { readonly kind: 'full' }
  | { readonly kind: 'partial'; readonly start: number; readonly end: number }
  | { readonly kind: 'unsatisfiable' };

const SINGLE = /^bytes=\s*(\d*)\s*-\s*(\d*)\s*$/i;

/** Parses `header` against a representation of `size` bytes; see the file comment. */
export function parseRange(header: string | undefined, size: number): RangeDecision {
  if (header === undefined) return { kind: 'full' };
  const m = SINGLE.exec(header);
  if (m === null) return { kind: 'full' };
  const [, first = '', last = ''] = m;
  if (first === '' && last === '') return { kind: 'full' };
  if (first === '') {
    const suffix = Number(last);
    if (!Number.isSafeInteger(suffix)) return { kind: 'full' };
    if (suffix === 0 || size === 0) return { kind: 'unsatisfiable' };
    return { kind: 'partial', start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  const end = last === '' ? Number.MAX_SAFE_INTEGER : Number(last);
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || end < start) return { kind: 'full' };
  if (start >= size) return { kind: 'unsatisfiable' };
  return { kind: 'partial', start, end: Math.min(end, size - 1) };
}

/** Whether a `Range` may be honoured given the request's `If-Range` and the current ETag. */
export function rangeApplies(ifRange: string | undefined, etag: string): boolean {
  return ifRange === undefined || ifRange.trim() === etag;
}
