/**
 * Builds a text-parity file from edgefed's own pipeline: the SOTU char federation exactly as
 * `edgefed simulate --dataset sotu --partition natural --clients K --train-limit N
 * --test-limit M --sequence-length T` builds it (loadTextSimulationData), the training
 * windows in a seeded order (one permutation per epoch, as many as `steps * batch` needs),
 * the held-out windows, and the model's initial parameters from `initParameters` with the
 * seed (PyTorch loads them, so both start from the same point).
 */
import {
  compileModel,
  createPrng,
  EdgefedError,
  initParameters,
  type Dataset,
  type ModelSpec,
} from '@edgefed/shared';
import { loadTextSimulationData, parseSimulationConfig } from '@edgefed/coordinator';
import type { ParityData, ParityFile } from './parity-file.js';

/** What to train and on which windows. */
export interface ParityConfig {
  readonly model: 'char-lstm' | 'char-transformer';
  readonly clients: number;
  readonly trainLimit: number;
  readonly testLimit: number;
  readonly sequenceLength: number;
  readonly batchSize: number;
  readonly steps: number;
  readonly optimizer: 'adam' | 'sgd';
  readonly lr: number;
  readonly seed: number;
}

/** The training windows' order: concatenated seeded permutations (epoch e uses seed + e). */
export function trainingOrder(windows: number, count: number, seed: number): Int32Array {
  if (windows < 1) throw new EdgefedError('INVALID_ARGUMENT', 'no training windows');
  const out = new Int32Array(count);
  let filled = 0;
  for (let epoch = 0; filled < count; epoch++) {
    const perm = Int32Array.from({ length: windows }, (_, i) => i);
    const rng = createPrng(seed + epoch);
    for (let i = windows - 1; i > 0; i--) {
      const j = rng.nextInt(i + 1);
      const t = perm[i] as number;
      perm[i] = perm[j] as number;
      perm[j] = t;
    }
    const take = Math.min(windows, count - filled);
    out.set(perm.subarray(0, take), filled);
    filled += take;
  }
  return out;
}

function windowsOf(d: Dataset, order: ArrayLike<number>): { x: Int32Array; y: Int32Array } {
  const T = d.featureSize;
  const x = new Int32Array(order.length * T);
  const y = new Int32Array(order.length * T);
  for (let k = 0; k < order.length; k++) {
    const i = order[k] as number;
    for (let t = 0; t < T; t++) {
      x[k * T + t] = d.features[i * T + t] as number;
      y[k * T + t] = d.labels[i * T + t] as number;
    }
  }
  return { x, y };
}

/** The prepared run: the file's contents plus the edgefed-side objects. */
export interface PreparedParity {
  readonly file: ParityFile;
  readonly spec: ModelSpec;
  readonly train: Dataset;
  readonly order: Int32Array;
  readonly test: Dataset;
  readonly keys: readonly string[];
}

/** Loads the data (see the file comment) and assembles the parity file. */
export async function prepareParity(c: ParityConfig): Promise<PreparedParity> {
  const sim = parseSimulationConfig({
    dataset: 'sotu',
    partition: 'natural',
    model: c.model,
    clients: c.clients,
    trainLimit: c.trainLimit,
    testLimit: c.testLimit,
    sequenceLength: c.sequenceLength,
    seed: c.seed,
  });
  if (sim.dataset !== 'sotu') throw new EdgefedError('INTERNAL', 'expected sotu');
  const data = await loadTextSimulationData({ ...sim, dataset: 'sotu' });
  const T = c.sequenceLength;
  const order = trainingOrder(data.train.size, c.steps * c.batchSize, c.seed);
  const tr = windowsOf(data.train, order);
  const te = windowsOf(
    data.test,
    Int32Array.from({ length: data.test.size }, (_, i) => i),
  );
  const compiled = compileModel(data.spec, {
    loss: 'softmax-cross-entropy',
    optimizer: { type: c.optimizer },
    batchSize: c.batchSize,
  });
  const arrays = new Map<string, { shape: readonly number[]; data: ParityData }>([
    ['train_x', { shape: [order.length, T], data: tr.x }],
    ['train_y', { shape: [order.length, T], data: tr.y }],
    ['test_x', { shape: [data.test.size, T], data: te.x }],
    ['test_y', { shape: [data.test.size, T], data: te.y }],
  ]);
  for (const [name, t] of initParameters(compiled.parameters, c.seed)) {
    if (t.dtype !== 'float32') throw new EdgefedError('INTERNAL', `${name} is not float32`);
    arrays.set(name, { shape: t.shape, data: t.data });
  }
  const file: ParityFile = {
    header: {
      model: c.model,
      spec: data.spec,
      vocabularySize: data.vocabularySize,
      sequenceLength: T,
      batchSize: c.batchSize,
      steps: c.steps,
      optimizer: { type: c.optimizer, lr: c.lr },
      seed: c.seed,
      data: {
        dataset: 'sotu',
        partition: 'natural',
        clients: data.keys.length,
        trainLimitPerClient: c.trainLimit,
        testLimitPerClient: c.testLimit,
        trainWindows: data.train.size,
        testWindows: data.test.size,
        order: 'seeded permutation per epoch (seed + epoch), concatenated',
      },
    },
    arrays,
  };
  return { file, spec: data.spec, train: data.train, order, test: data.test, keys: data.keys };
}
