/**
 * Browser entry of the browser-wasm benchmark (bundled by bench/browser-wasm.ts with
 * esbuild): trains a preset with the Trainer on onnxruntime-web's wasm backend with a given
 * thread count and returns samples/s. `onnxruntime-web` comes from the page's import map.
 */
// Imported by path, not through @edgefed/client's index, which also exports the Node-only fleet.
import { createDataSource } from '../../client/src/data/in-memory-data-source.js';
import { createTrainer } from '../../client/src/runtime/trainer.js';
import { createWasmBackend } from '../../client/src/runtime/wasm-backend.js';
import { createDataset, createPrng, MODEL_PRESETS } from '@edgefed/shared';

/** What the page measures. */
export interface WasmBenchRequest {
  readonly model: string;
  readonly batchSize: number;
  readonly threads: number;
  readonly seconds: number;
}

/** What the page returns. */
export interface WasmBenchResult {
  readonly crossOriginIsolated: boolean;
  readonly samplesPerSecond: number;
  readonly steps: number;
}

async function measure(r: WasmBenchRequest): Promise<WasmBenchResult> {
  const spec = MODEL_PRESETS[r.model];
  if (spec === undefined) throw new Error(`unknown model ${r.model}`);
  const backend = await createWasmBackend({ numThreads: r.threads, wasmPaths: '/ort/' });
  const trainer = await createTrainer({
    spec,
    backend,
    compileOptions: { loss: 'softmax-cross-entropy', optimizer: { type: 'sgd' } },
  });
  const rng = createPrng(1);
  const n = r.batchSize * 4;
  const features = Float32Array.from({ length: n * 784 }, () => rng.nextFloat());
  const labels = Uint8Array.from({ length: n }, () => rng.nextInt(10));
  const shape = spec.input.shape;
  const data = createDataSource(createDataset({ features, labels, featureShape: shape, numClasses: 10 }));
  const fit = { batchSize: r.batchSize, learningRate: 0.01, shuffle: false } as const;
  for await (const _ of trainer.fit(data, { ...fit, maxSteps: 3 })) {
    // warm-up: compile, sessions, first runs
  }
  const start = performance.now();
  let steps = 0;
  for await (const e of trainer.fit(data, { ...fit, epochs: 1_000_000 })) {
    steps = e.step;
    if (performance.now() - start >= r.seconds * 1000) break;
  }
  const elapsed = (performance.now() - start) / 1000;
  trainer.dispose();
  return { crossOriginIsolated, samplesPerSecond: (steps * r.batchSize) / elapsed, steps };
}

(globalThis as { edgefedWasmBench?: typeof measure }).edgefedWasmBench = measure;
