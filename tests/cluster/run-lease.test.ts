/**
 * Run leases and the node registry on a real redis-server (tests/support/redis.ts): a lease
 * is exclusive across two nodes, renews, is taken over with a higher epoch after it expires,
 * refuses a paused holder's stale renewal, and is released only by its holder; a HeldLease
 * reports the loss at once (refused renewal, Redis gone); the registry lists live nodes and
 * drops a dead one after its TTL. Short TTLs (hundreds of ms) keep the file fast; waits are
 * on events (`lost`) or on the lease's own expiry, never fixed sleeps.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { EdgefedError } from '@edgefed/shared';
import { HeldLease, NodeRegistry, RunLeases, connectRedis, type LeaseGrant } from '@edgefed/coordinator';
import { startRedis, type TestRedis } from '../support/redis.js';

let server: TestRedis;
const clients: Redis[] = [];

async function client(): Promise<Redis> {
  const c = await connectRedis({ url: server.url });
  clients.push(c);
  return c;
}

/** Resolves when `signal` aborts, with its reason. */
function lostReason(signal: AbortSignal): Promise<unknown> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve(signal.reason);
    else signal.addEventListener('abort', () => resolve(signal.reason), { once: true });
  });
}

/** Retries `acquire` until the previous grant's TTL has run out (Redis decides when). */
async function acquireWhenFree(leases: RunLeases, runId: string, nodeId: string): Promise<LeaseGrant> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const g = await leases.acquire(runId, nodeId);
    if (g !== undefined) return g;
    if (Date.now() > deadline) throw new Error(`lease of ${runId} never became free`);
    await new Promise<void>((r) => setTimeout(r, 25));
  }
}

beforeAll(async () => {
  server = await startRedis();
});

afterAll(async () => {
  for (const c of clients) c.disconnect();
  await server.stop();
});

describe('connectRedis', () => {
  it('refuses a bad URL with INVALID_CONFIG and an unreachable server with UNAVAILABLE, fast', async () => {
    await expect(connectRedis({ url: 'http://127.0.0.1:6379' })).rejects.toMatchObject({
      code: 'INVALID_CONFIG',
    });
    await expect(connectRedis({ url: 'not a url' })).rejects.toMatchObject({ code: 'INVALID_CONFIG' });
    const dead = await startRedis();
    await dead.stop();
    const t0 = Date.now();
    const err = await connectRedis({
      url: `redis://:secret@127.0.0.1:${dead.port}`,
      connectTimeoutMs: 1000,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EdgefedError);
    expect((err as EdgefedError).code).toBe('UNAVAILABLE');
    expect((err as EdgefedError).message).not.toContain('secret');
    expect(Date.now() - t0).toBeLessThan(3000);
  });
});

describe('RunLeases', () => {
  it('is exclusive across two nodes, renews, and is released only by its holder', async () => {
    const a = new RunLeases({ redis: await client(), ttlMs: 2000, prefix: 't1:' });
    const b = new RunLeases({ redis: await client(), ttlMs: 2000, prefix: 't1:' });
    const ga = await a.acquire('run-1', 'node-a');
    expect(ga?.epoch).toBe(1);
    expect(await b.acquire('run-1', 'node-b')).toBeUndefined();
    expect(await a.acquire('run-1', 'node-a')).toBeUndefined(); // not re-entrant either
    expect(await b.holder('run-1')).toEqual({ runId: 'run-1', nodeId: 'node-a', epoch: 1 });
    if (ga === undefined) throw new Error('unreachable');
    expect(await a.renew(ga)).toBe(true);
    // b cannot release a's lease even when it guesses the node id with another epoch
    expect(await b.release({ ...ga, epoch: 2 })).toBe(false);
    expect(await b.holder('run-1')).toMatchObject({ nodeId: 'node-a' });
    expect(await a.release(ga)).toBe(true);
    expect(await b.holder('run-1')).toBeUndefined();
    const gb = await b.acquire('run-1', 'node-b');
    expect(gb?.epoch).toBe(2);
    expect(await a.renew(ga)).toBe(false); // a's old grant is gone
    expect((await a.holders()).map((h) => [h.runId, h.nodeId, h.epoch])).toEqual([['run-1', 'node-b', 2]]);
  });

  it('expires; another node takes over with a higher epoch; the paused holder is refused', async () => {
    const a = new RunLeases({ redis: await client(), ttlMs: 300, prefix: 't2:' });
    const b = new RunLeases({ redis: await client(), ttlMs: 300, prefix: 't2:' });
    const ga = await a.acquire('run-2', 'node-a');
    if (ga === undefined) throw new Error('no grant');
    // node-a "pauses" (no renewals); node-b gets the lease once Redis expired it
    const gb = await acquireWhenFree(b, 'run-2', 'node-b');
    expect(gb.epoch).toBeGreaterThan(ga.epoch);
    expect(Date.now() - ga.grantedAt).toBeGreaterThanOrEqual(290);
    // the paused holder wakes up and renews: refused, and it does not disturb node-b
    expect(await a.renew(ga)).toBe(false);
    expect(await a.release(ga)).toBe(false);
    expect(await a.holder('run-2')).toEqual({ runId: 'run-2', nodeId: 'node-b', epoch: gb.epoch });
    // even the same node re-acquiring later gets a new, higher epoch (fencing)
    expect(await b.release(gb)).toBe(true);
    expect((await a.acquire('run-2', 'node-a'))?.epoch).toBe(gb.epoch + 1);
  });

  it('grants at least a minimum epoch and keeps counting from it (Redis lost its epoch keys)', async () => {
    const redis = await client();
    const a = new RunLeases({ redis, ttlMs: 2000, prefix: 't6:' });
    const g1 = await a.acquire('run-6', 'node-a', 7);
    expect(g1?.epoch).toBe(7);
    if (g1 === undefined) throw new Error('no grant');
    expect(await a.release(g1)).toBe(true);
    expect((await a.acquire('run-6', 'node-a', 3))?.epoch).toBe(8); // a lower floor changes nothing
    expect(await redis.get('t6:lease-epoch:run-6')).toBe('8');
    await expect(a.acquire('run-7', 'node-a', -1)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('rejects a non-positive TTL', () => {
    expect(() => new RunLeases({ redis: clients[0] as Redis, ttlMs: 0 })).toThrow(/ttlMs/);
  });
});

describe('HeldLease', () => {
  it('keeps the lease past its TTL by renewing, then releases it', async () => {
    const leases = new RunLeases({ redis: await client(), ttlMs: 600, prefix: 't3:' });
    const grant = await leases.acquire('run-3', 'node-a');
    if (grant === undefined) throw new Error('no grant');
    const held = new HeldLease({ leases, grant });
    // another node tries to take the lease for three TTLs: it must stay held throughout
    const other = new RunLeases({ redis: await client(), ttlMs: 600, prefix: 't3:' });
    const until = Date.now() + 1800;
    while (Date.now() < until) {
      expect(await other.acquire('run-3', 'node-b')).toBeUndefined();
      await new Promise<void>((r) => setTimeout(r, 50));
    }
    expect(held.held).toBe(true);
    await held.release();
    expect(held.lost.aborted).toBe(true);
    expect(await other.holder('run-3')).toBeUndefined();
  });

  it('reports the loss at once when a renewal is refused', async () => {
    const redis = await client();
    const leases = new RunLeases({ redis, ttlMs: 2000, prefix: 't4:' });
    const grant = await leases.acquire('run-4', 'node-a');
    if (grant === undefined) throw new Error('no grant');
    const held = new HeldLease({ leases, grant });
    await redis.del('t4:lease:run-4'); // an operator (or expiry) removed it
    const renewed = held.renew();
    expect(await renewed).toBe(false);
    const reason = await lostReason(held.lost);
    expect(reason).toBeInstanceOf(EdgefedError);
    expect((reason as EdgefedError).code).toBe('UNAVAILABLE');
    expect((reason as EdgefedError).details).toMatchObject({ runId: 'run-4', epoch: grant.epoch });
  });

  it('reports the loss within the TTL when Redis goes away', async () => {
    const own = await startRedis();
    const redis = await connectRedis({ url: own.url });
    try {
      const leases = new RunLeases({ redis, ttlMs: 1000 });
      const grant = await leases.acquire('run-5', 'node-a');
      if (grant === undefined) throw new Error('no grant');
      const held = new HeldLease({ leases, grant, onRenewError: () => undefined });
      await own.kill();
      await lostReason(held.lost);
      // gave up before Redis itself would have let anybody else take the lease
      expect(Date.now() - grant.grantedAt).toBeLessThan(1000);
      expect(held.held).toBe(false);
    } finally {
      redis.disconnect();
      await own.stop();
    }
  });
});

describe('NodeRegistry', () => {
  it('lists live nodes with their client counts; a dead node disappears after its TTL', async () => {
    let clientsA = 3;
    const redisA = await connectRedis({ url: server.url });
    const a = new NodeRegistry({
      redis: redisA,
      nodeId: 'node-a',
      ttlMs: 300,
      prefix: 't6:',
      onError: () => undefined,
    });
    const b = new NodeRegistry({ redis: await client(), nodeId: 'node-b', ttlMs: 5000, prefix: 't6:' });
    await a.start('http://127.0.0.1:1', () => clientsA);
    await b.start('http://127.0.0.1:2', () => 0);
    expect((await b.list()).map((n) => [n.nodeId, n.url, n.clients])).toEqual([
      ['node-a', 'http://127.0.0.1:1', 3],
      ['node-b', 'http://127.0.0.1:2', 0],
    ]);
    clientsA = 7;
    await a.heartbeat();
    expect((await b.list())[0]?.clients).toBe(7);
    // node-a dies without deregistering: its connection goes, its entry expires in Redis
    const lastBeat = Date.now();
    redisA.disconnect();
    const deadline = Date.now() + 5_000;
    while ((await b.list()).some((n) => n.nodeId === 'node-a')) {
      if (Date.now() > deadline) throw new Error('node-a never expired');
      await new Promise<void>((r) => setTimeout(r, 25));
    }
    expect(Date.now() - lastBeat).toBeLessThan(1500);
    expect((await b.list()).map((n) => n.nodeId)).toEqual(['node-b']);
    await a.stop(); // best effort with Redis gone: no throw
    await b.stop();
    expect(await b.list()).toEqual([]);
  });
});
