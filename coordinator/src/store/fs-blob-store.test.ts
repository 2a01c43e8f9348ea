/** File-specific BlobStore tests: layout, reopen, corruption, crash leftovers. */
import { mkdir, mkdtemp, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { seededBytes } from './blob-store-conformance.js';
import { openFsBlobStore } from './fs-blob-store.js';
import { sha256Hex } from './hash.js';

describe('openFsBlobStore', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'edgefed-fsblob-'));
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('writes <dir>/<first two hex>/<hash> and leaves no temp files', async () => {
    const store = await openFsBlobStore({ dir: root });
    const data = seededBytes(4096, 11);
    const { hash } = await store.put(data);
    expect(new Uint8Array(await readFile(join(root, hash.slice(0, 2), hash)))).toEqual(data);
    expect(await readdir(join(root, hash.slice(0, 2)))).toEqual([hash]);
    await store.close();
  });

  it('lets several stores on one directory (nodes on a shared path) put one blob at once', async () => {
    const stores = await Promise.all([1, 2, 3].map(() => openFsBlobStore({ dir: root })));
    const data = seededBytes(2 * 1024 * 1024, 14);
    const infos = await Promise.all([...stores, ...stores].map((s) => s.put(data)));
    const hash = sha256Hex(data);
    expect(infos.every((i) => i.hash === hash)).toBe(true);
    expect(await readdir(join(root, hash.slice(0, 2)))).toEqual([hash]); // no temp file left
    for (const s of stores) expect(Buffer.compare(await s.get(hash), data)).toBe(0); // toEqual: slow at 2 MiB
    await Promise.all(stores.map((s) => s.close()));
  });

  it('keeps blobs across close and reopen', async () => {
    const first = await openFsBlobStore({ dir: root });
    const data = seededBytes(777, 12);
    const { hash } = await first.put(data);
    await first.close();
    const second = await openFsBlobStore({ dir: root });
    expect(await second.get(hash)).toEqual(data);
    expect(await second.put(data)).toMatchObject({ created: false });
    await second.close();
  });

  it('detects a corrupted file on get, unless verify is off', async () => {
    const store = await openFsBlobStore({ dir: root });
    const data = seededBytes(100, 13);
    const { hash } = await store.put(data);
    const damaged = data.slice();
    damaged[50] = damaged[50]! ^ 1;
    await writeFile(join(root, hash.slice(0, 2), hash), damaged);
    await expect(store.get(hash)).rejects.toMatchObject({ code: 'CHECKSUM_MISMATCH' });
    expect(await store.get(hash, { verify: false })).toEqual(damaged);
    await store.close();
  });

  it('repairs a damaged or truncated file when the same bytes are put again', async () => {
    const store = await openFsBlobStore({ dir: root });
    const data = seededBytes(100, 14);
    const { hash } = await store.put(data);
    const path = join(root, hash.slice(0, 2), hash);
    for (const damage of [data.slice(0, 60), seededBytes(100, 15)]) {
      await writeFile(path, damage);
      expect(await store.put(data)).toEqual({ hash, size: 100, created: true });
      expect(await store.get(hash)).toEqual(data);
    }
    await store.close();
  });

  it('removes stale temp files on open and keeps fresh ones', async () => {
    const shard = join(root, 'ab');
    await mkdir(shard);
    const stale = join(shard, '.tmp-stale');
    const fresh = join(shard, '.tmp-fresh');
    await writeFile(stale, 'partial');
    await writeFile(fresh, 'in flight');
    const hourAgo = new Date(Date.now() - 3_600_000);
    await utimes(stale, hourAgo, hourAgo);
    const store = await openFsBlobStore({ dir: root, staleTempMs: 60_000 });
    expect((await readdir(shard)).sort()).toEqual(['.tmp-fresh']);
    await store.close();
  });

  it('rejects bad options and unusable directories', async () => {
    await expect(openFsBlobStore({ dir: '' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(openFsBlobStore({ dir: root, staleTempMs: -1 })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
    const file = join(root, 'not-a-dir');
    await writeFile(file, 'x');
    await expect(openFsBlobStore({ dir: file })).rejects.toMatchObject({ code: 'STORE_ERROR' });
    await expect(openFsBlobStore({ dir: join(file, 'below') })).rejects.toMatchObject({
      code: 'STORE_ERROR',
    });
  });

  it('names blobs by the SHA-256 of their bytes', async () => {
    const store = await openFsBlobStore({ dir: root });
    const text = new TextEncoder().encode('abc');
    const { hash } = await store.put(text);
    expect(hash).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(hash).toBe(sha256Hex(text));
    await store.close();
  });
});
