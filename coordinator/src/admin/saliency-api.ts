/**
 * `GET /api/runs/:id/saliency?version=N` (docs/api.md): saliency maps of a fixed sample of
 * the coordinator's own test images for a model version (the latest without `version`),
 * when the coordinator was given test images (`saliencySampler`); otherwise
 * `FAILED_PRECONDITION`.
 */
import { Router } from 'express';
import { EdgefedError, decodeTensorMap } from '@edgefed/shared';
import type { BlobStore } from '../store/blob-store.js';
import type { RunStore } from '../store/run-store.js';
import type { SaliencySampler } from '../simulation/saliency-sampler.js';
import { resolveModelSpec } from '../server/model-support.js';
import type { RunConfig } from '../rounds/run-config.js';

/** What the saliency API needs. */
export interface SaliencyApiOptions {
  readonly store: RunStore;
  readonly blobs: BlobStore;
  readonly sampler: SaliencySampler | undefined;
}

/** Router for `/api/runs/:id/saliency`. */
export function saliencyApi(o: SaliencyApiOptions): Router {
  const r = Router();
  r.get('/runs/:id/saliency', async (req, res) => {
    const v = req.query.version;
    const version = typeof v === 'string' && v !== '' ? Number(v) : undefined;
    if (version !== undefined && (!Number.isSafeInteger(version) || version < 0))
      throw new EdgefedError('INVALID_ARGUMENT', 'version must be a non-negative integer');
    const run = await o.store.getRun(req.params.id);
    if (o.sampler === undefined)
      throw new EdgefedError('FAILED_PRECONDITION', 'This coordinator has no test images for saliency maps');
    const cp =
      version === undefined
        ? await o.store.latestCheckpoint(run.id)
        : await o.store.getCheckpoint(run.id, version);
    if (cp === undefined) throw new EdgefedError('NOT_FOUND', `Run ${run.id} has no model yet`);
    const params = decodeTensorMap(await o.blobs.get(cp.hash), { copy: true });
    const spec = resolveModelSpec((run.config as unknown as RunConfig).model);
    res.json({ version: cp.version, round: cp.round, samples: await o.sampler(spec, params) });
  });
  return r;
}
