/**
 * Admin routes for participants and join tokens: `GET /api/clients` lists connected and
 * recently seen clients; `POST /api/tokens` issues a join token for a run.
 */
import { Router } from 'express';
import { z } from 'zod';
import { EdgefedError, toWireIssues } from '@edgefed/shared';
import { createJoinToken } from '../auth/join-token.js';
import type { ClientRecord } from '../registry/client-registry.js';

/** What the clients API needs. */
export interface ClientsApiOptions {
  readonly clients: () => readonly ClientRecord<{ run: string }>[];
  readonly isConnected: (clientId: string) => boolean;
  /** The client's task in flight (with progress), if any. */
  readonly taskOf?: (clientId: string) => object | undefined;
  readonly tokenSecret: string;
}

const tokenSchema = z.strictObject({
  run: z.string().min(1).max(200),
  ttlSeconds: z
    .number()
    .int()
    .positive()
    .max(365 * 24 * 3600)
    .optional(),
  subject: z.string().min(1).max(200).optional(),
});

/** Router for `/api/clients` and `/api/tokens`. */
export function clientsApi(o: ClientsApiOptions): Router {
  const r = Router();
  r.get('/clients', (_req, res) => {
    const clients = o.clients().map((c) => ({
      clientId: c.clientId,
      run: c.principal.run,
      connected: o.isConnected(c.clientId),
      capabilities: c.capabilities,
      registeredAt: c.registeredAt,
      lastSeen: c.lastSeen,
      resumeCount: c.resumeCount,
      task: o.taskOf?.(c.clientId) ?? null,
    }));
    res.json({ clients });
  });
  r.post('/tokens', (req, res) => {
    const parsed = tokenSchema.safeParse(req.body);
    if (!parsed.success) {
      throw new EdgefedError('INVALID_ARGUMENT', `Invalid request body: ${z.prettifyError(parsed.error)}`, {
        details: { issues: toWireIssues(parsed.error.issues) },
      });
    }
    const { run, ttlSeconds, subject } = parsed.data;
    const token = createJoinToken({
      secret: o.tokenSecret,
      run,
      ...(ttlSeconds === undefined ? {} : { ttlSeconds }),
      ...(subject === undefined ? {} : { subject }),
    });
    res.status(201).json({ token, run });
  });
  return r;
}
