/**
 * Learning tests of the sequence models on onnxruntime-node: a small char-LSTM and a small
 * causal char-transformer learn next-character prediction on a short repeating text.
 */
import { describe, expect, it } from 'vitest';
import type { ModelSpec } from '../spec/model-spec.js';
import { charLstm, charTransformer } from '../spec/presets.js';
import { createModelPrng, type Prng } from '../../data/prng.js';
import { f32, loadOrt } from '../testing/ort-load.test.js';
import { compileModel } from './compile-model.js';
import { carry, initialFeeds } from './train-step.test.js';

const TEXT = 'the quick brown fox jumps over the lazy dog. ';
const CHARS = Array.from(TEXT.repeat(8));
const VOCAB = Array.from(new Set(CHARS)).sort();
const ids = CHARS.map((c) => VOCAB.indexOf(c));

/** A batch of windows at random offsets: x = ids[o, o+T), y = one-hot ids[o+1, o+T+1). */
function batch(rng: Prng, b: number, t: number): { x: Float32Array; y: Float32Array } {
  const v = VOCAB.length;
  const x = new Float32Array(b * t);
  const y = new Float32Array(b * t * v);
  for (let i = 0; i < b; i++) {
    const o = rng.nextUint32() % (ids.length - t - 1);
    for (let k = 0; k < t; k++) {
      x[i * t + k] = ids[o + k] ?? 0;
      y[(i * t + k) * v + (ids[o + k + 1] ?? 0)] = 1;
    }
  }
  return { x, y };
}

async function train(spec: ModelSpec, t: number, steps: number, lr: number): Promise<number[]> {
  const B = 8;
  const model = compileModel(spec, {
    loss: 'softmax-cross-entropy',
    optimizer: { type: 'adam' },
    batchSize: B,
  });
  const run = await loadOrt(model.trainStep.onnx);
  const feeds = initialFeeds(model, 1, { lr });
  const rng = createModelPrng(9);
  const losses: number[] = [];
  for (let s = 0; s < steps; s++) {
    const d = batch(rng, B, t);
    feeds.x = f32([B, t], d.x);
    feeds.y = f32([B, t, VOCAB.length], d.y);
    feeds.mask = f32([B], new Float32Array(B).fill(1));
    feeds.step = f32([], [s + 1]);
    const out = await run(feeds);
    losses.push(Number(out.loss?.data[0]));
    carry(model, feeds, out);
  }
  return losses;
}

const mean = (v: number[]): number => v.reduce((a, b) => a + b, 0) / v.length;

describe('sequence models learn a repeating text', () => {
  it('char-lstm (8-dim embedding, 2 x LSTM 32): loss falls far below log(vocab)', async () => {
    const spec = charLstm(VOCAB.length, 16);
    const small: ModelSpec = {
      ...spec,
      layers: spec.layers.map((l) => (l.type === 'lstm' ? { ...l, units: 32 } : l)),
    };
    const losses = await train(small, 16, 200, 0.02);
    expect(mean(losses.slice(0, 5))).toBeGreaterThan(0.9 * Math.log(VOCAB.length));
    expect(mean(losses.slice(-10))).toBeLessThan(0.6);
  });

  it('char-transformer (width 32, 1 block): loss falls far below log(vocab)', async () => {
    const spec = charTransformer(VOCAB.length, 16);
    const small: ModelSpec = {
      ...spec,
      layers: spec.layers
        .filter((l, i) => l.type !== 'transformerBlock' || i === 2)
        .map((l) => (l.type === 'embedding' ? { ...l, dim: 32 } : l)),
    };
    const losses = await train(small, 16, 200, 0.01);
    expect(mean(losses.slice(0, 5))).toBeGreaterThan(0.8 * Math.log(VOCAB.length));
    expect(mean(losses.slice(-10))).toBeLessThan(0.6);
  });
});
