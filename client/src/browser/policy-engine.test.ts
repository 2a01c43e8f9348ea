import { beforeAll, describe, expect, it } from 'vitest';
import { MODEL_TINY_CNN, createDataset, createPrng, type TensorMap } from '@edgefed/shared';
import { createDataSource } from '../data/in-memory-data-source.js';
import type { LocalTrainingEngine } from '../participant/engine.js';
import { createTrainerEngine } from '../participant/trainer-engine.js';
import { createTrainer } from '../runtime/trainer.js';
import { PolicyGate, withPolicy } from './policy-engine.js';

const code = (c: string) => expect.objectContaining({ code: c }) as unknown;
const denied = { allowed: false, reasons: ['the page is hidden'] };

let engine: LocalTrainingEngine;
let global: TensorMap;

function randomData(n: number, seed: number) {
  const prng = createPrng(seed);
  const features = Float32Array.from({ length: n * 784 }, () => prng.nextFloat());
  const labels = Int32Array.from({ length: n }, () => prng.nextInt(10));
  return createDataset({ features, labels, featureShape: [1, 28, 28], numClasses: 10 });
}

beforeAll(async () => {
  engine = await createTrainerEngine({ train: createDataSource(randomData(64, 1)) });
  const trainer = await createTrainer({
    spec: MODEL_TINY_CNN,
    compileOptions: { loss: 'softmax-cross-entropy', optimizer: { type: 'sgd' } },
  });
  global = trainer.getParameters();
  trainer.dispose();
});

function fitInput(signal: AbortSignal, onProgress?: () => void) {
  return {
    spec: MODEL_TINY_CNN,
    global,
    hyperParameters: { batchSize: 8, learningRate: 0.1, maxSteps: 6 },
    seed: 1,
    signal,
    ...(onProgress === undefined ? {} : { onProgress }),
  };
}

describe('withPolicy', () => {
  it('trains while the policy holds', async () => {
    const out = await withPolicy(engine, new PolicyGate()).fit(fitInput(new AbortController().signal));
    expect(out.metrics.steps).toBe(6);
    expect([...out.parameters.keys()]).toEqual([...global.keys()]);
  });

  it('refuses to start while denied, without running the engine', async () => {
    let steps = 0;
    const gated = withPolicy(engine, new PolicyGate(denied));
    await expect(gated.fit(fitInput(new AbortController().signal, () => steps++))).rejects.toThrow(
      code('NOT_ELIGIBLE'),
    );
    expect(steps).toBe(0);
  });

  it('aborts a running fit when the policy stops holding, with the reasons', async () => {
    const gate = new PolicyGate();
    let steps = 0;
    const run = withPolicy(engine, gate).fit(
      fitInput(new AbortController().signal, () => {
        steps++;
        if (steps === 1) gate.set(denied);
      }),
    );
    await expect(run).rejects.toThrow(
      expect.objectContaining({ code: 'NOT_ELIGIBLE', details: { reasons: ['the page is hidden'] } }),
    );
    expect(steps).toBeLessThan(6);
  });

  it("passes the participant's own abort through unchanged", async () => {
    const controller = new AbortController();
    const run = withPolicy(engine, new PolicyGate()).fit(
      fitInput(controller.signal, () => {
        controller.abort(new Error('stop'));
      }),
    );
    const error = await run.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeDefined();
    expect(error).not.toEqual(code('NOT_ELIGIBLE'));
  });
});
