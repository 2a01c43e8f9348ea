import { describe, expect, it } from 'vitest';
import { compileModel, createPrng, initParameters, MODEL_PRESETS } from '@edgefed/shared';
import { createNodeBackend } from './node-backend.js';
import type { BackendTensor } from './backend.js';

/** Runs one seeded SGD step of a small 2nn and returns the loss and one updated weight. */
async function oneStep(allowSpinning: boolean): Promise<{ loss: number; weight: Float32Array }> {
  const spec = MODEL_PRESETS['2nn'];
  if (spec === undefined) throw new Error('no 2nn preset');
  const c = compileModel(spec, { loss: 'softmax-cross-entropy', optimizer: { type: 'sgd' }, batchSize: 4 });
  const backend = await createNodeBackend({ intraOpNumThreads: 2, allowSpinning });
  const session = await backend.createSession(c.trainStep.onnx);
  const params = initParameters(c.parameters, 5);
  const rng = createPrng(7);
  const feeds: Record<string, BackendTensor> = {};
  for (const e of c.trainStep.manifest.inputs) {
    const dims = e.shape.map(Number);
    const size = dims.reduce((a, v) => a * v, 1);
    let data = Float32Array.from({ length: size }, () => rng.nextFloat());
    if (e.role === 'parameter') data = Float32Array.from(params.get(e.name)?.data ?? []);
    if (e.role === 'mask') data.fill(1);
    if (e.role === 'hyper-parameter') data = Float32Array.of(0.1);
    feeds[e.name] = backend.tensor(data, dims);
  }
  const out = await session.run(feeds);
  const loss = (await out.loss?.read())?.[0] ?? Number.NaN;
  const weight = (await out['dense0.weight.new']?.read()) ?? new Float32Array();
  await session.release();
  return { loss, weight };
}

describe('createNodeBackend', () => {
  it('runs a training step with and without spin-waiting threads, to the same result', async () => {
    const spin = await oneStep(true);
    const noSpin = await oneStep(false);
    expect(Number.isFinite(noSpin.loss)).toBe(true);
    expect(noSpin.loss).toBeCloseTo(spin.loss, 5);
    expect(noSpin.weight.length).toBe(784 * 200);
    expect(noSpin.weight).toEqual(spin.weight);
  });
});
