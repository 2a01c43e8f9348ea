/**
 * The conformance suite every RunStore passes (Hono's `common.case.test.ts` pattern):
 * call {@link runRunStoreConformance} from a `*.test.ts` file with a factory. This file
 * holds the entry point and the run tests; rounds/outcomes/metrics/checkpoints/sessions
 * commitRound and fencing epochs live in the `run-store-conformance-*.ts` files beside it.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunStore } from './run-store.js';
import { describeCommitRound } from './run-store-conformance-commit.js';
import { describeEvaluationReports } from './run-store-conformance-reports.js';
import { describeFencing } from './run-store-conformance-fencing.js';
import {
  SAMPLE_CONFIG,
  type ConformanceContext,
  type RunStoreFactory,
} from './run-store-conformance-fixtures.js';
import { describeRoundData } from './run-store-conformance-rounds.js';
import { describeCheckpointsAndSessions } from './run-store-conformance-sessions.js';

export type { ConformanceContext, RunStoreFactory } from './run-store-conformance-fixtures.js';
export { SAMPLE_CONFIG } from './run-store-conformance-fixtures.js';

/** Registers the RunStore conformance tests under `describe(name)`. */
export function runRunStoreConformance(name: string, factory: RunStoreFactory): void {
  describe(`RunStore conformance: ${name}`, () => {
    const ctx = { time: 1_000 } as ConformanceContext;
    beforeEach(async () => {
      ctx.time = 1_000;
      ctx.store = await factory({ now: () => ctx.time });
    });
    afterEach(async () => {
      await ctx.store.close();
    });
    describeRuns(ctx);
    describeRoundData(ctx);
    describeCheckpointsAndSessions(ctx);
    describeCommitRound(ctx);
    describeEvaluationReports(ctx);
    describeFencing(ctx);
  });
}

function describeRuns(ctx: ConformanceContext): void {
  describe('runs', () => {
    it('creates a run with defaults and reads it back', async () => {
      const run = await ctx.store.createRun({ id: 'r1', name: 'mnist', config: SAMPLE_CONFIG });
      expect(run).toEqual({
        id: 'r1',
        name: 'mnist',
        status: 'created',
        config: SAMPLE_CONFIG,
        createdAt: 1_000,
        updatedAt: 1_000,
        revision: 0,
        currentRound: 0,
        currentModelVersion: null,
        strategyState: null,
        bestMetrics: {},
      });
      expect(await ctx.store.getRun('r1')).toEqual(run);
    });

    it('generates distinct ids when none is given', async () => {
      const a = await ctx.store.createRun({ name: 'a', config: {} });
      const b = await ctx.store.createRun({ name: 'b', config: {} });
      expect(a.id).not.toBe(b.id);
      expect((await ctx.store.getRun(b.id)).name).toBe('b');
    });

    it('rejects duplicates (ALREADY_EXISTS) and unknown ids (NOT_FOUND)', async () => {
      await ctx.store.createRun({ id: 'r1', name: 'a', config: {} });
      await expect(ctx.store.createRun({ id: 'r1', name: 'b', config: {} })).rejects.toMatchObject({
        code: 'ALREADY_EXISTS',
      });
      expect((await ctx.store.getRun('r1')).name).toBe('a');
      await expect(ctx.store.getRun('nope')).rejects.toMatchObject({ code: 'NOT_FOUND' });
      await expect(ctx.store.updateRun('nope', { name: 'x' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    });

    it('rejects configs that are not JSON', async () => {
      const cyclic: Record<string, unknown> = {};
      cyclic.self = cyclic;
      const cases: [unknown, string][] = [
        [{ x: Number.NaN }, 'NON_FINITE'],
        [{ x: [1, Infinity] }, 'NON_FINITE'],
        [{ x: undefined }, 'INVALID_ARGUMENT'],
        [{ x: new Date(0) }, 'INVALID_ARGUMENT'],
        [{ x: 1n }, 'INVALID_ARGUMENT'],
        [[1, 2], 'INVALID_ARGUMENT'],
        [null, 'INVALID_ARGUMENT'],
        [cyclic, 'INVALID_ARGUMENT'],
      ];
      for (const [config, code] of cases) {
        const input = { name: 'bad', config } as unknown as Parameters<RunStore['createRun']>[0];
        await expect(ctx.store.createRun(input)).rejects.toMatchObject({ code });
      }
      expect(await ctx.store.listRuns()).toEqual([]);
    });

    it('never lets callers reach stored state', async () => {
      const config = { nested: { list: [1, 2] } };
      const created = await ctx.store.createRun({ id: 'r1', name: 'a', config });
      config.nested.list.push(3);
      (created.config.nested as { list: number[] }).list.push(4);
      const read = await ctx.store.getRun('r1');
      (read.config.nested as { list: number[] }).list.push(5);
      expect((await ctx.store.getRun('r1')).config).toEqual({ nested: { list: [1, 2] } });
    });

    it('lists runs in creation order, filtered and paged', async () => {
      for (const [i, status] of (
        ['running', 'created', 'running', 'completed', 'running'] as const
      ).entries()) {
        ctx.time = 5_000 - i; // creation order wins even when the clock goes backwards
        await ctx.store.createRun({ id: `r${i}`, name: `run ${i}`, config: {}, status });
      }
      const ids = async (o?: Parameters<RunStore['listRuns']>[0]): Promise<string[]> =>
        (await ctx.store.listRuns(o)).map((r) => r.id);
      expect(await ids()).toEqual(['r0', 'r1', 'r2', 'r3', 'r4']);
      expect(await ids({ status: 'running' })).toEqual(['r0', 'r2', 'r4']);
      expect(await ids({ status: 'running', offset: 1, limit: 1 })).toEqual(['r2']);
      expect(await ids({ limit: 0 })).toEqual([]);
      expect(await ids({ offset: 10 })).toEqual([]);
      const bad = { status: 'sleeping' } as unknown as Parameters<RunStore['listRuns']>[0];
      await expect(ctx.store.listRuns(bad)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
      await expect(ctx.store.listRuns({ limit: -1 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    });

    it('updates fields, bumps revision and updatedAt, keeps the rest', async () => {
      await ctx.store.createRun({ id: 'r1', name: 'a', config: { x: 1 } });
      ctx.time = 2_000;
      const updated = await ctx.store.updateRun('r1', {
        status: 'running',
        currentRound: 3,
        currentModelVersion: 2,
        strategyState: [{ m: [0.5, -0.25] }, 'adam', true],
        bestMetrics: { accuracy: 0.9, loss: 0.1 },
      });
      expect(updated).toMatchObject({ name: 'a', config: { x: 1 }, status: 'running', revision: 1 });
      expect(updated).toMatchObject({ createdAt: 1_000, updatedAt: 2_000, currentModelVersion: 2 });
      expect(await ctx.store.getRun('r1')).toEqual(updated);
      const cleared = await ctx.store.updateRun('r1', { currentModelVersion: null, strategyState: null });
      expect(cleared).toMatchObject({ currentModelVersion: null, strategyState: null, revision: 2 });
    });

    it('rejects invalid patches and read-only fields without changing the run', async () => {
      const run = await ctx.store.createRun({ id: 'r1', name: 'a', config: {} });
      const bad: [unknown, string][] = [
        [{ revision: 7 }, 'INVALID_ARGUMENT'],
        [{ id: 'r2' }, 'INVALID_ARGUMENT'],
        [{ status: 'sleeping' }, 'INVALID_ARGUMENT'],
        [{ currentRound: -1 }, 'INVALID_ARGUMENT'],
        [{ currentRound: 1.5 }, 'INVALID_ARGUMENT'],
        [{ bestMetrics: { loss: Number.NaN } }, 'NON_FINITE'],
        [{ bestMetrics: { loss: 'low' } }, 'INVALID_ARGUMENT'],
      ];
      for (const [patch, code] of bad) {
        const input = patch as Parameters<RunStore['updateRun']>[1];
        await expect(ctx.store.updateRun('r1', input)).rejects.toMatchObject({ code });
      }
      expect(await ctx.store.getRun('r1')).toEqual(run);
    });

    it('applies optimistic updates: a stale expectedRevision is a CONFLICT', async () => {
      await ctx.store.createRun({ id: 'r1', name: 'a', config: {} });
      await ctx.store.updateRun('r1', { name: 'b' }, { expectedRevision: 0 });
      await expect(ctx.store.updateRun('r1', { name: 'c' }, { expectedRevision: 0 })).rejects.toMatchObject({
        code: 'CONFLICT',
      });
      expect(await ctx.store.getRun('r1')).toMatchObject({ name: 'b', revision: 1 });
    });

    it('lets exactly one of many concurrent optimistic updates win', async () => {
      await ctx.store.createRun({ id: 'r1', name: 'a', config: {} });
      const attempts = Array.from({ length: 8 }, (_, i) =>
        ctx.store.updateRun('r1', { name: `w${i}` }, { expectedRevision: 0 }),
      );
      const results = await Promise.allSettled(attempts);
      const won = results.filter((r) => r.status === 'fulfilled');
      expect(won).toHaveLength(1);
      for (const r of results) {
        if (r.status === 'rejected') expect(r.reason).toMatchObject({ code: 'CONFLICT' });
      }
      expect(await ctx.store.getRun('r1')).toMatchObject({ revision: 1, name: won[0]?.value.name });
    });

    it('applies every concurrent plain update (none lost)', async () => {
      await ctx.store.createRun({ id: 'r1', name: 'a', config: {} });
      await Promise.all([
        ctx.store.updateRun('r1', { name: 'n' }),
        ctx.store.updateRun('r1', { currentRound: 4 }),
        ctx.store.updateRun('r1', { bestMetrics: { acc: 1 } }),
        ctx.store.updateRun('r1', { status: 'paused' }),
      ]);
      expect(await ctx.store.getRun('r1')).toMatchObject({
        name: 'n',
        currentRound: 4,
        bestMetrics: { acc: 1 },
        status: 'paused',
        revision: 4,
      });
    });
  });
}
