/**
 * Uploaded ONNX models over REST, against a real coordinator (HTTP on port 0, SQLite file
 * and blob directory in a temp dir): `POST /api/models` validates, content-addresses and
 * size-limits the PyTorch fixtures; `GET /api/models` lists them; a run config naming
 * `{ "onnx": "sha256:..." }` trains with two participants (FedBN), exports the user's file
 * back, and the upload is still there after the coordinator restarts on the same data dir.
 */
import { createHash } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import type { Participant } from '@edgefed/client';
import type { Coordinator } from '@edgefed/coordinator';
import { mnistSubset, startCoordinator, startParticipants } from '../federation/helpers.js';
import { fixtureBytes } from './fixtures.js';

let coordinator: (Coordinator & { dataDir: string }) | undefined;
let participants: Participant[] = [];

afterAll(async () => {
  await Promise.all(participants.map((p) => p.stop()));
  await coordinator?.close();
});

interface ApiError {
  error: { code: string; message: string; details?: Record<string, unknown> };
}

async function call<T>(
  c: Coordinator,
  path: string,
  init: { method?: string; body?: Uint8Array | string; json?: boolean; token?: string | null } = {},
): Promise<{ status: number; body: T }> {
  const headers: Record<string, string> = {
    'content-type': init.json === true ? 'application/json' : 'application/octet-stream',
  };
  if (init.token !== null) headers.authorization = `Bearer ${init.token ?? c.adminToken}`;
  const res = await fetch(`${c.url}${path}`, {
    method: init.method ?? 'GET',
    headers,
    ...(init.body === undefined
      ? {}
      : { body: typeof init.body === 'string' ? init.body : Uint8Array.from(init.body) }),
  });
  return { status: res.status, body: (await res.json()) as T };
}

const upload = <T>(c: Coordinator, bytes: Uint8Array, query = '', token?: string | null) =>
  call<T>(c, `/api/models${query}`, {
    method: 'POST',
    body: bytes,
    ...(token === undefined ? {} : { token }),
  });

const createRun = <T>(c: Coordinator, config: unknown) =>
  call<T>(c, '/api/runs', { method: 'POST', json: true, body: JSON.stringify({ name: 'onnx', config }) });

const lenet = fixtureBytes('lenet-bn');
const lenetHash = `sha256:${createHash('sha256').update(lenet).digest('hex')}`;

describe('POST /api/models and runs that name an uploaded model', () => {
  it('validates, stores and lists uploads; refuses bad ones with stable codes', async () => {
    coordinator = await startCoordinator();
    const c = coordinator;
    const first = await upload<{
      hash: string;
      size: number;
      name: string;
      summary: Record<string, unknown>;
    }>(c, lenet, '?name=lenet-bn');
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ hash: lenetHash, size: lenet.byteLength, name: 'lenet-bn' });
    expect(first.body.summary).toMatchObject({ inputShape: [1, 28, 28], outputShape: [10], batchNorm: true });
    expect((first.body.summary.ops as Record<string, number>).Conv).toBe(2);
    expect(first.body.summary.trainableParameters).toBeGreaterThan(1000);
    const again = await upload<{ hash: string; created: boolean }>(c, lenet);
    expect(again).toMatchObject({ status: 200, body: { hash: lenetHash, created: false } });

    expect((await upload<ApiError>(c, lenet, '', null)).body.error.code).toBe('UNAUTHORIZED');
    const garbage = await upload<ApiError>(c, new TextEncoder().encode('not an onnx file'));
    expect(garbage.status).toBe(400);
    expect(garbage.body.error.code).toBe('INVALID_MODEL');
    const unsupported = await upload<ApiError>(c, fixtureBytes('unsupported'));
    expect(unsupported.status).toBe(400);
    expect(unsupported.body.error.code).toBe('UNSUPPORTED_OP');
    expect(unsupported.body.error.message).toContain('CumSum "/CumSum" (node 1)');
    expect(unsupported.body.error.details?.nodes).toHaveLength(2);
    const huge = await upload<ApiError>(c, new Uint8Array(600 * 1024));
    expect(huge.status).toBe(413);
    expect(huge.body.error).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', details: { limit: 560 * 1024 } });

    const list = await call<{ models: { hash: string; name: string }[]; limit: number }>(c, '/api/models');
    expect(list.body.models.map((m) => [m.hash, m.name])).toEqual([[lenetHash, 'lenet-bn']]);
    const download = await fetch(`${c.url}/api/models/${lenetHash}/onnx`, {
      headers: { authorization: `Bearer ${c.adminToken}` },
    });
    expect(new Uint8Array(await download.arrayBuffer())).toEqual(lenet);
  });

  it('refuses a run naming an unknown or malformed model at creation', async () => {
    const c = coordinator!;
    const unknown = `sha256:${'0'.repeat(64)}`;
    const r1 = await createRun<ApiError>(c, { model: { onnx: unknown }, rounds: 1 });
    expect(r1.status).toBe(400);
    expect(r1.body.error.code).toBe('INVALID_MODEL');
    expect(r1.body.error.message).toContain(`${unknown} is not uploaded`);
    const r2 = await createRun<ApiError>(c, { model: { onnx: 'lenet' }, rounds: 1 });
    expect(r2.body.error.code).toBe('INVALID_MODEL');
    const r3 = await createRun<ApiError>(c, { model: { onnx: lenetHash, localBn: 'yes' }, rounds: 1 });
    expect(r3.body.error.code).toBe('INVALID_MODEL');
  });

  it('trains a run on the uploaded model with FedBN and exports the original file', async () => {
    const c = coordinator!;
    const { train } = await mnistSubset(640, 10);
    participants = await startParticipants(c, train, 2);
    const created = await createRun<{ id: string }>(c, {
      model: { onnx: lenetHash, localBn: true, freeze: ['conv1.*'] },
      rounds: 2,
      strategy: { name: 'fedavg', minFitClients: 2, minAvailableClients: 2, minEvaluateClients: 2 },
      training: { epochs: 1, batchSize: 32, learningRate: 0.05 },
      evaluateEvery: 2,
      roundDeadlineMs: 60_000,
    });
    expect(created.status).toBe(201);
    await c.runs.settled(created.body.id);
    const run = await call<{ status: string; currentRound: number }>(c, `/api/runs/${created.body.id}`);
    expect(run.body).toMatchObject({ status: 'completed', currentRound: 2 });
    const metrics = await call<{ metrics: { name: string; value: number }[] }>(
      c,
      `/api/runs/${created.body.id}/metrics`,
    );
    const evalAcc = metrics.body.metrics.find((m) => m.name === 'eval_accuracy');
    expect(evalAcc?.value).toBeGreaterThan(0.2); // 2 rounds on 288 examples each: well above chance

    const res = await fetch(`${c.url}/api/runs/${created.body.id}/model?format=onnx`, {
      headers: { authorization: `Bearer ${c.adminToken}` },
    });
    const exported = new Uint8Array(await res.arrayBuffer());
    const session = await ort.InferenceSession.create(exported);
    expect(session.inputNames).toEqual(['input']);
    const out = await session.run({
      input: new ort.Tensor('float32', new Float32Array(2 * 784), [2, 1, 28, 28]),
    });
    expect(out[session.outputNames[0]!]?.dims).toEqual([2, 10]);
    expect(exported).not.toEqual(lenet); // trained values replaced the initializers
  });

  it('keeps uploads across a restart on the same data directory', async () => {
    await Promise.all(participants.map((p) => p.stop()));
    participants = [];
    const dataDir = coordinator!.dataDir;
    await coordinator!.close();
    coordinator = await startCoordinator({ dataDir });
    const list = await call<{ models: { hash: string; name: string }[] }>(coordinator, '/api/models');
    expect(list.body.models.map((m) => m.hash)).toEqual([lenetHash]);
    const created = await createRun<{ id: string }>(coordinator, { model: { onnx: lenetHash }, rounds: 1 });
    expect(created.status).toBe(201);
  });
});
