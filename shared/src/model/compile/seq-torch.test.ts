/**
 * The sequence layers against PyTorch autograd: fixtures written by
 * `testing/fixtures/make_seq_fixtures.py` (nn.LSTM with 2 layers, nn.GRU,
 * nn.MultiheadAttention with a causal mask, each + Linear + the sequence cross-entropy with
 * ignored tokens). Forward output, loss and every parameter gradient must match in float64.
 */
import { describe, expect, it } from 'vitest';
import { addGradients } from '../autodiff/autodiff.js';
import { GraphBuilder } from '../ir/builder.js';
import { DEFAULT_OPSET } from '../ir/types.js';
import { encodeModel } from '../onnx/codec.js';
import { emitForward } from '../spec/layers.js';
import gru1 from '../testing/fixtures/gru1.json' with { type: 'json' };
import lstm2 from '../testing/fixtures/lstm2.json' with { type: 'json' };
import mhaCausal from '../testing/fixtures/mha-causal.json' with { type: 'json' };
import type { HostTensor } from '../testing/grad-check.js';
import { loadOrt } from '../testing/ort-load.test.js';
import { emitLoss } from './losses.js';
import { planModel } from './plan.js';

interface Stored {
  readonly shape: readonly number[];
  readonly data: readonly number[];
}

interface Fixture {
  readonly spec: unknown;
  readonly x: Stored;
  readonly y: Stored;
  readonly params: Readonly<Record<string, Stored>>;
  readonly logits: Stored;
  readonly loss: number;
  readonly grads: Readonly<Record<string, readonly number[]>>;
}

const f64 = (s: Stored): HostTensor => ({
  dtype: 'float64',
  shape: s.shape,
  data: Float64Array.from(s.data),
});

/** max |a - b| / max |b|: one relative error over the whole tensor. */
function relError(actual: ArrayLike<number>, expected: readonly number[]): number {
  expect(actual.length).toBe(expected.length);
  let diff = 0;
  let scale = 1e-12;
  expected.forEach((e, i) => {
    diff = Math.max(diff, Math.abs((actual[i] ?? Number.NaN) - e));
    scale = Math.max(scale, Math.abs(e));
  });
  return diff / scale;
}

async function runFixture(fx: Fixture): Promise<Record<string, HostTensor>> {
  const plan = planModel(fx.spec);
  const b = new GraphBuilder({ name: 'torch_check', floatType: 'float64' });
  const x = b.input('x', 'float64', fx.x.shape);
  const y = b.input('y', 'float64', fx.y.shape);
  const params = new Map(plan.parameters.map((p) => [p.name, b.input(p.name, 'float64', p.shape)] as const));
  const logits = emitForward(b, plan.spec, {
    input: x,
    training: true,
    param: (p) => params.get(p.name) ?? '',
  });
  const lv = emitLoss(b, 'softmax-cross-entropy', logits, y);
  const loss = b.op1('ReduceMean', [lv.perExample], { keepdims: { kind: 'int', value: 0 } });
  const grads = addGradients(b, loss, [...params.values()]);
  b.output(logits, 'logits');
  b.output(loss, 'loss');
  for (const [name, v] of params) b.output(grads.get(v) ?? '', `grad:${name}`);
  const run = await loadOrt(
    encodeModel({ graph: b.build(), opsetVersion: DEFAULT_OPSET, producerName: 'test', metadata: {} }),
  );
  const feeds: Record<string, HostTensor> = { x: f64(fx.x), y: f64(fx.y) };
  for (const p of plan.parameters) {
    const stored = fx.params[p.name];
    if (stored === undefined) throw new Error(`fixture lacks ${p.name}`);
    expect(stored.shape).toEqual(p.shape);
    feeds[p.name] = f64(stored);
  }
  expect(Object.keys(fx.params).sort()).toEqual(plan.parameters.map((p) => p.name).sort());
  return { ...(await run(feeds)) };
}

const CASES: [string, Fixture][] = [
  ['nn.LSTM (2 layers) + Linear', lstm2],
  ['nn.GRU + Linear', gru1],
  ['nn.MultiheadAttention (causal mask) + Linear', mhaCausal],
];

describe('sequence layers match PyTorch autograd (float64)', () => {
  it.each(CASES)('%s: logits, loss and all parameter gradients', async (_name, fx) => {
    const out = await runFixture(fx);
    expect(relError(out.logits?.data ?? [], fx.logits.data)).toBeLessThan(1e-4);
    expect(Math.abs(Number(out.loss?.data[0]) - fx.loss) / Math.abs(fx.loss)).toBeLessThan(1e-4);
    for (const [name, g] of Object.entries(fx.grads)) {
      const err = relError(out[`grad:${name}`]?.data ?? [], g);
      expect(err, name).toBeLessThan(1e-4);
    }
  });
});
