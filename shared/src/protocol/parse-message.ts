/**
 * Validation of inbound messages: turns an untrusted value into a typed message or an
 * EdgefedError whose details say exactly what was wrong (zod issue paths).
 */
import type { z } from 'zod';
import { EdgefedError } from '../errors.js';
import {
  CLIENT_MESSAGE_SCHEMAS,
  SERVER_MESSAGE_SCHEMAS,
  type ClientMessage,
  type Direction,
  type ServerMessage,
} from './messages.js';

/** One validation problem, JSON-safe: `path` is the dotted field path (`""` for the root). */
export interface WireIssue {
  readonly path: string;
  readonly code: string;
  readonly message: string;
}

/** Largest number of issues reported back in one error (the rest are counted). */
export const MAX_REPORTED_ISSUES = 20;

/** Converts zod issues into {@link WireIssue}s (at most {@link MAX_REPORTED_ISSUES}). */
export function toWireIssues(issues: readonly z.core.$ZodIssue[]): WireIssue[] {
  return issues.slice(0, MAX_REPORTED_ISSUES).map((issue) => ({
    path: issue.path.map((p) => (typeof p === 'symbol' ? p.toString() : String(p))).join('.'),
    code: issue.code,
    message: issue.message.slice(0, 512),
  }));
}

function describe(raw: unknown): string {
  if (raw === null) return 'null';
  if (Array.isArray(raw)) return 'array';
  return typeof raw;
}

/** Reads `raw.type` if `raw` is a plain object with a string `type`. */
function readType(raw: unknown): string | undefined {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return undefined;
  const type: unknown = (raw as Record<string, unknown>).type;
  return typeof type === 'string' ? type : undefined;
}

/**
 * Validates `raw` as a message travelling in `direction`.
 *
 * @throws EdgefedError `INVALID_MESSAGE` when `raw` is not an object with a string `type`,
 *   or fails its schema (`details.issues` lists {@link WireIssue}s, `details.type` the type).
 * @throws EdgefedError `UNKNOWN_MESSAGE_TYPE` when `type` is not one this direction may send
 *   (`details.type` holds it, truncated to 64 chars).
 */
export function parseMessage(direction: 'client-to-server', raw: unknown): ClientMessage;
export function parseMessage(direction: 'server-to-client', raw: unknown): ServerMessage;
export function parseMessage(direction: Direction, raw: unknown): ClientMessage | ServerMessage;
export function parseMessage(direction: Direction, raw: unknown): ClientMessage | ServerMessage {
  const type = readType(raw);
  if (type === undefined) {
    throw new EdgefedError(
      'INVALID_MESSAGE',
      `Expected a message object with a string "type", got ${describe(raw)}`,
      {
        details: { issues: [{ path: 'type', code: 'invalid_type', message: 'Required string' }] },
      },
    );
  }
  const schemas: Readonly<Record<string, z.ZodType>> =
    direction === 'client-to-server' ? CLIENT_MESSAGE_SCHEMAS : SERVER_MESSAGE_SCHEMAS;
  const schema = Object.hasOwn(schemas, type) ? schemas[type] : undefined;
  if (schema === undefined) {
    const shown = type.slice(0, 64);
    throw new EdgefedError('UNKNOWN_MESSAGE_TYPE', `Unknown ${direction} message type "${shown}"`, {
      details: { type: shown },
    });
  }
  const result = schema.safeParse(raw);
  if (!result.success) {
    const issues = toWireIssues(result.error.issues);
    const where = issues.map((i) => i.path || '(root)').join(', ');
    throw new EdgefedError('INVALID_MESSAGE', `Invalid "${type}" message: ${where}`, {
      details: { type, issues, issueCount: result.error.issues.length },
    });
  }
  return result.data as ClientMessage | ServerMessage;
}
