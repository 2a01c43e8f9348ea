import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isEdgefedError } from '@edgefed/shared';
import { describe, expect, it } from 'vitest';
import { loadTextFederation } from '../datasets/load-text.js';
import { runTrainCommand } from './train.js';

function sink(): { write(t: string): boolean; text: () => string; isTTY: boolean } {
  let buf = '';
  return {
    isTTY: false,
    write(t: string) {
      buf += t;
      return true;
    },
    text: () => buf,
  };
}

describe('edgefed train on text (needs the provisioned corpora)', () => {
  it('trains a char model on SOTU and prints token accuracy and perplexity', async () => {
    // Same options as the command builds, so its vocabulary sizes the spec file.
    const fed = await loadTextFederation('sotu', {
      level: 'char',
      sequenceLength: 16,
      vocabularySize: 10_000,
    });
    const V = fed.tokens.length;
    const dir = await mkdtemp(join(tmpdir(), 'edgefed-train-text-'));
    try {
      const spec = join(dir, 'bigram.json');
      const layers = [
        { type: 'embedding', vocabSize: V, dim: 16 },
        { type: 'dense', units: V },
      ];
      await writeFile(spec, JSON.stringify({ input: { shape: [16] }, layers }));
      const stdout = sink();
      const argv = ['--dataset', 'sotu', '--model', spec, '--sequence-length', '16', '--limit', '200'];
      argv.push(
        '--test-limit',
        '50',
        '--epochs',
        '2',
        '--batch-size',
        '10',
        '--optimizer',
        'adam',
        '--lr',
        '0.02',
      );
      expect(await runTrainCommand(argv, { stdout, stderr: sink() })).toBe(0);
      const lines = stdout.text().trim().split('\n');
      expect(lines[0]).toMatch(/on sotu \(200 train \/ 50 test\)/);
      const m = /epoch 2\/2 .* test acc ([\d.]+)% {2}test perplexity ([\d.]+)/.exec(lines[2] ?? '');
      expect(m).not.toBeNull();
      expect(Number(m?.[1])).toBeGreaterThan(20); // chance ~1%, always-space ~16%
      expect(Number(m?.[2])).toBeLessThan(V);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 90_000);

  it('rejects an image model and an unknown dataset for text', async () => {
    for (const argv of [
      ['--dataset', 'sotu', '--model', '2nn'],
      ['--dataset', 'shakespeare'],
    ]) {
      await expect(runTrainCommand(argv, { stdout: sink(), stderr: sink() })).rejects.toSatisfy((e) =>
        isEdgefedError(e, 'INVALID_ARGUMENT'),
      );
    }
  });
});
