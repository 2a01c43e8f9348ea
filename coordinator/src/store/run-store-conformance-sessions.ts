/**
 * Conformance tests for checkpoint records and client sessions. Registered by
 * `runRunStoreConformance` through `describeRoundData`.
 */
import { describe, expect, it } from 'vitest';
import { hashOf, seedRun, type ConformanceContext } from './run-store-conformance-fixtures.js';

/** Registers the checkpoint and client-session tests. */
export function describeCheckpointsAndSessions(ctx: ConformanceContext): void {
  describeCheckpoints(ctx);
  describeSessions(ctx);
}

function describeCheckpoints(ctx: ConformanceContext): void {
  describe('checkpoints', () => {
    it('saves checkpoints with strictly increasing versions per run', async () => {
      await seedRun(ctx.store);
      await seedRun(ctx.store, 'r2');
      expect(await ctx.store.latestCheckpoint('r1')).toBeUndefined();
      const c0 = await ctx.store.saveCheckpoint({
        runId: 'r1',
        version: 0,
        round: 0,
        hash: hashOf('a'),
        byteSize: 10,
      });
      expect(c0).toEqual({
        runId: 'r1',
        version: 0,
        round: 0,
        hash: hashOf('a'),
        byteSize: 10,
        createdAt: 1_000,
      });
      await ctx.store.saveCheckpoint({ runId: 'r1', version: 5, round: 3, hash: hashOf('b'), byteSize: 11 });
      for (const version of [5, 4, 0]) {
        const again = ctx.store.saveCheckpoint({
          runId: 'r1',
          version,
          round: 4,
          hash: hashOf('c'),
          byteSize: 1,
        });
        await expect(again).rejects.toMatchObject({ code: 'CONFLICT' });
      }
      await ctx.store.saveCheckpoint({ runId: 'r2', version: 1, round: 1, hash: hashOf('a'), byteSize: 10 });
      expect((await ctx.store.listCheckpoints('r1')).map((c) => c.version)).toEqual([0, 5]);
      expect(await ctx.store.latestCheckpoint('r1')).toMatchObject({ version: 5, hash: hashOf('b') });
      expect(await ctx.store.getCheckpoint('r1', 0)).toEqual(c0);
      expect((await ctx.store.listCheckpoints('r2')).map((c) => c.version)).toEqual([1]);
    });

    it('reports NOT_FOUND and bad hashes', async () => {
      await seedRun(ctx.store);
      await expect(ctx.store.getCheckpoint('r1', 1)).rejects.toMatchObject({ code: 'NOT_FOUND' });
      await expect(ctx.store.latestCheckpoint('nope')).rejects.toMatchObject({ code: 'NOT_FOUND' });
      await expect(ctx.store.listCheckpoints('nope')).rejects.toMatchObject({ code: 'NOT_FOUND' });
      const base = { runId: 'r1', version: 1, round: 1, byteSize: 1 };
      for (const hash of ['A'.repeat(64), 'a'.repeat(63), `${'a'.repeat(62)}..`]) {
        await expect(ctx.store.saveCheckpoint({ ...base, hash })).rejects.toMatchObject({
          code: 'INVALID_ARGUMENT',
        });
      }
      await expect(
        ctx.store.saveCheckpoint({ ...base, runId: 'nope', hash: hashOf('a') }),
      ).rejects.toMatchObject({
        code: 'NOT_FOUND',
      });
      expect(await ctx.store.listCheckpoints('r1')).toEqual([]);
    });
  });
}

function describeSessions(ctx: ConformanceContext): void {
  describe('client sessions', () => {
    it('creates, updates and counts contributions and failures from outcomes', async () => {
      expect(await ctx.store.getClientSession('c1')).toBeUndefined();
      const caps = { backend: 'webgpu', examples: 600, eligible: true, limits: { maxBytes: 1e6 } };
      const created = await ctx.store.upsertClientSession({
        clientId: 'c1',
        resumeTokenHash: 'h1',
        capabilities: caps,
      });
      expect(created).toEqual({
        clientId: 'c1',
        resumeTokenHash: 'h1',
        capabilities: caps,
        firstSeen: 1_000,
        lastSeen: 1_000,
        contributions: 0,
        failures: 0,
      });
      await seedRun(ctx.store);
      const k = { runId: 'r1', round: 1, attempt: 0 };
      await ctx.store.recordRound({ ...k, state: 'training', startedAt: 1 });
      await ctx.store.recordClientOutcomes([
        { ...k, clientId: 'c1', outcome: 'completed' },
        { ...k, clientId: 'ghost', outcome: 'completed' },
        { ...k, attempt: 0, round: 1, clientId: 'c2', outcome: 'failed' },
      ]);
      await ctx.store.recordRound({ ...k, attempt: 1, state: 'training', startedAt: 2 });
      await ctx.store.recordClientOutcome({ ...k, attempt: 1, clientId: 'c1', outcome: 'rejected' });
      const updated = await ctx.store.upsertClientSession({
        clientId: 'c1',
        resumeTokenHash: 'h2',
        capabilities: { backend: 'wasm' },
        seenAt: 5_000,
      });
      expect(updated).toEqual({
        ...created,
        resumeTokenHash: 'h2',
        capabilities: { backend: 'wasm' },
        lastSeen: 5_000,
        contributions: 1,
        failures: 1,
      });
      expect(await ctx.store.getClientSession('c1')).toEqual(updated);
      expect(await ctx.store.getClientSession('ghost')).toBeUndefined();
    });

    it('finds a session by its current resume-token hash only', async () => {
      await ctx.store.upsertClientSession({ clientId: 'c1', resumeTokenHash: 'h1', capabilities: {} });
      await ctx.store.upsertClientSession({ clientId: 'c2', resumeTokenHash: 'h2', capabilities: {} });
      expect(await ctx.store.findClientSessionByTokenHash('h1')).toEqual(
        await ctx.store.getClientSession('c1'),
      );
      expect(await ctx.store.findClientSessionByTokenHash('h2')).toMatchObject({ clientId: 'c2' });
      const rotated = await ctx.store.upsertClientSession({
        clientId: 'c1',
        resumeTokenHash: 'h3',
        capabilities: {},
        seenAt: 2_000,
      });
      expect(await ctx.store.findClientSessionByTokenHash('h1')).toBeUndefined();
      expect(await ctx.store.findClientSessionByTokenHash('h3')).toEqual(rotated);
      expect(await ctx.store.findClientSessionByTokenHash('nope')).toBeUndefined();
      await ctx.store.upsertClientSession({ clientId: 'c0', resumeTokenHash: 'h3', capabilities: {} });
      expect(await ctx.store.findClientSessionByTokenHash('h3')).toMatchObject({ clientId: 'c1' });
      for (const bad of ['', 'x'.repeat(10_000), 7 as unknown as string]) {
        await expect(ctx.store.findClientSessionByTokenHash(bad)).rejects.toMatchObject({
          code: 'INVALID_ARGUMENT',
        });
      }
    });

    it('rejects bad sessions', async () => {
      const ok = { clientId: 'c1', resumeTokenHash: 'h', capabilities: {} };
      const bad: [unknown, string][] = [
        [{ ...ok, clientId: '' }, 'INVALID_ARGUMENT'],
        [{ ...ok, capabilities: [] }, 'INVALID_ARGUMENT'],
        [{ ...ok, capabilities: { x: Number.NaN } }, 'NON_FINITE'],
        [{ ...ok, seenAt: -1 }, 'INVALID_ARGUMENT'],
        [{ ...ok, contributions: 5 }, 'INVALID_ARGUMENT'],
      ];
      for (const [input, code] of bad) {
        const session = input as typeof ok;
        await expect(ctx.store.upsertClientSession(session)).rejects.toMatchObject({ code });
      }
      expect(await ctx.store.getClientSession('c1')).toBeUndefined();
    });
  });
}
