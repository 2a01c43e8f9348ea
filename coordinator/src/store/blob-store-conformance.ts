/**
 * The conformance suite every BlobStore passes (Hono's `common.case.test.ts` pattern):
 * call {@link runBlobStoreConformance} from a `*.test.ts` file with a factory.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Readable } from 'node:stream';
import type { BlobStore } from './blob-store.js';
import { sha256Hex } from './hash.js';

/** Makes a fresh, empty store for one test. */
export type BlobStoreFactory = () => Promise<BlobStore>;

/** Deterministic pseudo-random bytes (mulberry32), so failures reproduce. */
export function seededBytes(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let a = seed >>> 0;
  for (let i = 0; i < length; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    out[i] = (t ^ (t >>> 14)) & 0xff;
  }
  return out;
}

async function readAll(stream: Readable): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return new Uint8Array(Buffer.concat(chunks));
}

const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const MISSING = 'f'.repeat(64);
const BAD_HASHES = ['', 'abc', 'A'.repeat(64), `../${'a'.repeat(61)}`, `${'a'.repeat(63)}/`, 'g'.repeat(64)];

/** Registers the BlobStore conformance tests under `describe(name)`. */
export function runBlobStoreConformance(name: string, factory: BlobStoreFactory): void {
  describe(`BlobStore conformance: ${name}`, () => {
    let store: BlobStore;
    beforeEach(async () => {
      store = await factory();
    });
    afterEach(async () => {
      await store.close();
    });

    it('stores bytes under their SHA-256 and returns them', async () => {
      const data = seededBytes(1000, 1);
      const info = await store.put(data);
      expect(info.hash).toMatch(/^[0-9a-f]{64}$/);
      expect(info).toEqual({ hash: sha256Hex(data), size: 1000, created: true });
      expect(await store.get(info.hash)).toEqual(data);
      expect(await store.has(info.hash)).toBe(true);
      expect(await store.size(info.hash)).toBe(1000);
    });

    it('stores the empty blob under the well-known empty hash', async () => {
      const info = await store.put(new Uint8Array(0));
      expect(info).toEqual({ hash: EMPTY_SHA256, size: 0, created: true });
      expect(await store.get(EMPTY_SHA256)).toEqual(new Uint8Array(0));
      expect(await readAll(await store.createReadStream(EMPTY_SHA256))).toEqual(new Uint8Array(0));
    });

    it('is idempotent: the same bytes again write nothing', async () => {
      const data = seededBytes(64, 2);
      const first = await store.put(data);
      const second = await store.put(Buffer.from(data));
      expect(second).toEqual({ ...first, created: false });
      expect(await store.get(first.hash)).toEqual(data);
    });

    it('survives concurrent puts of the same and of different bytes', async () => {
      const same = seededBytes(5000, 3);
      const blobs = [same, seededBytes(5000, 4), seededBytes(5000, 5)];
      const infos = await Promise.all([...blobs, same, same].map((b) => store.put(b)));
      expect(new Set(infos.map((i) => i.hash)).size).toBe(3);
      expect(infos.filter((i) => i.hash === sha256Hex(same)).some((i) => i.created)).toBe(true);
      for (const b of blobs) expect(await store.get(sha256Hex(b))).toEqual(b);
    });

    it('keeps its own copy of the bytes', async () => {
      const data = seededBytes(32, 6);
      const { hash } = await store.put(data);
      data.fill(0);
      const read = await store.get(hash);
      read.fill(1);
      expect(await store.get(hash)).toEqual(seededBytes(32, 6));
    });

    it('reports missing blobs as NOT_FOUND (and has() as false)', async () => {
      expect(await store.has(MISSING)).toBe(false);
      await expect(store.get(MISSING)).rejects.toMatchObject({ code: 'NOT_FOUND' });
      await expect(store.size(MISSING)).rejects.toMatchObject({ code: 'NOT_FOUND' });
      await expect(store.createReadStream(MISSING)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    });

    it('rejects malformed hashes (including path tricks) with INVALID_ARGUMENT', async () => {
      for (const bad of BAD_HASHES) {
        await expect(store.get(bad)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
        await expect(store.has(bad)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
        await expect(store.size(bad)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
        await expect(store.createReadStream(bad)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
      }
    });

    it('rejects data that is not a Uint8Array', async () => {
      for (const bad of ['text', [1, 2], new Float32Array(2), null]) {
        await expect(store.put(bad as unknown as Uint8Array)).rejects.toMatchObject({
          code: 'INVALID_ARGUMENT',
        });
      }
    });

    it('streams a whole blob of over 1 MiB and byte ranges of it', async () => {
      const data = seededBytes(1024 * 1024 + 17, 7);
      const { hash } = await store.put(data);
      const same = (a: Uint8Array, b: Uint8Array): void => {
        expect(a.length).toBe(b.length);
        expect(Buffer.compare(a, b)).toBe(0);
      };
      same(await readAll(await store.createReadStream(hash)), data);
      same(await readAll(await store.createReadStream(hash, { start: 10, end: 19 })), data.subarray(10, 20));
      same(await readAll(await store.createReadStream(hash, { start: data.length - 5 })), data.subarray(-5));
      const clamped = await store.createReadStream(hash, { start: 100, end: data.length + 1000 });
      same(await readAll(clamped), data.subarray(100));
    });

    it('rejects bad ranges with INVALID_ARGUMENT', async () => {
      const { hash } = await store.put(seededBytes(100, 8));
      for (const range of [{ start: -1 }, { start: 5, end: 4 }, { start: 1.5 }, { end: Number.NaN }]) {
        await expect(store.createReadStream(hash, range)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
      }
    });

    it('deletes a blob idempotently and leaves the others', async () => {
      const keep = await store.put(seededBytes(50, 11));
      const gone = await store.put(seededBytes(50, 12));
      expect(await store.delete(gone.hash)).toBe(true);
      expect(await store.delete(gone.hash)).toBe(false);
      expect(await store.delete(MISSING)).toBe(false);
      expect(await store.has(gone.hash)).toBe(false);
      await expect(store.get(gone.hash)).rejects.toMatchObject({ code: 'NOT_FOUND' });
      expect(await store.get(keep.hash)).toEqual(seededBytes(50, 11));
      for (const bad of BAD_HASHES) {
        await expect(store.delete(bad)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
      }
      const again = await store.put(seededBytes(50, 12));
      expect(again).toEqual({ ...gone, created: true });
      expect(await store.get(gone.hash)).toEqual(seededBytes(50, 12));
    });

    it('refuses calls after close (FAILED_PRECONDITION); close is idempotent', async () => {
      const { hash } = await store.put(seededBytes(10, 9));
      await store.close();
      await store.close();
      await expect(store.get(hash)).rejects.toMatchObject({ code: 'FAILED_PRECONDITION' });
      await expect(store.put(seededBytes(10, 10))).rejects.toMatchObject({ code: 'FAILED_PRECONDITION' });
      await expect(store.has(hash)).rejects.toMatchObject({ code: 'FAILED_PRECONDITION' });
      await expect(store.delete(hash)).rejects.toMatchObject({ code: 'FAILED_PRECONDITION' });
    });
  });
}
