/**
 * Conformance tests for round attempts, client outcomes and metrics (checkpoints and
 * sessions are in run-store-conformance-sessions.ts). Registered by `runRunStoreConformance`.
 */
import { describe, expect, it } from 'vitest';
import type { RunStore } from './run-store.js';
import { seedRun, type ConformanceContext } from './run-store-conformance-fixtures.js';

/** Registers the round-data tests. */
export function describeRoundData(ctx: ConformanceContext): void {
  describeRounds(ctx);
  describeOutcomes(ctx);
  describeMetrics(ctx);
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
