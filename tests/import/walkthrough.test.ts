/**
 * Runs the `edgefed` commands of docs/import.md (the block after `<!-- walkthrough -->`)
 * as written, with the CLI from source, in a temporary directory: import summary with
 * freezing, spec output with FedBN, central training and a federated simulation of the
 * PyTorch-exported LeNet-5 fixture; then the REST block (after `<!-- walkthrough-rest -->`)
 * as a bash script, with `edgefed` the CLI from source and a free port for 8080: a
 * coordinator, the upload, a FedBN run of it trained by virtual clients, the trained file.
 */
import { spawnSync } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';

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

function restBlock(): string {
  const doc = readFileSync(join(ROOT, 'docs/import.md'), 'utf8');
  return /<!-- walkthrough-rest -->\s*```sh\n([\s\S]*?)```/.exec(doc)?.[1] ?? '';
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('docs/import.md REST walkthrough', () => {
  it('uploads, trains a run of the upload with virtual clients and downloads the trained file', async () => {
    const block = restBlock();
    expect(block).toContain('POST -H "$AUTH"');
    const dir = join(work, 'rest');
    mkdirSync(join(dir, 'bin'), { recursive: true });
    const wrapper = join(dir, 'bin', 'edgefed');
    writeFileSync(
      wrapper,
      `#!/bin/sh\nexec "${process.execPath}" --conditions=@edgefed/source --import ${TSX} ${CLI} "$@"\n`,
    );
    chmodSync(wrapper, 0o755);
    const port = await freePort();
    const script = [
      'set -e',
      // leave nothing running if a command fails half-way
      "trap 'kill $(jobs -p) 2>/dev/null || true' EXIT",
      block.replaceAll('8080', String(port)).replaceAll('tests/fixtures/', join(ROOT, 'tests/fixtures/')),
    ].join('\n');
    const r = spawnSync('bash', ['-c', script], {
      cwd: dir,
      encoding: 'utf8',
      timeout: 240_000,
      env: { ...process.env, PATH: `${join(dir, 'bin')}:${process.env.PATH ?? ''}` },
    });
    const logs = ['serve.log', 'clients.log']
      .map((f) => (existsSync(join(dir, f)) ? readFileSync(join(dir, f), 'utf8') : ''))
      .join('\n');
    expect(r.status, `${r.stderr}\n${logs}`).toBe(0);
    // curl prints the two JSON answers back to back
    const [uploaded, listed] = r.stdout.trim().split(/(?<=\})(?=\{)/);
    const original = readFileSync(join(ROOT, 'tests/fixtures/onnx/lenet-bn.onnx'));
    expect(JSON.parse(uploaded ?? '{}')).toMatchObject({ name: 'lenet-bn', size: original.byteLength });
    expect((JSON.parse(listed ?? '{}') as { models: unknown[] }).models).toHaveLength(1);
    const trained = readFileSync(join(dir, 'lenet-bn-trained.onnx'));
    expect(trained.equals(original)).toBe(false);
    const session = await ort.InferenceSession.create(trained);
    const out = await session.run({
      input: new ort.Tensor('float32', new Float32Array(784), [1, 1, 28, 28]),
    });
    expect(out[session.outputNames[0] ?? '']?.dims).toEqual([1, 10]);
  });
});
