/**
 * ONNX import against PyTorch: each fixture exported by torch.onnx.export
 * (tests/fixtures/onnx/make_fixtures.py) is imported and compiled; the train step's loss
 * and gradients, three SGD steps (parameters and BatchNorm running statistics) and the
 * inference outputs must match PyTorch autograd within 1e-4 relative error; the trained
 * model exported back into the original ONNX file runs in onnxruntime-node and matches
 * edgefed's inference graph; every emitted graph passes the WebGPU check.
 */
import { describe, expect, it } from 'vitest';
import {
  compileImportedModel,
  decodeModel,
  exportImportedModel,
  findWebGpuIssues,
  importOnnxModel,
  isEdgefedError,
  type CompiledModel,
  type ImportedModel,
  type Tensor,
} from '@edgefed/shared';
import {
  fixtureBytes,
  fixtureReference,
  oneHot,
  relError,
  runOrt,
  type Feeds,
  type Reference,
} from './fixtures.js';

const FIXTURES = ['mlp', 'lenet-bn', 'dsconv', 'ops'] as const;
const TOL = 1e-4;

function trainFeeds(
  model: CompiledModel,
  values: ReadonlyMap<string, Tensor>,
  ref: Reference,
  lr: number,
): Feeds {
  const feeds: Feeds = {};
  for (const e of model.trainStep.manifest.inputs) {
    const shape = e.shape.map(Number);
    const size = shape.reduce((a, b) => a * b, 1);
    if (e.role === 'parameter') feeds[e.name] = { shape, data: values.get(e.name)?.data as Float32Array };
    else if (e.role === 'optimizer-state') feeds[e.name] = { shape, data: new Float32Array(size) };
    else if (e.role === 'hyper-parameter')
      feeds[e.name] = { shape, data: Float32Array.of(e.name === 'lr' ? lr : (e.default ?? 0)) };
    else if (e.role === 'batch') feeds[e.name] = { shape, data: ref.x.data };
    else if (e.role === 'label') feeds[e.name] = { shape, data: oneHot(ref.labels, ref.classes) };
    // Every row real; dropout off as in the reference: a mask of 1 - rate cancels the
    // graph's 1 / (1 - rate) rescaling exactly.
    else if (e.role === 'mask')
      feeds[e.name] = { shape, data: new Float32Array(size).fill(1 - (e.rate ?? 0)) };
  }
  return feeds;
}

function newValues(model: CompiledModel, out: Record<string, Float32Array>): Map<string, Tensor> {
  const m = new Map<string, Tensor>();
  for (const p of model.parameters) {
    const data = out[`${p.name}.new`];
    if (data !== undefined) m.set(p.name, { dtype: 'float32', shape: p.shape, data });
  }
  return m;
}

async function inference(
  model: CompiledModel,
  values: ReadonlyMap<string, Tensor>,
  ref: Reference,
): Promise<Float32Array> {
  const feeds: Feeds = { x: { shape: ref.x.shape, data: ref.x.data } };
  for (const p of model.parameters)
    feeds[p.name] = { shape: p.shape, data: values.get(p.name)?.data as Float32Array };
  const out = await runOrt(model.inference.onnx, feeds);
  return out.logits ?? new Float32Array();
}

describe.each(FIXTURES)('imported PyTorch model %s', (name) => {
  const bytes = fixtureBytes(name);
  const ref = fixtureReference(name);
  let imported: ImportedModel;
  let model: CompiledModel;

  it('imports with PyTorch parameter names and compiles', () => {
    imported = importOnnxModel(bytes);
    model = compileImportedModel(imported, {
      loss: 'softmax-cross-entropy',
      optimizer: { type: 'sgd' },
      batchSize: ref.batch,
    });
    const trainable = imported.parameters.filter((p) => p.trainable !== false).map((p) => p.name);
    expect(trainable.sort()).toEqual([...ref.grads.keys()].sort());
    expect(imported.parameters.map((p) => p.name).sort()).toEqual([...ref.sgd.state.keys()].sort());
    expect(imported.outputShape).toEqual([ref.classes]);
  });

  it('emits graphs that pass the WebGPU check', () => {
    for (const g of [model.inference, model.evaluation, model.trainStep])
      expect(findWebGpuIssues(decodeModel(g.onnx).graph)).toEqual([]);
  });

  it('matches PyTorch loss and gradients (train mode, dropout off)', async () => {
    // With SGD the update is w - lr g, so g = (w - w.new) / lr; a large power-of-two lr
    // keeps float32 rounding of w out of the recovered gradient.
    const lr = 1024;
    const out = await runOrt(model.trainStep.onnx, trainFeeds(model, imported.initialParameters, ref, lr));
    expect(Math.abs((out.loss?.[0] ?? 0) - ref.loss) / ref.loss).toBeLessThan(TOL);
    // Each gradient relative to its own largest entry, floored at 5% of the model's largest
    // gradient: analytically zero gradients (a conv bias followed by BatchNorm: PyTorch gives
    // ~1e-7) and sums with heavy cancellation are not compared at float32 noise level.
    const floor = 0.05 * Math.max(...[...ref.grads.values()].flatMap((g) => Array.from(g.data, Math.abs)));
    for (const [pname, g] of ref.grads) {
      const w = imported.initialParameters.get(pname)?.data ?? new Float32Array();
      const next = out[`${pname}.new`] ?? new Float32Array();
      const grad = w.map((v, i) => (v - (next[i] ?? 0)) / lr);
      expect(relError(grad, g.data, floor), pname).toBeLessThan(TOL);
    }
  });

  it('matches PyTorch after SGD steps, BatchNorm running statistics included', async () => {
    let values: ReadonlyMap<string, Tensor> = imported.initialParameters;
    for (let s = 0; s < ref.sgd.steps; s++)
      values = newValues(
        model,
        await runOrt(model.trainStep.onnx, trainFeeds(model, values, ref, ref.sgd.lr)),
      );
    for (const [pname, want] of ref.sgd.state)
      expect(relError(values.get(pname)?.data ?? [], want.data), pname).toBeLessThan(TOL);
  });

  it('inference uses the running statistics like PyTorch eval()', async () => {
    const logits = await inference(model, imported.initialParameters, ref);
    expect(relError(logits, ref.evalLogits.data)).toBeLessThan(TOL);
  });

  it('exports the trained model into the original file; onnxruntime matches edgefed inference', async () => {
    let values: ReadonlyMap<string, Tensor> = imported.initialParameters;
    values = newValues(model, await runOrt(model.trainStep.onnx, trainFeeds(model, values, ref, ref.sgd.lr)));
    const exported = exportImportedModel(bytes, values);
    const ours = await inference(model, values, ref);
    const theirs = (await runOrt(exported, { input: { shape: ref.x.shape, data: ref.x.data } })).logits;
    expect(relError(theirs ?? [], ours)).toBeLessThan(TOL);
    expect(relError(ours, ref.evalLogits.data)).toBeGreaterThan(TOL); // it did change
    const reimported = importOnnxModel(exported);
    for (const [k, v] of values) expect(reimported.initialParameters.get(k)?.data).toEqual(v.data);
  });
});

describe('a PyTorch model with unsupported ops', () => {
  it('fails with UNSUPPORTED_OP naming every such node', () => {
    let err: unknown;
    try {
      importOnnxModel(fixtureBytes('unsupported'));
    } catch (e) {
      err = e;
    }
    expect(isEdgefedError(err, 'UNSUPPORTED_OP')).toBe(true);
    const e = err as { message: string; details?: { nodes?: unknown } };
    expect(e.message).toContain('CumSum "/CumSum" (node 1)');
    expect(e.message).toContain('HardSwish "/HardSwish" (node 2)');
    expect(e.details?.nodes).toEqual([
      { op: 'CumSum', domain: '', name: '/CumSum', index: 1 },
      { op: 'HardSwish', domain: '', name: '/HardSwish', index: 2 },
    ]);
  });
});
