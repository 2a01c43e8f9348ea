import { isEdgefedError } from '@edgefed/shared';
import { describe, expect, it } from 'vitest';
import { runTrainCommand } from './train.js';

function sink(isTTY = false): { write(t: string): boolean; text: () => string; isTTY: boolean } {
  let buf = '';
  return {
    isTTY,
    write(t: string) {
      buf += t;
      return true;
    },
    text: () => buf,
  };
}

describe('edgefed train', () => {
  it('trains 2nn on an MNIST subset and prints epoch loss, test accuracy and samples/s', async () => {
    const stdout = sink();
    const stderr = sink(true);
    const argv = [
      '--model',
      '2nn',
      '--limit',
      '3000',
      '--test-limit',
      '1000',
      '--epochs',
      '2',
      '--lr',
      '0.1',
    ];
    expect(await runTrainCommand(argv, { stdout, stderr })).toBe(0);
    const lines = stdout.text().trim().split('\n');
    expect(lines[0]).toMatch(/2nn on mnist \(3000 train \/ 1000 test\), node, sgd/);
    const m = /epoch 2\/2 {2}train loss ([\d.]+) .* test acc ([\d.]+)% {2}(\d+) samples\/s/.exec(
      lines[2] ?? '',
    );
    expect(m).not.toBeNull();
    expect(Number(m?.[2])).toBeGreaterThan(80);
    expect(Number(m?.[3])).toBeGreaterThan(0);
    expect(stderr.text()).toMatch(/\repoch 1 \[[#.]+\]/);
  });

  it('stops cleanly when aborted', async () => {
    const ac = new AbortController();
    ac.abort();
    const stderr = sink();
    const code = await runTrainCommand(['--model', 'tiny-cnn', '--limit', '100', '--test-limit', '10'], {
      stdout: sink(),
      stderr,
      signal: ac.signal,
    });
    expect(code).toBe(130);
    expect(stderr.text()).toMatch(/interrupted/);
  });

  it('prints help and rejects bad flags', async () => {
    const stdout = sink();
    expect(await runTrainCommand(['--help'], { stdout, stderr: sink() })).toBe(0);
    expect(stdout.text()).toMatch(/--batch-size N/);
    for (const argv of [['--lr', '-1'], ['--model', 'nope'], ['--backend', 'cuda'], ['--bogus']]) {
      await expect(runTrainCommand(argv, { stdout: sink(), stderr: sink() })).rejects.toSatisfy((e) =>
        isEdgefedError(e, 'INVALID_ARGUMENT'),
      );
    }
  });
});
