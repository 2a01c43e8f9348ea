/**
 * Conformance tests for fencing epochs (`fence` on commitRound, saveCheckpoint and
 * updateRun; `raiseFence`): a lower epoch than the run's highest is refused with `CONFLICT`
 * and nothing written, an equal or higher one is accepted, writes without a fence behave as
 * without fencing, and a refused or failed write never raises the stored epoch. Also the
 * lease holder's view (`fenceRunStore`). Registered by `runRunStoreConformance`.
 */
import { describe, expect, it } from 'vitest';
import { fenceRunStore } from './fenced-run-store.js';
import type { CommitRoundInput } from './run-store.js';
import {
  commitOf,
  hashOf,
  seedRun,
  snapshot,
  type ConformanceContext,
} from './run-store-conformance-fixtures.js';

/** A failed attempt of round 1 (no checkpoint), so that only the fence can refuse it. */
function failedAttempt(attempt: number, epoch?: number): CommitRoundInput {
  return {
    runUpdate: { currentRound: 1 },
    round: { runId: 'r1', round: 1, attempt, state: 'failed', startedAt: 1, failureReason: 'quorum' },
    ...(epoch === undefined ? {} : { fence: { epoch } }),
  };
}

const checkpoint = (version: number) => ({
  runId: 'r1',
  version,
  round: version,
  hash: hashOf('a'),
  byteSize: 1,
});

/** Registers the fencing tests. */
export function describeFencing(ctx: ConformanceContext): void {
  describe('fencing epochs', () => {
    it('refuses every fenced write below the highest epoch, with nothing written', async () => {
      await seedRun(ctx.store);
      await ctx.store.commitRound({ ...commitOf(1, 1, 0), fence: { epoch: 5 } });
      const before = await snapshot(ctx.store);
      const stale = { code: 'CONFLICT', details: { runId: 'r1', storedEpoch: 5, epoch: 4 } };
      const fence = { epoch: 4 };
      await expect(ctx.store.commitRound({ ...commitOf(2, 2, 1), fence })).rejects.toMatchObject(stale);
      await expect(ctx.store.commitRound({ ...failedAttempt(2), fence })).rejects.toMatchObject(stale);
      await expect(ctx.store.saveCheckpoint(checkpoint(2), { fence })).rejects.toMatchObject(stale);
      await expect(ctx.store.updateRun('r1', { status: 'failed' }, { fence })).rejects.toMatchObject(stale);
      await expect(ctx.store.raiseFence('r1', fence)).rejects.toMatchObject(stale);
      expect(await snapshot(ctx.store)).toEqual(before);
    });

    it('accepts an equal epoch and a higher one, which then fences the lower', async () => {
      await seedRun(ctx.store);
      await ctx.store.updateRun('r1', { status: 'running' }, { fence: { epoch: 2 } });
      await ctx.store.commitRound({ ...commitOf(1, 1, 1), fence: { epoch: 2 } });
      await ctx.store.saveCheckpoint(checkpoint(2), { fence: { epoch: 2 } });
      await ctx.store.commitRound({ ...failedAttempt(2), fence: { epoch: 3 } });
      await expect(ctx.store.updateRun('r1', { name: 'x' }, { fence: { epoch: 2 } })).rejects.toMatchObject({
        code: 'CONFLICT',
        details: { storedEpoch: 3, epoch: 2 },
      });
      await ctx.store.updateRun('r1', { status: 'completed' }, { fence: { epoch: 3 } });
      expect(await ctx.store.getRun('r1')).toMatchObject({ status: 'completed', revision: 4, name: 'r1' });
      expect((await ctx.store.listCheckpoints('r1')).map((c) => c.version)).toEqual([1, 2]);
    });

    it('accepts writes without a fence before and after fenced ones (single-node mode)', async () => {
      await seedRun(ctx.store);
      await ctx.store.commitRound(commitOf(1, 1, 0));
      await ctx.store.raiseFence('r1', { epoch: 7 });
      await ctx.store.commitRound(commitOf(2, 2, 1));
      await ctx.store.saveCheckpoint(checkpoint(3));
      await ctx.store.updateRun('r1', { status: 'paused' });
      expect(await ctx.store.getRun('r1')).toMatchObject({ status: 'paused', revision: 3, currentRound: 2 });
      // The unfenced writes left the epoch where it was: 6 is still refused, 7 accepted.
      await expect(ctx.store.raiseFence('r1', { epoch: 6 })).rejects.toMatchObject({ code: 'CONFLICT' });
      await ctx.store.raiseFence('r1', { epoch: 7 });
    });

    it('does not raise the epoch when the write fails for another reason', async () => {
      await seedRun(ctx.store);
      await ctx.store.commitRound({ ...commitOf(1, 1, 0), fence: { epoch: 2 } });
      const stale = { ...commitOf(2, 2, 0), fence: { epoch: 9 } };
      await expect(ctx.store.commitRound(stale)).rejects.toMatchObject({ code: 'CONFLICT' });
      await expect(ctx.store.saveCheckpoint(checkpoint(1), { fence: { epoch: 9 } })).rejects.toMatchObject({
        code: 'CONFLICT',
      });
      await expect(
        ctx.store.updateRun('r1', { currentRound: -1 }, { fence: { epoch: 9 } }),
      ).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
      await ctx.store.commitRound({ ...commitOf(2, 2, 1), fence: { epoch: 3 } });
      expect(await ctx.store.getRun('r1')).toMatchObject({ currentRound: 2, revision: 2 });
    });

    it('keeps one epoch per run, and rejects malformed fences', async () => {
      await seedRun(ctx.store);
      await seedRun(ctx.store, 'r2');
      await ctx.store.raiseFence('r1', { epoch: 10 });
      await ctx.store.updateRun('r2', { name: 'two' }, { fence: { epoch: 1 } });
      await expect(ctx.store.raiseFence('nope', { epoch: 1 })).rejects.toMatchObject({ code: 'NOT_FOUND' });
      const bad: unknown[] = [{ epoch: -1 }, { epoch: 1.5 }, { epoch: '3' }, {}, { epoch: 1, node: 'a' }, 3];
      for (const fence of bad) {
        const f = fence as { epoch: number };
        await expect(ctx.store.raiseFence('r1', f)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
        await expect(ctx.store.updateRun('r1', { name: 'y' }, { fence: f })).rejects.toMatchObject({
          code: 'INVALID_ARGUMENT',
        });
        await expect(ctx.store.commitRound({ ...failedAttempt(1), fence: f })).rejects.toMatchObject({
          code: 'INVALID_ARGUMENT',
        });
      }
      expect(await ctx.store.getRun('r1')).toMatchObject({ revision: 0 });
      expect(await ctx.store.listRounds('r1')).toEqual([]);
    });

    it("gives a lease holder's view its epoch on every fenced write", async () => {
      await seedRun(ctx.store);
      const deposed = fenceRunStore(ctx.store, 1);
      const leader = fenceRunStore(ctx.store, 2);
      await deposed.updateRun('r1', { status: 'running' });
      await leader.raiseFence('r1', { epoch: 0 }); // the view's own epoch (2) counts
      const refused = { code: 'CONFLICT', details: { storedEpoch: 2, epoch: 1 } };
      await expect(deposed.commitRound(failedAttempt(1))).rejects.toMatchObject(refused);
      await expect(deposed.saveCheckpoint(checkpoint(1))).rejects.toMatchObject(refused);
      await expect(deposed.updateRun('r1', { status: 'stopped' })).rejects.toMatchObject(refused);
      // A fence the caller passes does not override the view's.
      await expect(deposed.commitRound({ ...failedAttempt(1), fence: { epoch: 99 } })).rejects.toMatchObject(
        refused,
      );
      // Reads and unfenced writes pass through; close leaves the store open.
      await deposed.recordRound({ runId: 'r1', round: 1, attempt: 5, state: 'training', startedAt: 1 });
      await deposed.close();
      await leader.commitRound({ ...commitOf(1, 1), round: { ...commitOf(1, 1).round, attempt: 6 } });
      expect((await ctx.store.getRun('r1')).status).toBe('running');
      expect((await deposed.listRounds('r1')).map((r) => r.attempt)).toEqual([5, 6]);
      expect(await ctx.store.listCheckpoints('r1')).toHaveLength(1);
    });
  });
}
