/**
 * The text-parity hand-over to PyTorch (bench/text-parity-lib): the parity file's byte
 * layout (what bench/baselines/text_parity.py reads), its round trip and errors, the seeded
 * training order, and that a prepared file holds exactly the windows of edgefed's SOTU
 * pipeline (as `edgefed simulate` builds them) and the Trainer's initial parameters. Small:
 * 2 presidents, a few windows each. The full parity run is `npm run bench -- text-parity`.
 */
import { describe, expect, it } from 'vitest';
import { EdgefedError } from '@edgefed/shared';
import { createNodeBackend, createTrainer } from '@edgefed/client';
import { loadTextSimulationData, parseSimulationConfig } from '@edgefed/coordinator';
import {
  decodeParityFile,
  encodeParityFile,
  PARITY_MAGIC,
  type ParityFile,
} from '../../bench/text-parity-lib/parity-file.js';
import { prepareParity, trainingOrder } from '../../bench/text-parity-lib/prepare.js';

const header = {
  model: 'char-lstm',
  spec: { input: { shape: [2] }, layers: [] },
  vocabularySize: 5,
  sequenceLength: 2,
  batchSize: 1,
  steps: 2,
  optimizer: { type: 'adam' as const, lr: 0.01 },
  seed: 0,
  data: { note: 'test' },
};

describe('parity file', () => {
  it('lays out magic, header length, 4-byte aligned arrays, and round-trips', () => {
    const f: ParityFile = {
      header,
      arrays: new Map([
        ['train_x', { shape: [2, 2], data: Int32Array.of(1, 2, 3, 4) }],
        ['w', { shape: [3], data: Float32Array.of(0.5, -1, 2) }],
      ]),
    };
    const bytes = encodeParityFile(f);
    expect(new TextDecoder().decode(bytes.subarray(0, 8))).toBe(PARITY_MAGIC);
    const view = new DataView(bytes.buffer, bytes.byteOffset);
    const len = view.getUint32(8, true);
    const parsed = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + len))) as {
      arrays: { name: string; dtype: string; offset: number }[];
    };
    expect(parsed.arrays.map((a) => [a.name, a.dtype, a.offset])).toEqual([
      ['train_x', 'int32', 0],
      ['w', 'float32', 16],
    ]);
    const start = Math.ceil((12 + len) / 4) * 4;
    expect(bytes.length).toBe(start + 16 + 12);
    expect(view.getInt32(start + 12, true)).toBe(4);
    expect(view.getFloat32(start + 16 + 4, true)).toBe(-1);
    const back = decodeParityFile(bytes);
    expect(back.header).toEqual(header);
    expect(Array.from(back.arrays.get('train_x')?.data ?? [])).toEqual([1, 2, 3, 4]);
    expect(back.arrays.get('w')?.data).toBeInstanceOf(Float32Array);
    expect(Array.from(back.arrays.get('w')?.data ?? [])).toEqual([0.5, -1, 2]);
  });

  it('refuses bad input with stable codes', () => {
    const bad: ParityFile = { header, arrays: new Map([['x', { shape: [3], data: Int32Array.of(1, 2) }]]) };
    expect(() => encodeParityFile(bad)).toThrow(expect.objectContaining({ code: 'SHAPE_MISMATCH' }) as Error);
    expect(() => decodeParityFile(new TextEncoder().encode('not a parity file'))).toThrow(EdgefedError);
    const ok = encodeParityFile({
      header,
      arrays: new Map([['x', { shape: [2], data: Int32Array.of(1, 2) }]]),
    });
    expect(() => decodeParityFile(ok.subarray(0, ok.length - 4))).toThrow(
      expect.objectContaining({ code: 'CORRUPT_PAYLOAD' }) as Error,
    );
  });
});

describe('trainingOrder', () => {
  it('concatenates seeded permutations: each window once per epoch, reproducible', () => {
    const o = trainingOrder(5, 12, 3);
    expect([...o.subarray(0, 5)].sort()).toEqual([0, 1, 2, 3, 4]);
    expect([...o.subarray(5, 10)].sort()).toEqual([0, 1, 2, 3, 4]);
    expect(Array.from(trainingOrder(5, 12, 3))).toEqual(Array.from(o));
    expect(Array.from(trainingOrder(5, 12, 4))).not.toEqual(Array.from(o));
  });
});

describe('prepareParity', () => {
  it("holds the simulate pipeline's windows in training order and the Trainer's initial parameters", async () => {
    const c = {
      model: 'char-lstm' as const,
      clients: 2,
      trainLimit: 6,
      testLimit: 2,
      sequenceLength: 8,
      batchSize: 2,
      steps: 4,
      optimizer: 'adam' as const,
      lr: 0.01,
      seed: 1,
    };
    const p = await prepareParity(c);
    const sim = await loadTextSimulationData({
      ...parseSimulationConfig({
        dataset: 'sotu',
        partition: 'natural',
        model: 'char-lstm',
        clients: 2,
        trainLimit: 6,
        testLimit: 2,
        sequenceLength: 8,
      }),
      dataset: 'sotu',
    });
    expect(p.train.size).toBe(12);
    expect(p.file.header.vocabularySize).toBe(sim.vocabularySize);
    const x = p.file.arrays.get('train_x');
    const y = p.file.arrays.get('train_y');
    expect(x?.shape).toEqual([8, 8]);
    p.order.forEach((w, row) => {
      for (let t = 0; t < 8; t++) {
        expect(x?.data[row * 8 + t]).toBe(sim.train.features[w * 8 + t]);
        expect(y?.data[row * 8 + t]).toBe(sim.train.labels[w * 8 + t]);
      }
    });
    expect(p.file.arrays.get('test_y')?.shape).toEqual([sim.test.size, 8]);
    expect(Array.from(p.file.arrays.get('test_y')?.data ?? [])).toEqual(Array.from(sim.test.labels));
    // The Trainer with initSeed = seed starts from the exported parameters.
    const trainer = await createTrainer({
      spec: p.spec,
      backend: await createNodeBackend({ intraOpNumThreads: 1 }),
      compileOptions: { loss: 'softmax-cross-entropy', optimizer: { type: 'adam' } },
      initSeed: c.seed,
    });
    const params = trainer.getParameters();
    trainer.dispose();
    expect(params.size).toBe(11);
    for (const [name, t] of params) {
      expect(p.file.arrays.get(name)?.shape).toEqual(t.shape);
      expect(Array.from(p.file.arrays.get(name)?.data ?? [])).toEqual(Array.from(t.data));
    }
  });
});
