/**
 * Browser entry of the WebGPU test (bundled by webgpu.test.ts with esbuild): trains the
 * small CNN (or a given spec) for a few steps on seeded synthetic data on a given backend
 * and returns the parameters; also runs the backend and engine conformance suites on a
 * given backend in the page. `onnxruntime-web` and `onnxruntime-web/webgpu` come from an
 * import map.
 */
// Imported by path, not through @edgefed/client's index: the index also exports the
// Node-only fleet, which a browser bundle cannot resolve.
import { createDataSource } from '../../client/src/data/in-memory-data-source.js';
import { createTrainerEngine } from '../../client/src/participant/trainer-engine.js';
import { backendConformance } from '../../client/src/testing/backend-conformance.js';
import { engineConformance } from '../../client/src/testing/engine-conformance.js';
import { createTrainer } from '../../client/src/runtime/trainer.js';
import { createWasmBackend } from '../../client/src/runtime/wasm-backend.js';
import { createWebGpuBackend } from '../../client/src/runtime/webgpu-backend.js';
import { createDataset, createPrng, MODEL_TINY_CNN } from '@edgefed/shared';

/** What the page returns per backend. */
export interface PageResult {
  readonly backend: string;
  readonly params: Record<string, number[]>;
  readonly losses: number[];
}

/** The shape of the synthetic examples (default MNIST's). */
export interface SyntheticShape {
  readonly featureShape: readonly number[];
  readonly numClasses: number;
}

const MNIST_SHAPE: SyntheticShape = { featureShape: [1, 28, 28], numClasses: 10 };

/** Seeded data of a shape (MNIST's by default); the test process builds the same. */
export function syntheticMnist(n: number, shape: SyntheticShape = MNIST_SHAPE) {
  const rng = createPrng(11);
  const size = shape.featureShape.reduce((a, d) => a * d, 1);
  const features = Float32Array.from({ length: n * size }, () => rng.nextFloat());
  const labels = Uint8Array.from({ length: n }, () => rng.nextInt(shape.numClasses));
  return createDataSource(
    createDataset({ features, labels, featureShape: [...shape.featureShape], numClasses: shape.numClasses }),
  );
}

/** The fit options shared by the page and the test process. */
export const FIT = { batchSize: 8, learningRate: 0.1, maxSteps: 4, seed: 5 } as const;

async function train(
  name: 'webgpu' | 'wasm',
  spec: unknown = MODEL_TINY_CNN,
  shape: SyntheticShape = MNIST_SHAPE,
): Promise<PageResult> {
  const backend = name === 'webgpu' ? await createWebGpuBackend() : await createWasmBackend();
  const trainer = await createTrainer({
    spec,
    backend,
    compileOptions: { loss: 'softmax-cross-entropy', optimizer: { type: 'sgd' } },
    logSeverityLevel: name === 'webgpu' ? 0 : 3,
    readbackEvery: 2,
  });
  const losses: number[] = [];
  for await (const e of trainer.fit(syntheticMnist(32, shape), FIT))
    if (e.type === 'step') losses.push(e.loss);
  const params: Record<string, number[]> = {};
  for (const [k, t] of trainer.getParameters()) params[k] = Array.from(t.data);
  return { backend: backend.name, params, losses };
}

/** One conformance case's outcome in the page: `error` is the failure message, if any. */
export interface CaseResult {
  readonly name: string;
  readonly error?: string;
  readonly ms: number;
}

/**
 * Runs the backend conformance suite and the engine suite (Trainer engine, not required to
 * be bit-deterministic) on `name` in the page, one case after another; with `only`, just
 * the cases whose name contains one of its strings.
 */
async function conformance(name: 'webgpu' | 'wasm', only?: readonly string[]): Promise<CaseResult[]> {
  const make = () => (name === 'webgpu' ? createWebGpuBackend() : createWasmBackend());
  const cases = [
    ...backendConformance(name, make),
    ...engineConformance(
      `trainer (${name})`,
      async (data) =>
        createTrainerEngine({
          train: createDataSource(data.train),
          test: createDataSource(data.test),
          backend: await make(),
        }),
      { deterministic: false },
    ),
  ];
  const results: CaseResult[] = [];
  for (const c of cases.filter((k) => only?.some((o) => k.name.includes(o)) ?? true)) {
    const start = performance.now();
    try {
      await c.run();
      results.push({ name: c.name, ms: performance.now() - start });
    } catch (e) {
      results.push({
        name: c.name,
        error: e instanceof Error ? e.message : String(e),
        ms: performance.now() - start,
      });
    }
  }
  return results;
}

Object.assign(globalThis, { edgefedTrain: train, edgefedConformance: conformance });
