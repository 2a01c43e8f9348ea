/**
 * The admin REST API for evaluation reports (docs/api.md): `GET /runs/:id/evaluations`
 * returns a run's stored reports — the central confusion matrix with per-class metrics and
 * the federated per-client results with their distribution — optionally filtered with
 * `?kind=central|federated` and `?round=N`; and the model cards built from them
 * (model-card-api.ts).
 */
import { Router } from 'express';
import { EdgefedError } from '@edgefed/shared';
import { EVALUATION_KINDS, type EvaluationKind } from '../store/evaluation-reports.js';
import type { RunStore } from '../store/run-store.js';
import { modelCardApi } from './model-card-api.js';

/** What the evaluations API needs. */
export interface EvaluationsApiOptions {
  readonly store: RunStore;
}

function kindOf(v: unknown): EvaluationKind | undefined {
  if (v === undefined || v === '') return undefined;
  if (typeof v === 'string' && (EVALUATION_KINDS as readonly string[]).includes(v))
    return v as EvaluationKind;
  throw new EdgefedError('INVALID_ARGUMENT', `kind must be one of ${EVALUATION_KINDS.join(', ')}`);
}

function roundOf(v: unknown): number | undefined {
  if (v === undefined || v === '') return undefined;
  const n = typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : Number.NaN;
  if (!Number.isSafeInteger(n))
    throw new EdgefedError('INVALID_ARGUMENT', 'round must be a non-negative integer');
  return n;
}

/** Router for `/api/runs/:id/evaluations` and `/api/runs/:id/model-card`. */
export function evaluationsApi(o: EvaluationsApiOptions): Router {
  const r = Router();
  r.get('/runs/:id/evaluations', async (req, res) => {
    const kind = kindOf(req.query.kind);
    const round = roundOf(req.query.round);
    const reports = await o.store.listEvaluationReports(req.params.id, {
      ...(kind === undefined ? {} : { kind }),
      ...(round === undefined ? {} : { round }),
    });
    res.json({ reports });
  });
  r.use(modelCardApi(o));
  return r;
}
