/**
 * The admin REST API for runs (documented in docs/api.md). Every route needs the admin
 * token; every error is `{ error: { code, message, details? } }`. In cluster mode, run
 * control (start, pause, resume, stop) for a run another node leads is forwarded to that
 * leader (forward-to-leader.ts).
 */
import { Router, type Request } from 'express';
import { z } from 'zod';
import { EdgefedError, toWireIssues } from '@edgefed/shared';
import type { RunManager } from '../rounds/run-manager.js';
import { fedbuffStats } from './fedbuff-stats.js';
import { conflictLeader, forwardToLeader, wasForwarded, type LeaderForwarding } from './forward-to-leader.js';
import type { RunStore } from '../store/run-store.js';

/** What the runs API needs. */
export interface RunsApiOptions {
  readonly runs: RunManager;
  readonly store: RunStore;
  /** Serves a model version in a format (`weights` or `onnx`). */
  readonly exportModel: (
    runId: string,
    version: number | undefined,
    format: 'weights' | 'onnx',
  ) => Promise<{ bytes: Uint8Array; contentType: string; filename: string }>;
  /** Cluster mode: forward run control to the run's leader; without it a `CONFLICT` is returned. */
  readonly forwarding?: LeaderForwarding;
}

const createSchema = z.strictObject({
  name: z.string().min(1).max(200).optional(),
  config: z.record(z.string(), z.unknown()),
  start: z.boolean().optional(),
});

function parseBody<T>(schema: z.ZodType<T>, req: Request): T {
  const result = schema.safeParse(req.body);
  if (!result.success) {
    throw new EdgefedError('INVALID_ARGUMENT', `Invalid request body: ${z.prettifyError(result.error)}`, {
      details: { issues: toWireIssues(result.error.issues) },
    });
  }
  return result.data;
}

function param(req: Request, name: string): string {
  const v = req.params[name];
  if (typeof v !== 'string' || v === '') throw new EdgefedError('INVALID_ARGUMENT', `Missing ${name}`);
  return v;
}

/** Router for `/api/runs...`. */
export function runsApi(o: RunsApiOptions): Router {
  const r = Router();
  const withPhase = async (id: string): Promise<object> => ({
    ...(await o.store.getRun(id)),
    phase: o.runs.phase(id),
  });
  r.post('/runs', async (req, res) => {
    const body = parseBody(createSchema, req);
    const run = await o.runs.create({
      config: body.config,
      ...(body.name === undefined ? {} : { name: body.name }),
      ...(body.start === undefined ? {} : { start: body.start }),
    });
    res.status(201).json({ ...run, phase: o.runs.phase(run.id) });
  });
  r.get('/runs', async (req, res) => {
    const status = typeof req.query.status === 'string' ? req.query.status : undefined;
    const runs = await o.store.listRuns(status === undefined ? {} : { status: status as never });
    res.json({ runs: runs.map((run) => ({ ...run, phase: o.runs.phase(run.id) })) });
  });
  r.get('/runs/:id', async (req, res) => {
    res.json(await withPhase(param(req, 'id')));
  });
  for (const action of ['start', 'pause', 'resume', 'stop'] as const) {
    r.post(`/runs/:id/${action}`, async (req, res) => {
      const id = param(req, 'id');
      try {
        await o.runs[action](id);
      } catch (err) {
        const leader = conflictLeader(err);
        if (o.forwarding === undefined || leader === undefined || wasForwarded(req)) throw err;
        await forwardToLeader(o.forwarding, leader, req, res);
        return;
      }
      res.json(await withPhase(id));
    });
  }
  r.get('/runs/:id/rounds', async (req, res) => {
    res.json({ rounds: await o.store.listRounds(param(req, 'id')) });
  });
  r.get('/runs/:id/metrics', async (req, res) => {
    res.json({ metrics: await o.store.listMetrics(param(req, 'id')) });
  });
  r.get('/runs/:id/outcomes', async (req, res) => {
    res.json({ outcomes: await o.store.listClientOutcomes(param(req, 'id')) });
  });
  r.get('/runs/:id/fedbuff', async (req, res) => {
    const id = param(req, 'id');
    const [rounds, outcomes] = await Promise.all([o.store.listRounds(id), o.store.listClientOutcomes(id)]);
    res.json(fedbuffStats(rounds, outcomes));
  });
  r.get('/runs/:id/checkpoints', async (req, res) => {
    res.json({ checkpoints: await o.store.listCheckpoints(param(req, 'id')) });
  });
  r.get('/runs/:id/model', async (req, res) => {
    const v = req.query.version;
    const version = typeof v === 'string' && v !== '' ? Number(v) : undefined;
    if (version !== undefined && (!Number.isInteger(version) || version < 0)) {
      throw new EdgefedError('INVALID_ARGUMENT', 'version must be a non-negative integer');
    }
    const f = req.query.format ?? 'weights';
    if (f !== 'weights' && f !== 'onnx')
      throw new EdgefedError('INVALID_ARGUMENT', 'format must be weights or onnx');
    const out = await o.exportModel(param(req, 'id'), version, f);
    res.setHeader('Content-Type', out.contentType);
    res.setHeader('Content-Disposition', `attachment; filename="${out.filename}"`);
    res.send(Buffer.from(out.bytes.buffer, out.bytes.byteOffset, out.bytes.byteLength));
  });
  return r;
}
