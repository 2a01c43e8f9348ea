/**
 * The PostgreSQL BlobStore against a real PostgreSQL (tests/support/postgres.ts, one server
 * for this file): the shared conformance suite, then two stores (two pools, as two nodes
 * would have) putting the same model at once, a damaged row caught on get and repaired by
 * the next put, and small streaming chunks.
 */
import type { Readable } from 'node:stream';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgres, type PostgresServer } from '../../../tests/support/postgres.js';
import { runBlobStoreConformance, seededBytes } from './blob-store-conformance.js';
import { sha256Hex } from './hash.js';
import { openPgBlobStore } from './pg-blob-store.js';

async function readAll(stream: Readable): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return new Uint8Array(Buffer.concat(chunks));
}

let server: PostgresServer;
let url: string;
let pool: pg.Pool;
beforeAll(async () => {
  server = await startPostgres();
  url = await server.createDatabase('blobs');
  pool = new pg.Pool({ connectionString: url, max: 4 });
  pool.on('error', () => undefined); // the server's shutdown ends idle connections
});
afterAll(async () => {
  await pool.end();
  await server.stop();
});

runBlobStoreConformance('postgres', async () => {
  const store = await openPgBlobStore({ pool, schema: 'conformance' });
  await pool.query('DELETE FROM conformance.blobs');
  return store;
});

describe('openPgBlobStore on a shared database', () => {
  it('stores a blob put by two nodes at once exactly once', async () => {
    const [a, b] = await Promise.all([
      openPgBlobStore({ url, schema: 'shared', maxConnections: 2 }),
      openPgBlobStore({ url, schema: 'shared', maxConnections: 2 }),
    ]);
    const model = seededBytes(300_000, 11);
    const infos = await Promise.all([a.put(model), b.put(model), a.put(model), b.put(model)]);
    expect(infos.filter((i) => i.created)).toHaveLength(1);
    expect(Buffer.compare(await b.get(sha256Hex(model)), model)).toBe(0);
    const { rows } = await pool.query<{ n: string }>('SELECT count(*) AS n FROM shared.blobs');
    expect(rows[0]?.n).toBe('1');
    await Promise.all([a.close(), b.close()]);
  });

  it('catches damaged bytes on get (CHECKSUM_MISMATCH) and repairs them on the next put', async () => {
    const store = await openPgBlobStore({ pool, schema: 'damage' });
    const data = seededBytes(5000, 12);
    const { hash } = await store.put(data);
    await pool.query("UPDATE damage.blobs SET data = overlay(data PLACING '\\xff'::bytea FROM 10)");
    await expect(store.get(hash)).rejects.toMatchObject({ code: 'CHECKSUM_MISMATCH' });
    expect(await store.get(hash, { verify: false })).not.toEqual(data);
    expect(await store.put(data)).toEqual({ hash, size: 5000, created: true });
    expect(await store.get(hash)).toEqual(data);
    await store.close();
  });

  it('streams ranges across chunk boundaries', async () => {
    const store = await openPgBlobStore({ pool, schema: 'chunks', chunkBytes: 7 });
    const data = seededBytes(100, 13);
    const { hash } = await store.put(data);
    expect(await readAll(await store.createReadStream(hash))).toEqual(data);
    expect(await readAll(await store.createReadStream(hash, { start: 5, end: 40 }))).toEqual(
      data.subarray(5, 41),
    );
    expect(await readAll(await store.createReadStream(hash, { start: 100 }))).toEqual(new Uint8Array(0));
    await expect(openPgBlobStore({ pool, chunkBytes: 0 })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
    await store.close();
  });
});
