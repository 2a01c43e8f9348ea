/**
 * Run control on any node of a cluster: a node that is asked to start, pause, resume or stop
 * a run whose lease another node holds (the RunManager throws `CONFLICT` with
 * `details.leader`) sends the same request to that leader itself and relays the leader's
 * status and JSON body, so an operator (or the dashboard) can talk to whichever node the load
 * balancer picked.
 *
 * - The caller's credentials travel with it: the `Authorization` header, or the session
 *   cookie with its CSRF header (sessions are signed with a key derived from the admin
 *   token, which every node shares, so the leader accepts them as they are).
 * - A forwarded request carries {@link FORWARDED_HEADER} (the forwarding node's id) and is
 *   never forwarded again: if its target is not the leader either (the lease moved in
 *   between), that node's `409 CONFLICT` comes back to the caller. No loops.
 * - Leader not in the node registry (died, its lease not yet expired), unreachable, or no
 *   answer within `timeoutMs`: `UNAVAILABLE` (503) with `details.leader`.
 * - A relayed answer carries {@link ANSWERED_BY_HEADER} naming the leader.
 */
import type { Request, Response } from 'express';
import { EdgefedError } from '@edgefed/shared';
import { CSRF_HEADER } from './session-routes.js';

/** Marks a request that one node forwarded to another (value: the forwarding node's id). */
export const FORWARDED_HEADER = 'x-edgefed-forwarded-by';

/** On a relayed answer: the leader that answered. */
export const ANSWERED_BY_HEADER = 'x-edgefed-answered-by';

/** What a node needs to forward run control to a run's leader. */
export interface LeaderForwarding {
  /** This node's id (sent in {@link FORWARDED_HEADER}). */
  readonly nodeId: string;
  /** The base URL of a live node, or undefined when the registry does not know it. */
  readonly nodeUrl: (nodeId: string) => Promise<string | undefined>;
  /** How long to wait for the leader's answer (default 15 s). */
  readonly timeoutMs?: number;
  /** Defaults to globalThis.fetch. */
  readonly fetch?: typeof fetch;
}

/** The leader a `CONFLICT` names, or undefined when `err` is not a leader conflict. */
export function conflictLeader(err: unknown): string | undefined {
  if (!(err instanceof EdgefedError) || err.code !== 'CONFLICT') return undefined;
  const leader = (err.details as { leader?: unknown } | undefined)?.leader;
  return typeof leader === 'string' && leader !== '' ? leader : undefined;
}

/** Whether `req` was already forwarded by another node (and so must not be forwarded again). */
export function wasForwarded(req: Request): boolean {
  return req.get(FORWARDED_HEADER) !== undefined;
}

/** The caller's credentials, copied for the leader. */
function credentials(req: Request): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of ['authorization', 'cookie', CSRF_HEADER]) {
    const v = req.get(name);
    if (v !== undefined) out[name] = v;
  }
  return out;
}

/**
 * Sends `req` (a POST under `/api`, path `path`) to `leader` and writes the leader's status
 * and body to `res`.
 *
 * @throws EdgefedError `UNAVAILABLE` with `details.leader` when the leader is not registered,
 *   cannot be reached or does not answer in time.
 */
export async function forwardToLeader(
  o: LeaderForwarding,
  leader: string,
  req: Request,
  res: Response,
): Promise<void> {
  const unavailable = (why: string, cause?: unknown): EdgefedError =>
    new EdgefedError('UNAVAILABLE', `Run leader ${leader} ${why}`, {
      details: { leader },
      ...(cause === undefined ? {} : { cause }),
    });
  const base = await o.nodeUrl(leader).catch((cause: unknown) => {
    throw unavailable('could not be looked up in the node registry', cause);
  });
  if (base === undefined) throw unavailable('is not in the node registry');
  let answer: globalThis.Response;
  try {
    answer = await (o.fetch ?? globalThis.fetch)(`${base}${req.originalUrl}`, {
      method: req.method,
      headers: {
        ...credentials(req),
        'content-type': 'application/json',
        [FORWARDED_HEADER]: o.nodeId,
      },
      body: JSON.stringify(req.body ?? {}),
      signal: AbortSignal.timeout(o.timeoutMs ?? 15_000),
    });
  } catch (cause) {
    throw unavailable(`at ${base} is unreachable`, cause);
  }
  const body = await answer.text().catch((cause: unknown) => {
    throw unavailable(`at ${base} broke off its answer`, cause);
  });
  res.status(answer.status);
  res.setHeader('content-type', answer.headers.get('content-type') ?? 'application/json');
  res.setHeader(ANSWERED_BY_HEADER, leader);
  res.send(body);
}
