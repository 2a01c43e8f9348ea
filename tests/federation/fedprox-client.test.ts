/**
 * FedProx on the client. A fit task with `proximalMu > 0` compiles the FedProx training
 * graph (anchor inputs and `mu`), anchors the proximal term at the global model it was
 * sent, and so produces a different update than the same task without it. Real parts:
 * the participant's default engine (edgefed's Trainer on onnxruntime-node) on MNIST.
 *
 * The anchor check is exact for plain SGD: the proximal gradient mu (w - anchor) is zero
 * at the first step (w = anchor = global), so after two steps the FedProx update differs
 * from the plain one by exactly -lr * mu * (the one-step update). Any other anchor would
 * add mu * lr * (global - anchor) terms.
 */
import { describe, expect, it } from 'vitest';
import { compileOptionsFor, createDataSource, createTrainerEngine, fitSettings } from '@edgefed/client';
import {
  MODEL_2NN,
  compileModel,
  initParameters,
  subtractMaps,
  type ScalarRecord,
  type TensorMap,
} from '@edgefed/shared';
import { mnistSubset } from './helpers.js';

const LR = 0.1;
const MU = 0.5;
const task = (extra: ScalarRecord): ScalarRecord => ({
  epochs: 1,
  batchSize: 10,
  learningRate: LR,
  ...extra,
});

describe('FedProx on the client', () => {
  it('compiles the FedProx graph only when the task has proximalMu > 0', () => {
    const prox = fitSettings(task({ proximalMu: MU }), 1);
    const plain = fitSettings(task({}), 1);
    expect(prox.options.proximalMu).toBe(MU);
    expect(prox.compile.fedProx).toBe(true);
    expect(plain.compile.fedProx).toBeUndefined();
    expect(
      compileOptionsFor({ optimizer: 'sgd', momentum: 0, weightDecay: 0, proximalMu: 0 }).fedProx,
    ).toBeUndefined();
    const roles = (fedProx: boolean): string[] =>
      compileModel(MODEL_2NN, { loss: 'softmax-cross-entropy', optimizer: { type: 'sgd' }, fedProx })
        .trainStep.manifest.inputs.filter((e) => e.role === 'anchor' || e.name === 'mu')
        .map((e) => (e.role === 'anchor' ? `anchor:${e.parameter ?? ''}` : e.name));
    expect(roles(true)).toEqual([
      'anchor:dense0.weight',
      'anchor:dense0.bias',
      'anchor:dense1.weight',
      'anchor:dense1.bias',
      'anchor:dense2.weight',
      'anchor:dense2.bias',
      'mu',
    ]);
    expect(roles(false)).toEqual([]);
  });

  it('anchors at the global model and changes the update', async () => {
    const { train } = await mnistSubset(200, 10);
    const engine = await createTrainerEngine({ train: createDataSource(train) });
    const compiled = compileModel(MODEL_2NN, { loss: 'softmax-cross-entropy', optimizer: { type: 'sgd' } });
    const global = initParameters(compiled.parameters, 4);
    const signal = new AbortController().signal;
    const update = async (extra: ScalarRecord): Promise<TensorMap> => {
      const out = await engine.fit({
        spec: MODEL_2NN,
        global,
        hyperParameters: task(extra),
        seed: 9,
        signal,
      });
      return subtractMaps(out.parameters, global);
    };
    const one = await update({ maxSteps: 1 });
    const plain = await update({ maxSteps: 2 });
    const prox = await update({ maxSteps: 2, proximalMu: MU });
    const oneProx = await update({ maxSteps: 1, proximalMu: MU });
    let maxDiff = 0;
    for (const [name, p] of plain) {
      const q = prox.get(name)!.data;
      const d1 = one.get(name)!.data;
      expect(oneProx.get(name)!.data).toEqual(d1); // step 1: w = anchor, no proximal pull
      p.data.forEach((x, i) => {
        const expected = x - LR * MU * d1[i]!;
        expect(Math.abs(q[i]! - expected), name).toBeLessThan(1e-6 + 1e-4 * Math.abs(expected));
        maxDiff = Math.max(maxDiff, Math.abs(q[i]! - x));
      });
    }
    expect(maxDiff).toBeGreaterThan(1e-4);
    await engine.dispose();
  });
});
