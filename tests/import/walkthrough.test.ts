/**
 * Runs the `edgefed` commands of docs/import.md (the block after `<!-- walkthrough -->`)
 * as written, with the CLI from source, in a temporary directory: import summary with
 * freezing, spec output with FedBN, central training and a federated simulation of the
 * PyTorch-exported LeNet-5 fixture.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = new URL('../../', import.meta.url).pathname;
const CLI = join(ROOT, 'coordinator/src/cli/main.ts');
// tsx from the repository (an absolute URL: the commands run in a temporary directory).
const TSX = new URL('node_modules/tsx/dist/loader.mjs', `file://${ROOT}`).href;
const work = mkdtempSync(join(tmpdir(), 'edgefed-import-'));

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

function walkthrough(): string[][] {
  const doc = readFileSync(join(ROOT, 'docs/import.md'), 'utf8');
  const block = /<!-- walkthrough -->\s*```sh\n([\s\S]*?)```/.exec(doc)?.[1] ?? '';
  return block
    .split('\n')
    .filter((l) => l.startsWith('edgefed '))
    .map((l) =>
      (l.match(/'[^']*'|\S+/g) ?? [])
        .slice(1)
        .map((a) => a.replace(/^'(.*)'$/, '$1').replace(/^tests\/fixtures\//, join(ROOT, 'tests/fixtures/'))),
    );
}

function edgefed(args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, ['--conditions=@edgefed/source', '--import', TSX, CLI, ...args], {
    cwd: work,
    encoding: 'utf8',
    timeout: 240_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('docs/import.md walkthrough', () => {
  const commands = walkthrough();

  it('has the four commands', () => {
    expect(commands.map((c) => c.slice(0, 2).join(' '))).toEqual([
      'model import',
      'model import',
      'train --model',
      'simulate --model',
    ]);
  });

  it('model import prints roles, with frozen conv1', () => {
    const r = edgefed(commands[0] ?? []);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/input \[N, 1, 28, 28\] -> output \[N, 10\]/);
    expect(r.out).toMatch(/conv1\.weight +\[6, 1, 5, 5\] +150 +frozen/);
    expect(r.out).toMatch(/bn1\.running_mean +\[6\] +6 +bn-state/);
    expect(r.out).toMatch(/trainable 4622 values, BatchNorm state 28, frozen 156/);
  });

  it('model import --local-bn --out writes a spec', () => {
    const r = edgefed(commands[1] ?? []);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/bn2\.weight +\[8\] +8 +trainable, local/);
    const spec = JSON.parse(readFileSync(join(work, 'lenet-bn.spec.json'), 'utf8')) as {
      onnx: { localBatchNorm: boolean; model: string };
    };
    expect(spec.onnx.localBatchNorm).toBe(true);
    expect(spec.onnx.model.length).toBeGreaterThan(20_000);
  });

  it('train --model FILE.onnx learns MNIST', () => {
    const r = edgefed(commands[2] ?? []);
    expect(r.code).toBe(0);
    const acc = /test acc ([\d.]+)%/.exec(r.out)?.[1];
    expect(Number(acc)).toBeGreaterThan(50);
  });

  it('simulate --model FILE.onnx --local-bn completes its rounds', () => {
    const r = edgefed(commands[3] ?? []);
    expect(r.code).toBe(0);
    const result = JSON.parse(r.out.trim().split('\n').at(-1) ?? '{}') as {
      status?: string;
      rounds?: number;
    };
    expect(result).toMatchObject({ status: 'completed', rounds: 2 });
    expect(existsSync(join(work, 'lenet-bn.spec.json'))).toBe(true);
  });
});
