/**
 * Conformance tests for round attempts, client outcomes, metrics, checkpoints and client
 * sessions. Registered by `runRunStoreConformance`.
 */
import { describe, expect, it } from 'vitest';
import type { RunStore } from './run-store.js';
import type { ConformanceContext } from './run-store-conformance.js';

/** A valid lower-case SHA-256 hex made from one repeated character. */
export const hashOf = (c: string): string => c.repeat(64);

/** Creates run `id` with an empty config. */
export async function seedRun(store: RunStore, id = 'r1'): Promise<void> {
  await store.createRun({ id, name: id, config: {} });
}

/** Registers the round-data tests. */
export function describeRoundData(ctx: ConformanceContext): void {
  describeRounds(ctx);
  describeOutcomes(ctx);
  describeMetrics(ctx);
  describeCheckpoints(ctx);
  describeSessions(ctx);
}

function describeRounds(ctx: ConformanceContext): void {
  describe('rounds', () => {
    it('records a round attempt with defaults and updates it', async () => {
      await seedRun(ctx.store);
      const key = { runId: 'r1', round: 1, attempt: 0 };
      const round = await ctx.store.recordRound({ ...key, state: 'selecting', startedAt: 10 });
      expect(round).toEqual({
        ...key,
        state: 'selecting',
        startedAt: 10,
        endedAt: null,
        selectedCount: 0,
        completedCount: 0,
        failedCount: 0,
        droppedCount: 0,
        bytesUp: 0,
        bytesDown: 0,
        trainMetrics: {},
        evalMetrics: {},
        failureReason: null,
      });
      const patch = {
        state: 'failed',
        endedAt: 20,
        failureReason: 'quorum not met',
        selectedCount: 5,
      } as const;
      const updated = await ctx.store.updateRound(key, { ...patch, trainMetrics: { loss: 1.5 } });
      expect(updated).toEqual({ ...round, ...patch, trainMetrics: { loss: 1.5 } });
      expect(await ctx.store.getRound(key)).toEqual(updated);
    });

    it('lists attempts ordered by round then attempt', async () => {
      await seedRun(ctx.store);
      for (const [round, attempt] of [
        [2, 0],
        [1, 1],
        [1, 0],
        [3, 0],
        [2, 1],
      ] as const) {
        await ctx.store.recordRound({ runId: 'r1', round, attempt, state: 'training', startedAt: 1 });
      }
      const order = (await ctx.store.listRounds('r1')).map((r) => `${r.round}.${r.attempt}`);
      expect(order).toEqual(['1.0', '1.1', '2.0', '2.1', '3.0']);
    });

    it('reports NOT_FOUND, ALREADY_EXISTS and INVALID_ARGUMENT', async () => {
      await seedRun(ctx.store);
      const key = { runId: 'r1', round: 1, attempt: 0 };
      await expect(
        ctx.store.recordRound({ ...key, runId: 'nope', state: 'training', startedAt: 1 }),
      ).rejects.toMatchObject({ code: 'NOT_FOUND' });
      await expect(ctx.store.updateRound(key, { state: 'completed' })).rejects.toMatchObject({
        code: 'NOT_FOUND',
      });
      await expect(ctx.store.getRound(key)).rejects.toMatchObject({ code: 'NOT_FOUND' });
      await expect(ctx.store.listRounds('nope')).rejects.toMatchObject({ code: 'NOT_FOUND' });
      await ctx.store.recordRound({ ...key, state: 'training', startedAt: 1 });
      await expect(ctx.store.recordRound({ ...key, state: 'training', startedAt: 2 })).rejects.toMatchObject({
        code: 'ALREADY_EXISTS',
      });
      const bad: [unknown, string][] = [
        [{ state: 'dreaming' }, 'INVALID_ARGUMENT'],
        [{ bytesUp: -5 }, 'INVALID_ARGUMENT'],
        [{ runId: 'r2' }, 'INVALID_ARGUMENT'],
        [{ evalMetrics: { acc: Infinity } }, 'NON_FINITE'],
      ];
      for (const [patch, code] of bad) {
        await expect(ctx.store.updateRound(key, patch as { state: 'training' })).rejects.toMatchObject({
          code,
        });
      }
      expect(await ctx.store.getRound(key)).toMatchObject({ state: 'training', startedAt: 1, bytesUp: 0 });
    });
  });
}

function describeOutcomes(ctx: ConformanceContext): void {
  describe('client outcomes', () => {
    it('records outcomes with defaults and lists them in order, filtered', async () => {
      await seedRun(ctx.store);
      for (const attempt of [0, 1]) {
        await ctx.store.recordRound({ runId: 'r1', round: 1, attempt, state: 'training', startedAt: 1 });
      }
      const k0 = { runId: 'r1', round: 1, attempt: 0 };
      const first = await ctx.store.recordClientOutcome({ ...k0, clientId: 'b', outcome: 'dropped' });
      expect(first).toEqual({
        ...k0,
        clientId: 'b',
        outcome: 'dropped',
        code: null,
        exampleCount: 0,
        metrics: {},
        bytesUp: 0,
        bytesDown: 0,
        recordedAt: 1_000,
      });
      await ctx.store.recordClientOutcomes([
        { ...k0, clientId: 'a', outcome: 'completed', exampleCount: 60, metrics: { loss: 0.3 }, bytesUp: 9 },
        { ...k0, attempt: 1, clientId: 'a', outcome: 'failed', code: 'TRAINING_FAILED' },
      ]);
      const all = await ctx.store.listClientOutcomes('r1');
      expect(all.map((o) => `${o.clientId}/${o.attempt}/${o.outcome}`)).toEqual([
        'b/0/dropped',
        'a/0/completed',
        'a/1/failed',
      ]);
      expect(all[1]).toMatchObject({ exampleCount: 60, metrics: { loss: 0.3 }, bytesUp: 9 });
      expect(all[2]?.code).toBe('TRAINING_FAILED');
      expect(await ctx.store.listClientOutcomes('r1', { attempt: 1 })).toHaveLength(1);
      expect(await ctx.store.listClientOutcomes('r1', { clientId: 'a', round: 1 })).toHaveLength(2);
      expect(await ctx.store.listClientOutcomes('r1', { round: 2 })).toEqual([]);
    });

    it('needs the round attempt, refuses a second outcome per client, and writes all or none', async () => {
      await seedRun(ctx.store);
      const k = { runId: 'r1', round: 1, attempt: 0 };
      await expect(
        ctx.store.recordClientOutcome({ ...k, clientId: 'a', outcome: 'late' }),
      ).rejects.toMatchObject({
        code: 'NOT_FOUND',
      });
      await ctx.store.recordRound({ ...k, state: 'training', startedAt: 1 });
      await ctx.store.recordClientOutcome({ ...k, clientId: 'a', outcome: 'late' });
      const batch = ctx.store.recordClientOutcomes([
        { ...k, clientId: 'b', outcome: 'completed' },
        { ...k, clientId: 'a', outcome: 'completed' },
      ]);
      await expect(batch).rejects.toMatchObject({ code: 'ALREADY_EXISTS' });
      const bad = { ...k, clientId: 'c', outcome: 'failed', code: 'NOT_A_CODE' } as unknown as Parameters<
        RunStore['recordClientOutcome']
      >[0];
      await expect(ctx.store.recordClientOutcome(bad)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
      expect((await ctx.store.listClientOutcomes('r1')).map((o) => o.clientId)).toEqual(['a']);
    });
  });
}

function describeMetrics(ctx: ConformanceContext): void {
  describe('metrics', () => {
    it('appends points and lists them by round, then append order, with filters', async () => {
      await seedRun(ctx.store);
      await ctx.store.appendMetrics([
        { runId: 'r1', round: 2, name: 'loss', value: 0.5, scope: 'train' },
        { runId: 'r1', round: 1, name: 'loss', value: 0.9, scope: 'train' },
        { runId: 'r1', round: 2, name: 'accuracy', value: 0.8, scope: 'eval' },
      ]);
      ctx.time = 3_000;
      await ctx.store.appendMetrics([
        { runId: 'r1', round: 1, name: 'accuracy', value: -0, scope: 'central' },
      ]);
      const all = await ctx.store.listMetrics('r1');
      expect(all.map((m) => `${m.round}:${m.name}`)).toEqual([
        '1:loss',
        '1:accuracy',
        '2:loss',
        '2:accuracy',
      ]);
      expect(all[1]).toEqual({
        runId: 'r1',
        round: 1,
        name: 'accuracy',
        value: 0,
        scope: 'central',
        recordedAt: 3_000,
      });
      expect((await ctx.store.listMetrics('r1', { name: 'loss' })).map((m) => m.value)).toEqual([0.9, 0.5]);
      expect(await ctx.store.listMetrics('r1', { scope: 'eval' })).toHaveLength(1);
      expect(await ctx.store.listMetrics('r1', { fromRound: 2, toRound: 2 })).toHaveLength(2);
      expect(await ctx.store.listMetrics('r1', { toRound: 1, name: 'loss' })).toHaveLength(1);
    });

    it('rejects bad points atomically', async () => {
      await seedRun(ctx.store);
      const ok = { runId: 'r1', round: 1, name: 'loss', value: 1, scope: 'train' } as const;
      await expect(ctx.store.appendMetrics([ok, { ...ok, value: Number.NaN }])).rejects.toMatchObject({
        code: 'NON_FINITE',
      });
      await expect(ctx.store.appendMetrics([ok, { ...ok, runId: 'nope' }])).rejects.toMatchObject({
        code: 'NOT_FOUND',
      });
      const badScope = { ...ok, scope: 'local' } as unknown as typeof ok;
      await expect(ctx.store.appendMetrics([ok, badScope])).rejects.toMatchObject({
        code: 'INVALID_ARGUMENT',
      });
      expect(await ctx.store.listMetrics('r1')).toEqual([]);
      await expect(ctx.store.listMetrics('nope')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    });
  });
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
