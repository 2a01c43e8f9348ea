import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterEach, describe, expect, it } from 'vitest';
import { runModelExportCommand } from './model-export.js';

interface Entry {
  name: string;
  role: string;
}
interface Manifest {
  parameters: { name: string; shape: number[] }[];
  graphs: Record<string, { inputs: Entry[]; outputs: Entry[] }>;
}

let dir: string | undefined;
afterEach(async () => {
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

describe('edgefed model export', () => {
  it('writes loadable graphs whose inputs and outputs match the manifest', async () => {
    dir = await mkdtemp(join(tmpdir(), 'edgefed-export-'));
    expect(await runModelExportCommand(['--model', 'tiny-cnn', '--out', dir, '--optimizer', 'adam'])).toBe(0);
    const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as Manifest;
    expect(manifest.parameters.map((p) => p.name).length).toBeGreaterThan(0);
    for (const file of [
      'inference.onnx',
      'train-step.onnx',
      'eval.onnx',
      'saliency.onnx',
      'integrated-gradients.onnx',
    ]) {
      const session = await ort.InferenceSession.create(join(dir, file));
      const m = manifest.graphs[file];
      expect(session.inputNames).toEqual(m?.inputs.map((e) => e.name));
      expect(session.outputNames).toEqual(m?.outputs.map((e) => e.name));
      await session.release();
    }
    expect(manifest.graphs['train-step.onnx']?.inputs.some((e) => e.role === 'optimizer-state')).toBe(true);
    expect(manifest.graphs['attention.onnx']).toBeUndefined();
    const inference = await ort.InferenceSession.create(join(dir, 'inference.onnx'));
    const out = await inference.run({
      x: new ort.Tensor('float32', new Float32Array(2 * 784).fill(0.5), [2, 1, 28, 28]),
    });
    const probs = out.probabilities?.data as Float32Array;
    expect(probs.length).toBe(20);
    expect((probs[0] ?? 0) + probs.slice(1, 10).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
  });

  it('writes attention.onnx for a transformer: rows of the chosen weights sum to 1, causal', async () => {
    dir = await mkdtemp(join(tmpdir(), 'edgefed-export-'));
    const spec = {
      input: { shape: [6] },
      layers: [
        { type: 'embedding', vocabSize: 9, dim: 8 },
        { type: 'positionalEmbedding', kind: 'learned' },
        { type: 'transformerBlock', heads: 2, mlpDim: 16, causal: true },
        { type: 'layerNorm' },
        { type: 'dense', units: 9 },
      ],
    };
    const file = join(dir, 'tiny-transformer.json');
    await writeFile(file, JSON.stringify(spec));
    const out = join(dir, 'out');
    const args = ['--model', file, '--out', out, '--attention-layer', 'transformerBlock0'];
    expect(await runModelExportCommand([...args, '--attention-head', 'mean'])).toBe(0);
    const manifest = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8')) as Manifest;
    const m = manifest.graphs['attention.onnx'];
    const session = await ort.InferenceSession.create(join(out, 'attention.onnx'));
    expect(session.inputNames).toEqual(m?.inputs.map((e) => e.name));
    expect(session.outputNames).toEqual(['logits', 'probabilities', 'attention']);
    const feeds: Record<string, ort.Tensor> = {
      x: new ort.Tensor('float32', Float32Array.from([1, 4, 2, 8, 0, 3]), [1, 6]),
    };
    for (const p of manifest.parameters)
      feeds[p.name] = new ort.Tensor(
        'float32',
        new Float32Array(p.shape.reduce((a, b) => a * b, 1)).map((_, i) => Math.sin(i + p.name.length) * 0.3),
        p.shape,
      );
    const w = (await session.run(feeds)).attention?.data as Float32Array;
    await session.release();
    expect(w.length).toBe(36);
    for (let i = 0; i < 6; i++) {
      const row = w.slice(i * 6, i * 6 + 6);
      expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
      expect([...row.slice(i + 1)].every((v) => v === 0)).toBe(true);
    }
    await expect(runModelExportCommand([...args, '--attention-head', '2'])).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
    await expect(
      runModelExportCommand(['--model', 'tiny-cnn', '--out', out, '--attention-head', '0']),
    ).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('prints usage and returns 2 without --out', async () => {
    expect(await runModelExportCommand(['--model', 'cnn'])).toBe(2);
  });
});
