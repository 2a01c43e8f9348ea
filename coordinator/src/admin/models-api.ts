/**
 * The admin REST API for uploaded ONNX models (docs/api.md): `POST /api/models` takes the
 * file as the raw request body (`Content-Type: application/octet-stream`, optional
 * `?name=`), validates it by importing it and stores it under its SHA-256; `GET
 * /api/models` lists them, `GET /api/models/:hash` shows one and `GET
 * /api/models/:hash/onnx` downloads the file. A run config names one with
 * `"model": { "onnx": "sha256:..." }`.
 *
 * Errors: a body over the limit `PAYLOAD_TOO_LARGE` (413, with the limit); not ONNX
 * `INVALID_MODEL`; unsupported ops `UNSUPPORTED_OP` (every offending node in
 * `details.nodes`); an unknown hash `NOT_FOUND`.
 */
import express, { Router, type ErrorRequestHandler, type Request, type Response } from 'express';
import { EdgefedError } from '@edgefed/shared';
import { MAX_ONNX_MODEL_BYTES, type ModelEntry, type ModelLibrary } from '../store/model-library.js';

/** What the models API needs. */
export interface ModelsApiOptions {
  readonly models: ModelLibrary;
}

const tooLarge: ErrorRequestHandler = (err: unknown, _req, _res, next) => {
  if ((err as { type?: string }).type === 'entity.too.large') {
    next(
      new EdgefedError(
        'PAYLOAD_TOO_LARGE',
        `The ONNX model is larger than ${MAX_ONNX_MODEL_BYTES} bytes, the most a coordinator accepts (its spec travels in every task message)`,
        { details: { limit: MAX_ONNX_MODEL_BYTES } },
      ),
    );
    return;
  }
  next(err);
};

/** Router for `/api/models...`. */
export function modelsApi(o: ModelsApiOptions): Router {
  const r = Router();
  r.post(
    '/models',
    express.raw({ type: () => true, limit: MAX_ONNX_MODEL_BYTES }),
    tooLarge,
    async (req: Request, res: Response) => {
      const body: unknown = req.body;
      if (!(body instanceof Uint8Array))
        throw new EdgefedError(
          'INVALID_MODEL',
          'Send the ONNX file as the request body (application/octet-stream)',
        );
      const name = typeof req.query.name === 'string' && req.query.name !== '' ? req.query.name : undefined;
      const entry = await o.models.add(body, name === undefined ? {} : { name });
      res.status(entry.created ? 201 : 200).json(entry);
    },
  );
  // A library shared by a cluster's nodes may hold uploads through other nodes: refresh first.
  r.get('/models', async (_req, res) => {
    await o.models.refresh();
    res.json({ models: o.models.list(), limit: MAX_ONNX_MODEL_BYTES });
  });
  const known = async (hash: string): Promise<ModelEntry> => {
    try {
      return o.models.get(hash);
    } catch {
      await o.models.refresh();
      return o.models.get(hash);
    }
  };
  r.get('/models/:hash', async (req, res) => {
    res.json(await known(req.params.hash));
  });
  r.get('/models/:hash/onnx', async (req, res) => {
    const e = await known(req.params.hash);
    const bytes = o.models.bytes(e.hash);
    res.setHeader('Content-Type', 'application/octet-stream');
    res.setHeader('Content-Disposition', `attachment; filename="${e.hash.slice(7, 19)}.onnx"`);
    res.send(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  });
  return r;
}
