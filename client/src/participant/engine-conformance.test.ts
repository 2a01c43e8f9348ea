/**
 * The engine conformance suite on every LocalTrainingEngine that runs in Node: the Trainer
 * engine on onnxruntime-node and on wasm, the simulator's virtual engine (its client's
 * examples interleaved with held-out ones, split by `localTestFraction`), and the browser
 * package's policy and local-evaluation wrappers around the Trainer engine.
 */
import { createDataset, type Dataset } from '@edgefed/shared';
import { describe, it } from 'vitest';
import { withLocalEvaluation } from '../browser/evaluating-engine.js';
import { PolicyGate, withPolicy } from '../browser/policy-engine.js';
import { createDataSource } from '../data/in-memory-data-source.js';
import { TrainerPool } from '../fleet/trainer-pool.js';
import { createVirtualEngine } from '../fleet/virtual-engine.js';
import { createNodeBackend } from '../runtime/node-backend.js';
import { createWasmBackend } from '../runtime/wasm-backend.js';
import { engineConformance, type EngineData } from '../testing/engine-conformance.js';
import { createTrainerEngine } from './trainer-engine.js';

const node = () => createNodeBackend({ intraOpNumThreads: 1 });

function trainerEngine(data: EngineData) {
  return node().then((backend) =>
    createTrainerEngine({ train: createDataSource(data.train), test: createDataSource(data.test), backend }),
  );
}

/** One dataset holding train and test rows alternately (train first), as one client's examples. */
function interleaved(data: EngineData): Dataset {
  const { train, test } = data;
  const f = train.featureSize;
  const features = new Float32Array((train.size + test.size) * f);
  const labels = new Int32Array(train.size + test.size);
  for (let i = 0; i < train.size; i++) {
    features.set(train.features.subarray(i * f, (i + 1) * f), 2 * i * f);
    features.set(test.features.subarray(i * f, (i + 1) * f), (2 * i + 1) * f);
    labels[2 * i] = train.labels[i] ?? 0;
    labels[2 * i + 1] = test.labels[i] ?? 0;
  }
  return createDataset({ features, labels, featureShape: train.featureShape, numClasses: train.numClasses });
}

async function virtualEngine(data: EngineData) {
  const dataset = interleaved(data);
  const n = dataset.size;
  return createVirtualEngine({
    pool: new TrainerPool(await node()),
    dataset,
    partition: {
      numClients: 1,
      indices: Uint32Array.from({ length: n }, (_, i) => i),
      offsets: Uint32Array.of(0, n),
    },
    slot: { client: 0 },
    localTestFraction: 0.5,
  });
}

describe('LocalTrainingEngine conformance', () => {
  const suites = [
    engineConformance('trainer (node)', trainerEngine),
    engineConformance('trainer (wasm)', async (data) =>
      createTrainerEngine({
        train: createDataSource(data.train),
        test: createDataSource(data.test),
        backend: await createWasmBackend(),
      }),
    ),
    engineConformance('virtual', virtualEngine),
    engineConformance('policy', async (data) => withPolicy(await trainerEngine(data), new PolicyGate())),
    engineConformance('local evaluation', async (data) =>
      withLocalEvaluation(await trainerEngine(data), () => undefined, 8),
    ),
  ];
  for (const c of suites.flat()) it(c.name, c.run);
});
