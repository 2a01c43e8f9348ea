/**
 * Ranged model downloads against real coordinators: `GET /models/:hash` with `Range` on each
 * store kind (memory; SQLite with blob files; PostgreSQL blobs in a real server), and the
 * client's ModelFetcher resuming a download whose connection a TCP proxy in front of a real
 * coordinator cuts mid-body: it asks for the rest with `Range` + `If-Range`, and the joined
 * bytes pass the hash check. Against small stand-in servers: a server that answers the resume
 * with the whole model (200) makes the fetcher start over, and one whose resumes never bring
 * a byte (or no answer) makes it give up with `UNAVAILABLE` after `resumeAttempts`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, type ServerResponse } from 'node:http';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCoordinator, loadConfig, type Coordinator } from '@edgefed/coordinator';
import { ModelFetcher } from '@edgefed/client';
import { encodeTensorMap, type TensorMap } from '@edgefed/shared';
import { startPostgres, type PostgresServer } from '../support/postgres.js';

const ADMIN_TOKEN = 'model-range-test-admin-token-0123456789';
const AUTH = { authorization: `Bearer ${ADMIN_TOKEN}` };
const SIZE = 1024 * 1024 + 17;

let postgres: PostgresServer;
const dirs: string[] = [];
const coordinators: Coordinator[] = [];
const servers: Server[] = [];

function seeded(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

async function start(store: 'memory' | 'sqlite' | 'postgres'): Promise<Coordinator> {
  const dataDir = mkdtempSync(join(tmpdir(), 'edgefed-model-range-'));
  dirs.push(dataDir);
  const config = loadConfig({
    overrides: {
      server: { port: 0 },
      store:
        store === 'memory'
          ? { kind: 'memory' }
          : store === 'sqlite'
            ? { kind: 'sqlite', dataDir }
            : { kind: 'postgres', url: await postgres.createDatabase(), dataDir },
      auth: { adminToken: ADMIN_TOKEN, tokenSecret: 'model-range-test-secret-0123456789abcdef' },
      log: { level: 'silent' },
    },
  });
  const c = await createCoordinator({ config });
  coordinators.push(c);
  await c.listen();
  return c;
}

async function get(url: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, { headers: { ...AUTH, ...headers } });
}

const bytesOf = async (res: Response): Promise<Uint8Array> => new Uint8Array(await res.arrayBuffer());

beforeAll(async () => {
  postgres = await startPostgres();
});

afterAll(async () => {
  for (const s of servers) s.close();
  for (const c of coordinators) await c.close();
  await postgres.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('GET /models/:hash with Range', () => {
  for (const store of ['memory', 'sqlite', 'postgres'] as const) {
    it(`serves single byte ranges from the ${store} store`, async () => {
      const c = await start(store);
      const data = seeded(SIZE, 3);
      const { hash } = await c.stores.blobs.put(data);
      const url = `${c.url}/models/${hash}`;
      const etag = `"sha256:${hash}"`;

      const whole = await get(url);
      expect(whole.status).toBe(200);
      expect(whole.headers.get('accept-ranges')).toBe('bytes');
      expect(whole.headers.get('content-length')).toBe(String(SIZE));
      expect(Buffer.compare(await bytesOf(whole), data)).toBe(0);

      const mid = await get(url, { range: 'bytes=1000-200999' });
      expect(mid.status).toBe(206);
      expect(mid.headers.get('content-range')).toBe(`bytes 1000-200999/${SIZE}`);
      expect(mid.headers.get('content-length')).toBe('200000');
      expect(Buffer.compare(await bytesOf(mid), data.subarray(1000, 201000))).toBe(0);

      const open = await get(url, { range: `bytes=${SIZE - 10}-`, 'if-range': etag });
      expect(open.status).toBe(206);
      expect(open.headers.get('content-range')).toBe(`bytes ${SIZE - 10}-${SIZE - 1}/${SIZE}`);
      expect(Buffer.compare(await bytesOf(open), data.subarray(SIZE - 10))).toBe(0);

      const suffix = await get(url, { range: 'bytes=-5' });
      expect(suffix.status).toBe(206);
      expect(Buffer.compare(await bytesOf(suffix), data.subarray(SIZE - 5))).toBe(0);

      const clamped = await get(url, { range: `bytes=${SIZE - 3}-${SIZE + 1000}` });
      expect(clamped.headers.get('content-range')).toBe(`bytes ${SIZE - 3}-${SIZE - 1}/${SIZE}`);
      expect((await bytesOf(clamped)).byteLength).toBe(3);

      const beyond = await get(url, { range: `bytes=${SIZE}-` });
      expect(beyond.status).toBe(416);
      expect(beyond.headers.get('content-range')).toBe(`bytes */${SIZE}`);
      expect(await beyond.json()).toMatchObject({ error: { code: 'INVALID_ARGUMENT' } });

      // another ETag in If-Range, several ranges, or another unit: the whole model
      for (const headers of [
        { range: 'bytes=0-9', 'if-range': '"sha256:0000"' },
        { range: 'bytes=0-9,20-29' },
        { range: 'items=0-9' },
      ]) {
        const res = await get(url, headers);
        expect(res.status).toBe(200);
        expect((await bytesOf(res)).byteLength).toBe(SIZE);
      }
    });
  }
});

/** A TCP proxy to `target` that closes its first connection after `cutAfter` bytes of answer. */
async function cuttingProxy(target: URL, cutAfter: number): Promise<{ url: string; requests: string[] }> {
  const requests: string[] = [];
  let connections = 0;
  const server = createServer((client: Socket) => {
    const cut = connections++ === 0;
    const upstream = connect(Number(target.port), target.hostname);
    let sent = 0;
    client.on('data', (d: Buffer) => {
      requests.push(d.toString('latin1'));
      upstream.write(d);
    });
    upstream.on('data', (d: Buffer) => {
      if (cut && sent + d.byteLength >= cutAfter) {
        client.write(d.subarray(0, cutAfter - sent));
        client.destroy();
        upstream.destroy();
        return;
      }
      sent += d.byteLength;
      client.write(d);
    });
    const end = (): void => {
      client.destroy();
      upstream.destroy();
    };
    upstream.on('close', end).on('error', end);
    client.on('close', end).on('error', end);
  });
  servers.push(server);
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no proxy address');
  return { url: `http://127.0.0.1:${address.port}`, requests };
}

describe('ModelFetcher', () => {
  it('resumes a download whose connection dropped mid-body with Range, and checks the hash', async () => {
    const c = await start('sqlite');
    const values = Float32Array.from({ length: 300_000 }, (_, i) => Math.sin(i));
    const model: TensorMap = new Map([['w', { dtype: 'float32', shape: [300, 1000], data: values }]]);
    const bytes = encodeTensorMap(model);
    const { hash } = await c.stores.blobs.put(bytes);
    expect(hash).toBe(createHash('sha256').update(bytes).digest('hex'));
    const proxy = await cuttingProxy(new URL(c.url), 400_000);
    const fetcher = new ModelFetcher({ token: ADMIN_TOKEN });
    const got = await fetcher.get(`${proxy.url}/models/${hash}`, `sha256:${hash}`);
    const w = got.get('w');
    expect(w?.shape).toEqual([300, 1000]);
    expect(w?.data).toEqual(values);
    // the second request asked only for the rest, from where the first one broke off
    const resumes = proxy.requests.filter((r) => /^range:/im.test(r));
    expect(resumes).toHaveLength(1);
    const from = Number(/^range: bytes=(\d+)-\r?$/im.exec(resumes[0] ?? '')?.[1]);
    expect(from).toBeGreaterThan(300_000);
    expect(from).toBeLessThan(400_000);
    expect(resumes[0]).toMatch(new RegExp(`^if-range: "sha256:${hash}"\\r?$`, 'im'));
    // every byte came down once: what broke off was kept, not fetched again
    expect(fetcher.bytesDown).toBe(bytes.byteLength);
  });

  /** A model server whose first answer (200) breaks off after `cut` bytes; `onRange` answers the rest. */
  async function breakingServer(
    bytes: Uint8Array,
    cut: number,
    onRange: (res: ServerResponse, range: string) => void,
  ): Promise<string> {
    const etag = '"sha256:stand-in"';
    const server = createHttpServer((req, res) => {
      const range = req.headers.range;
      if (range !== undefined) {
        onRange(res, range);
        return;
      }
      res.writeHead(200, { etag, 'accept-ranges': 'bytes', 'content-length': String(bytes.byteLength) });
      res.write(bytes.subarray(0, cut), () => res.destroy());
    });
    servers.push(server);
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('no server address');
    return `http://127.0.0.1:${address.port}/models/x`;
  }

  it('starts over when the server answers the resume with the whole model', async () => {
    const values = Float32Array.from({ length: 50_000 }, (_, i) => Math.cos(i));
    const bytes = encodeTensorMap(new Map([['w', { dtype: 'float32', shape: [50_000], data: values }]]));
    const hash = createHash('sha256').update(bytes).digest('hex');
    const url = await breakingServer(bytes, 70_000, (res) => {
      res.writeHead(200, { 'content-length': String(bytes.byteLength) });
      res.end(bytes);
    });
    const fetcher = new ModelFetcher({ token: 't' });
    expect((await fetcher.get(url, `sha256:${hash}`)).get('w')?.data).toEqual(values);
    expect(fetcher.bytesDown).toBeGreaterThan(bytes.byteLength); // the broken part, then all
  });

  it('gives up with UNAVAILABLE after resumeAttempts breaks without a new byte', async () => {
    const bytes = new Uint8Array(200_000).fill(7);
    const hash = createHash('sha256').update(bytes).digest('hex');
    const ranges: string[] = [];
    const url = await breakingServer(bytes, 50_000, (res, range) => {
      ranges.push(range);
      res.writeHead(206, {
        'content-range': `bytes 50000-199999/${bytes.byteLength}`,
        'content-length': '150000',
      });
      res.flushHeaders();
      res.destroy();
    });
    const fetcher = new ModelFetcher({ token: 't', resumeAttempts: 2 });
    await expect(fetcher.get(url, `sha256:${hash}`)).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    expect(ranges).toEqual(['bytes=50000-', 'bytes=50000-']);

    // resume requests that get no answer at all count the same way
    const unanswered: string[] = [];
    const silent = await breakingServer(bytes, 50_000, (res, range) => {
      unanswered.push(range);
      res.socket?.destroy();
    });
    const again = new ModelFetcher({ token: 't', resumeAttempts: 3 });
    await expect(again.get(silent, `sha256:${hash}`)).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    expect(unanswered).toEqual(['bytes=50000-', 'bytes=50000-', 'bytes=50000-']);
  });
});
