/**
 * Conformance tests for `commitRound` (one transaction: all or nothing), concurrent
 * commits and `close`. Registered by `runRunStoreConformance`.
 */
import { describe, expect, it } from 'vitest';
import type { CommitRoundInput } from './run-store.js';
import {
  commitOf,
  hashOf,
  seedRun,
  snapshot,
  type ConformanceContext,
} from './run-store-conformance-fixtures.js';

/** Registers the commitRound tests. */
export function describeCommitRound(ctx: ConformanceContext): void {
  describe('commitRound', () => {
    it('writes run, round, outcomes, metrics and checkpoint together', async () => {
      await seedRun(ctx.store);
      await ctx.store.upsertClientSession({ clientId: 'c1', resumeTokenHash: 'h', capabilities: {} });
      await ctx.store.recordRound({ runId: 'r1', round: 1, attempt: 0, state: 'training', startedAt: 100 });
      ctx.time = 2_000;
      const result = await ctx.store.commitRound(commitOf(1, 1, 0));
      expect(result.run).toMatchObject({
        currentRound: 1,
        currentModelVersion: 1,
        revision: 1,
        updatedAt: 2_000,
      });
      expect(result.round).toMatchObject({ state: 'completed', endedAt: 150, trainMetrics: { loss: 1 } });
      expect(result.checkpoint).toEqual({
        runId: 'r1',
        version: 1,
        round: 1,
        hash: hashOf('1'),
        byteSize: 4096,
        createdAt: 2_000,
      });
      expect(await ctx.store.getRun('r1')).toEqual(result.run);
      expect(await ctx.store.listRounds('r1')).toEqual([result.round]);
      const outcomes = await ctx.store.listClientOutcomes('r1');
      expect(outcomes.map((o) => [o.clientId, o.round, o.attempt, o.code])).toEqual([
        ['c1', 1, 0, null],
        ['c2', 1, 0, 'DEADLINE_EXCEEDED'],
      ]);
      expect((await ctx.store.listMetrics('r1')).map((m) => [m.round, m.name, m.scope])).toEqual([
        [1, 'loss', 'train'],
        [1, 'accuracy', 'eval'],
      ]);
      expect(await ctx.store.latestCheckpoint('r1')).toEqual(result.checkpoint);
      expect(await ctx.store.getClientSession('c1')).toMatchObject({ contributions: 1, failures: 0 });
    });

    it('commits a failed attempt without a checkpoint, then a retry with one', async () => {
      await seedRun(ctx.store);
      const failed = await ctx.store.commitRound({
        runUpdate: { currentRound: 1 },
        round: { runId: 'r1', round: 1, attempt: 0, state: 'failed', startedAt: 1, failureReason: 'quorum' },
      });
      expect(failed.checkpoint).toBeUndefined();
      const retry = commitOf(1, 1);
      await ctx.store.commitRound({ ...retry, round: { ...retry.round, attempt: 1 } });
      expect((await ctx.store.listRounds('r1')).map((r) => [r.attempt, r.state])).toEqual([
        [0, 'failed'],
        [1, 'completed'],
      ]);
      expect(await ctx.store.getRun('r1')).toMatchObject({ currentModelVersion: 1, revision: 2 });
    });

    it('leaves the store untouched when any step fails', async () => {
      await seedRun(ctx.store);
      await ctx.store.upsertClientSession({ clientId: 'c1', resumeTokenHash: 'h', capabilities: {} });
      await ctx.store.commitRound(commitOf(1, 1));
      await ctx.store.recordRound({ runId: 'r1', round: 2, attempt: 0, state: 'training', startedAt: 1 });
      await ctx.store.recordClientOutcome({
        runId: 'r1',
        round: 2,
        attempt: 0,
        clientId: 'c2',
        outcome: 'late',
      });
      const good = commitOf(2, 2);
      const fresh = { ...good, outcomes: good.outcomes?.slice(0, 1) ?? [] };
      const cases: [string, unknown, string][] = [
        [
          'checkpoint version not increasing (last step)',
          { ...fresh, checkpoint: { ...good.checkpoint, version: 1 } },
          'CONFLICT',
        ],
        ['client already has an outcome', good, 'ALREADY_EXISTS'],
        [
          'same client twice',
          { ...fresh, outcomes: [...fresh.outcomes, { clientId: 'c1', outcome: 'late' }] },
          'ALREADY_EXISTS',
        ],
        [
          'NaN in the last metric',
          { ...fresh, metrics: [...(good.metrics ?? []), { name: 'x', value: Number.NaN, scope: 'eval' }] },
          'NON_FINITE',
        ],
        ['stale revision', { ...fresh, expectedRevision: 0 }, 'CONFLICT'],
        [
          'unknown checkpoint field',
          { ...fresh, checkpoint: { ...good.checkpoint, runId: 'r9' } },
          'INVALID_ARGUMENT',
        ],
        ['bad run patch', { ...fresh, runUpdate: { currentRound: -2 } }, 'INVALID_ARGUMENT'],
        ['unknown run', { ...fresh, round: { ...good.round, runId: 'nope' } }, 'NOT_FOUND'],
      ];
      const before = await snapshot(ctx.store);
      for (const [label, input, code] of cases) {
        ctx.time += 1;
        await expect(ctx.store.commitRound(input as CommitRoundInput), label).rejects.toMatchObject({ code });
        expect(await snapshot(ctx.store), label).toEqual(before);
      }
      await ctx.store.commitRound(fresh);
      expect(await ctx.store.latestCheckpoint('r1')).toMatchObject({ version: 2, round: 2 });
    });

    it('keeps checkpoint versions monotonic over many rounds', async () => {
      await seedRun(ctx.store);
      for (let round = 1; round <= 6; round++) {
        const { run } = await ctx.store.commitRound(commitOf(round, round * 2, round - 1));
        expect(run.revision).toBe(round);
      }
      const versions = (await ctx.store.listCheckpoints('r1')).map((c) => c.version);
      expect(versions).toEqual([2, 4, 6, 8, 10, 12]);
      expect(await ctx.store.getRun('r1')).toMatchObject({ currentRound: 6, currentModelVersion: 12 });
      expect(await ctx.store.listMetrics('r1', { name: 'loss' })).toHaveLength(6);
    });

    it('lets one of two racing commits of the same revision win', async () => {
      await seedRun(ctx.store);
      const a = commitOf(1, 1, 0);
      const b = { ...commitOf(1, 1, 0), round: { ...a.round, attempt: 1 } };
      const results = await Promise.allSettled([ctx.store.commitRound(a), ctx.store.commitRound(b)]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      expect(await ctx.store.listRounds('r1')).toHaveLength(1);
      expect(await ctx.store.listCheckpoints('r1')).toHaveLength(1);
      expect(await ctx.store.listClientOutcomes('r1')).toHaveLength(2);
    });

    it('refuses calls after close (FAILED_PRECONDITION); close is idempotent', async () => {
      await seedRun(ctx.store);
      await ctx.store.close();
      await ctx.store.close();
      await expect(ctx.store.getRun('r1')).rejects.toMatchObject({ code: 'FAILED_PRECONDITION' });
      await expect(ctx.store.commitRound(commitOf(1, 1))).rejects.toMatchObject({
        code: 'FAILED_PRECONDITION',
      });
    });
  });
}
