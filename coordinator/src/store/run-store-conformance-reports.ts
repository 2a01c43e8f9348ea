/**
 * Conformance tests for evaluation reports (confusion matrices, per-client results):
 * save, replace, filter, order, validation and isolation. Registered by
 * `runRunStoreConformance`.
 */
import { describe, expect, it } from 'vitest';
import type { ConformanceContext } from './run-store-conformance-fixtures.js';

const CENTRAL = {
  numClasses: 2,
  counts: [8, 2, 1, 9],
  perClass: [{ class: 0, precision: 0.888, recall: 0.8 }],
  labels: ['zero', 'one'],
};

/** Registers the evaluation-report tests. */
export function describeEvaluationReports(ctx: ConformanceContext): void {
  describe('evaluation reports', () => {
    it('saves, lists in round then kind order, and filters', async () => {
      await ctx.store.createRun({ id: 'r1', name: 'r1', config: {} });
      ctx.time = 2_000;
      await ctx.store.putEvaluationReport({ runId: 'r1', round: 2, kind: 'federated', report: { n: 2 } });
      const saved = await ctx.store.putEvaluationReport({
        runId: 'r1',
        round: 2,
        kind: 'central',
        report: CENTRAL,
      });
      expect(saved).toEqual({ runId: 'r1', round: 2, kind: 'central', report: CENTRAL, recordedAt: 2_000 });
      await ctx.store.putEvaluationReport({ runId: 'r1', round: 1, kind: 'central', report: { n: 1 } });
      const all = await ctx.store.listEvaluationReports('r1');
      expect(all.map((r) => [r.round, r.kind])).toEqual([
        [1, 'central'],
        [2, 'central'],
        [2, 'federated'],
      ]);
      expect(all[1]?.report).toEqual(CENTRAL);
      const central = await ctx.store.listEvaluationReports('r1', { kind: 'central' });
      expect(central.map((r) => r.round)).toEqual([1, 2]);
      expect(await ctx.store.listEvaluationReports('r1', { round: 2, kind: 'federated' })).toHaveLength(1);
      expect(await ctx.store.listEvaluationReports('r1', { round: 7 })).toEqual([]);
    });

    it('replaces the report of the same run, round and kind', async () => {
      await ctx.store.createRun({ id: 'r1', name: 'r1', config: {} });
      await ctx.store.putEvaluationReport({ runId: 'r1', round: 1, kind: 'central', report: { v: 1 } });
      ctx.time = 5_000;
      await ctx.store.putEvaluationReport({ runId: 'r1', round: 1, kind: 'central', report: { v: 2 } });
      expect(await ctx.store.listEvaluationReports('r1')).toEqual([
        { runId: 'r1', round: 1, kind: 'central', report: { v: 2 }, recordedAt: 5_000 },
      ]);
    });

    it('keeps runs apart and never hands out store state', async () => {
      await ctx.store.createRun({ id: 'a', name: 'a', config: {} });
      await ctx.store.createRun({ id: 'b', name: 'b', config: {} });
      const input = { runId: 'a', round: 1, kind: 'central' as const, report: { list: [1, 2] } };
      await ctx.store.putEvaluationReport(input);
      input.report.list.push(3);
      const [first] = await ctx.store.listEvaluationReports('a');
      expect(first?.report).toEqual({ list: [1, 2] });
      (first?.report.list as number[] | undefined)?.push(4);
      expect((await ctx.store.listEvaluationReports('a'))[0]?.report).toEqual({ list: [1, 2] });
      expect(await ctx.store.listEvaluationReports('b')).toEqual([]);
    });

    it('refuses unknown runs, bad kinds, bad rounds and non-finite numbers', async () => {
      await ctx.store.createRun({ id: 'r1', name: 'r1', config: {} });
      const code = (c: string): unknown => expect.objectContaining({ code: c }) as unknown;
      await expect(
        ctx.store.putEvaluationReport({ runId: 'nope', round: 1, kind: 'central', report: {} }),
      ).rejects.toThrow(code('NOT_FOUND'));
      await expect(ctx.store.listEvaluationReports('nope')).rejects.toThrow(code('NOT_FOUND'));
      await expect(
        ctx.store.putEvaluationReport({ runId: 'r1', round: 1, kind: 'other' as never, report: {} }),
      ).rejects.toThrow(code('INVALID_ARGUMENT'));
      await expect(
        ctx.store.putEvaluationReport({ runId: 'r1', round: -1, kind: 'central', report: {} }),
      ).rejects.toThrow(code('INVALID_ARGUMENT'));
      await expect(
        ctx.store.putEvaluationReport({ runId: 'r1', round: 1, kind: 'central', report: [] as never }),
      ).rejects.toThrow(code('INVALID_ARGUMENT'));
      await expect(
        ctx.store.putEvaluationReport({ runId: 'r1', round: 1, kind: 'central', report: { x: Number.NaN } }),
      ).rejects.toThrow(code('NON_FINITE'));
      await expect(ctx.store.listEvaluationReports('r1', { kind: 'x' as never })).rejects.toThrow(
        code('INVALID_ARGUMENT'),
      );
      expect(await ctx.store.listEvaluationReports('r1')).toEqual([]);
    });
  });
}
