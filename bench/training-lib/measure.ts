/**
 * Measurements for the training benchmark: Trainer throughput on one backend (random
 * MNIST-shaped data, or random token windows for a text model; plain SGD) and the backend's
 * plain-MatMul GFLOP/s (the ceiling).
 */
import { createDataSource, createTrainer, type TrainingBackend } from '@edgefed/client';
import {
  createDataset,
  createPrng,
  DEFAULT_OPSET,
  encodeModel,
  GraphBuilder,
  planModel,
} from '@edgefed/shared';

/** Options of {@link trainerSamplesPerSecond}. */
export interface ThroughputOptions {
  readonly backend: TrainingBackend;
  readonly spec: unknown;
  readonly batchSize: number;
  readonly seconds: number;
  readonly stepsPerRun?: number;
}

/**
 * A text model's window length and vocabulary (input `[T]` into an embedding, logits
 * `[T, V]`), or undefined for an image model.
 */
export function textShape(spec: unknown): { readonly T: number; readonly V: number } | undefined {
  const { spec: s } = planModel(spec);
  const first = s.layers[0];
  if (first?.type !== 'embedding' || s.input.shape.length !== 1) return undefined;
  return { T: s.input.shape[0] ?? 1, V: first.vocabSize };
}

/** `n` random token windows of `T` tokens over `V` (next-token labels at every position). */
function randomText(n: number, T: number, V: number) {
  const rng = createPrng(1);
  const features = Float32Array.from({ length: n * T }, () => rng.nextInt(V));
  const labels = Int32Array.from({ length: n * T }, () => rng.nextInt(V));
  return createDataSource(
    createDataset({ features, labels, featureShape: [T], labelShape: [T], numClasses: V }),
  );
}

function randomData(n: number, spec: unknown) {
  const text = textShape(spec);
  if (text !== undefined) return randomText(n, text.T, text.V);
  const rng = createPrng(1);
  const features = Float32Array.from({ length: n * 784 }, () => rng.nextFloat());
  const labels = Uint8Array.from({ length: n }, () => rng.nextInt(10));
  return createDataSource(createDataset({ features, labels, featureShape: [1, 28, 28], numClasses: 10 }));
}

/** Samples/s of `Trainer.fit` after a warm-up of two runs, timed for about `seconds`. */
export async function trainerSamplesPerSecond(o: ThroughputOptions): Promise<number> {
  const k = o.stepsPerRun ?? 1;
  const trainer = await createTrainer({
    spec: o.spec,
    backend: o.backend,
    compileOptions: { loss: 'softmax-cross-entropy', optimizer: { type: 'sgd' }, stepsPerRun: k },
  });
  const data = randomData(o.batchSize * k * 4, o.spec);
  const fit = { batchSize: o.batchSize, learningRate: 0.01, shuffle: false } as const;
  for await (const _ of trainer.fit(data, { ...fit, maxSteps: 2 * k })) {
    // warm-up: compile, create sessions, first runs
  }
  const start = performance.now();
  let steps = 0;
  for await (const e of trainer.fit(data, { ...fit, epochs: 1_000_000 })) {
    steps = e.step;
    if (performance.now() - start >= o.seconds * 1000) break;
  }
  const elapsed = (performance.now() - start) / 1000;
  trainer.dispose();
  return (steps * o.batchSize) / elapsed;
}

/** GFLOP/s of a [n, n] x [n, n] MatMul graph on `backend`, timed for about `seconds`. */
export async function matmulGflops(backend: TrainingBackend, n: number, seconds: number): Promise<number> {
  const b = new GraphBuilder({ name: 'matmul' });
  const a = b.input('a', 'float32', [n, n]);
  const w = b.input('b', 'float32', [n, n]);
  b.output(b.op1('MatMul', [a, w]), 'c');
  const onnx = encodeModel({
    graph: b.build(),
    opsetVersion: DEFAULT_OPSET,
    producerName: 'bench',
    metadata: {},
  });
  const session = await backend.createSession(onnx);
  const rng = createPrng(2);
  const feeds = {
    a: backend.tensor(
      Float32Array.from({ length: n * n }, () => rng.nextFloat()),
      [n, n],
    ),
    b: backend.tensor(
      Float32Array.from({ length: n * n }, () => rng.nextFloat()),
      [n, n],
    ),
  };
  await session.run(feeds);
  let runs = 0;
  const start = performance.now();
  while (performance.now() - start < seconds * 1000) {
    await session.run(feeds);
    runs++;
  }
  const elapsed = (performance.now() - start) / 1000;
  await session.release();
  return (2 * n * n * n * runs) / elapsed / 1e9;
}
