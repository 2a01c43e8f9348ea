import { mkdtemp, readFile, rm } from 'node:fs/promises';
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
    const inference = await ort.InferenceSession.create(join(dir, 'inference.onnx'));
    const out = await inference.run({
      x: new ort.Tensor('float32', new Float32Array(2 * 784).fill(0.5), [2, 1, 28, 28]),
    });
    const probs = out.probabilities?.data as Float32Array;
    expect(probs.length).toBe(20);
    expect((probs[0] ?? 0) + probs.slice(1, 10).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
  });

  it('prints usage and returns 2 without --out', async () => {
    expect(await runModelExportCommand(['--model', 'cnn'])).toBe(2);
  });
});
