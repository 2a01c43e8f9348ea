/**
 * `GET /api/runs/:id/model-card?version=N&format=md|json` (docs/api.md): the model card of
 * a model version (the latest without `version`) as a Markdown or JSON download.
 */
import { Router } from 'express';
import { EdgefedError } from '@edgefed/shared';
import { loadModelCard } from '../model-card/load-model-card.js';
import { modelCardMarkdown } from '../model-card/model-card-markdown.js';
import type { RunStore } from '../store/run-store.js';

/** Router for `/api/runs/:id/model-card`. */
export function modelCardApi(o: { readonly store: RunStore }): Router {
  const r = Router();
  r.get('/runs/:id/model-card', async (req, res) => {
    const v = req.query.version;
    const version = typeof v === 'string' && v !== '' ? Number(v) : undefined;
    if (version !== undefined && (!Number.isSafeInteger(version) || version < 0))
      throw new EdgefedError('INVALID_ARGUMENT', 'version must be a non-negative integer');
    const format = req.query.format ?? 'md';
    if (format !== 'md' && format !== 'json')
      throw new EdgefedError('INVALID_ARGUMENT', 'format must be md or json');
    const id = req.params.id;
    const card = await loadModelCard(o.store, id, version);
    const name = `${id}-v${String(card.modelDetails.version)}-model-card.${format}`;
    res.setHeader('Content-Disposition', `attachment; filename="${name.replace(/[^\w.-]/g, '_')}"`);
    if (format === 'json') res.json(card);
    else res.type('text/markdown; charset=utf-8').send(modelCardMarkdown(card));
  });
  return r;
}
