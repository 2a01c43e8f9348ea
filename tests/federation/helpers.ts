/**
 * Helpers for federation tests: a coordinator on port 0 with a real SQLite file in a temp
 * dir, MNIST shards, and participants training with onnxruntime-node.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createDataSource,
  createParticipant,
  createTrainer,
  createTrainerEngine,
  type Participant,
} from '@edgefed/client';
import {
  createCoordinator,
  createJoinToken,
  loadConfig,
  loadDataset,
  silentLogger,
  createLogger,
  type CentralEvaluator,
  type Coordinator,
} from '@edgefed/coordinator';
import { classificationReport, partitionIid, type Dataset } from '@edgefed/shared';

/** A coordinator listening on 127.0.0.1:0 with its SQLite store in a fresh temp dir. */
export async function startCoordinator(
  options: { dataDir?: string; centralEvaluator?: CentralEvaluator } = {},
): Promise<Coordinator & { dataDir: string }> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'edgefed-fed-'));
  const config = loadConfig({
    overrides: { server: { port: 0 }, store: { kind: 'sqlite', dataDir }, log: { level: 'silent' } },
  });
  const coordinator = await createCoordinator({
    config,
    logger: process.env.EDGEFED_TEST_LOG === undefined ? silentLogger() : createLogger('debug'),
    ...(options.centralEvaluator === undefined ? {} : { centralEvaluator: options.centralEvaluator }),
  });
  await coordinator.listen();
  return Object.assign(coordinator, { dataDir });
}

/** MNIST train/test subsets. */
export async function mnistSubset(
  trainSize: number,
  testSize: number,
): Promise<{ train: Dataset; test: Dataset }> {
  return {
    train: await loadDataset('mnist', 'train', { limit: trainSize }),
    test: await loadDataset('mnist', 'test', { limit: testSize }),
  };
}

/** A central evaluator over `test` with a Trainer for `spec` (onnxruntime-node). */
export function centralEvaluator(spec: unknown, test: Dataset): CentralEvaluator {
  const data = createDataSource(test);
  let trainer: ReturnType<typeof createTrainer> | undefined;
  return async (params) => {
    trainer ??= createTrainer({
      spec,
      compileOptions: { loss: 'softmax-cross-entropy', optimizer: { type: 'sgd' } },
    });
    const t = await trainer;
    t.setParameters(params);
    const r = await t.evaluate(data, { batchSize: 256, confusionMatrix: true });
    const metrics = { accuracy: r.accuracy, loss: r.loss };
    return r.confusion === undefined ? metrics : { metrics, report: classificationReport(r.confusion) };
  };
}

/** Starts `count` participants on IID shards of `train`, each holding out 10% for evaluation. */
export async function startParticipants(
  coordinator: Coordinator,
  train: Dataset,
  count: number,
  seed = 1,
): Promise<Participant[]> {
  const token = createJoinToken({ secret: coordinator.tokenSecret, run: '*' });
  const partition = partitionIid(train.size, { numClients: count, seed });
  const out: Participant[] = [];
  for (let c = 0; c < count; c++) {
    const indices = partition.indices.subarray(partition.offsets[c], partition.offsets[c + 1]);
    const split = createDataSource(train, { indices }).split(0.1, seed + c);
    const engine = await createTrainerEngine({ train: split.train, test: split.heldOut });
    out.push(
      await createParticipant({
        url: coordinator.url,
        token,
        engine,
        transports: ['websocket'],
        deviceClass: 'virtual',
      }),
    );
  }
  return out;
}

/** Calls the coordinator's REST API with the admin token; returns status and parsed JSON body. */
export async function adminApi<T>(
  c: Coordinator,
  path: string,
  init: { method?: string; body?: string } = {},
): Promise<{ status: number; body: T }> {
  const res = await fetch(`${c.url}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${c.adminToken}`, 'content-type': 'application/json' },
  });
  const body = (await res.json()) as T;
  return { status: res.status, body };
}
