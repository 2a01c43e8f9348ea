/**
 * The ModelLibrary over both backends (memory, and files + a real file BlobStore in a temp
 * dir): validation codes, content addressing, listing, spec resolution with options and its
 * errors; the file backend keeps uploads across a reopen and skips an entry whose blob is
 * gone.
 */
import { mkdtempSync, readFileSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isEdgefedError } from '@edgefed/shared';
import { openFsBlobStore } from './fs-blob-store.js';
import { openFsModelLibrary } from './fs-model-library.js';
import { createMemoryModelLibrary, MAX_ONNX_MODEL_BYTES, type ModelLibrary } from './model-library.js';

const FIXTURES = new URL('../../../tests/fixtures/onnx/', import.meta.url);
const lenet = new Uint8Array(readFileSync(new URL('lenet-bn.onnx', FIXTURES)));
const mlp = new Uint8Array(readFileSync(new URL('mlp.onnx', FIXTURES)));
const dirs: string[] = [];

afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return isEdgefedError(e) ? e.code : 'not an EdgefedError';
  }
  return undefined;
}

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  return p.then(
    () => undefined,
    (e: unknown) => (isEdgefedError(e) ? e.code : 'not an EdgefedError'),
  );
}

async function fsLibrary(dir?: string): Promise<{ lib: ModelLibrary; dir: string }> {
  const d = dir ?? mkdtempSync(join(tmpdir(), 'edgefed-models-'));
  if (dir === undefined) dirs.push(d);
  const blobs = await openFsBlobStore({ dir: join(d, 'blobs') });
  return { lib: await openFsModelLibrary({ dir: join(d, 'models'), blobs }), dir: d };
}

const backends: [string, () => Promise<ModelLibrary>][] = [
  ['memory', () => createMemoryModelLibrary()],
  ['files', async () => (await fsLibrary()).lib],
];

describe.each(backends)('ModelLibrary (%s)', (_name, open) => {
  it('adds once per content, lists, gets and resolves specs', async () => {
    const lib = await open();
    const a = await lib.add(lenet, { name: 'lenet-bn' });
    expect(a).toMatchObject({ created: true, size: lenet.byteLength, name: 'lenet-bn' });
    expect(a.hash).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect((await lib.add(lenet, { name: 'other' })).created).toBe(false);
    await lib.add(mlp);
    expect(lib.list().map((m) => m.hash)).toContain(a.hash);
    expect(lib.list()).toHaveLength(2);
    expect(lib.get(a.hash.slice(7)).name).toBe('lenet-bn');
    expect(lib.bytes(a.hash)).toEqual(lenet);
    const spec = lib.specFor({ onnx: a.hash, localBn: true, freeze: ['conv1.*'] });
    expect(spec.onnx).toMatchObject({ localBatchNorm: true, freeze: ['conv1.*'] });
    expect(lib.specFor({ onnx: a.hash, localBn: true, freeze: ['conv1.*'] })).toBe(spec); // cached
  });

  it('refuses bad uploads and references with stable codes', async () => {
    const lib = await open();
    expect(await codeOf(lib.add(new Uint8Array(0)))).toBe('INVALID_MODEL');
    expect(await codeOf(lib.add(new TextEncoder().encode('no onnx')))).toBe('INVALID_MODEL');
    expect(await codeOf(lib.add(new Uint8Array(readFileSync(new URL('unsupported.onnx', FIXTURES)))))).toBe(
      'UNSUPPORTED_OP',
    );
    expect(await codeOf(lib.add(new Uint8Array(MAX_ONNX_MODEL_BYTES + 1)))).toBe('PAYLOAD_TOO_LARGE');
    expect(lib.list()).toHaveLength(0);
    expect(code(() => lib.get(`sha256:${'a'.repeat(64)}`))).toBe('NOT_FOUND');
    expect(code(() => lib.get('sha256:XYZ'))).toBe('INVALID_ARGUMENT');
    expect(code(() => lib.specFor({ onnx: `sha256:${'a'.repeat(64)}` }))).toBe('INVALID_MODEL');
    expect(code(() => lib.specFor({ onnx: 'lenet' }))).toBe('INVALID_MODEL');
    expect(code(() => lib.specFor({ onnx: `sha256:${'a'.repeat(64)}`, extra: 1 }))).toBe('INVALID_MODEL');
  });
});

describe('file ModelLibrary', () => {
  it('keeps uploads across a reopen and skips an entry whose blob is gone', async () => {
    const first = await fsLibrary();
    const a = await first.lib.add(lenet, { name: 'lenet-bn' });
    const b = await first.lib.add(mlp, { name: 'mlp' });
    await first.lib.close();
    const again = await fsLibrary(first.dir);
    expect(
      again.lib
        .list()
        .map((m) => m.name)
        .sort(),
    ).toEqual(['lenet-bn', 'mlp']);
    expect(again.lib.bytes(a.hash)).toEqual(lenet);
    const hex = b.hash.slice(7);
    unlinkSync(join(first.dir, 'blobs', hex.slice(0, 2), hex));
    const skipped: string[] = [];
    const blobs = await openFsBlobStore({ dir: join(first.dir, 'blobs') });
    const third = await openFsModelLibrary({
      dir: join(first.dir, 'models'),
      blobs,
      onSkipped: (file) => skipped.push(file),
    });
    expect(third.list().map((m) => m.name)).toEqual(['lenet-bn']);
    expect(skipped).toEqual([`${hex}.json`]);
  });
});
