/** Tests of FedBuff's buffer math, staleness weights, outcome records and the dashboard stats. */
import { describe, expect, it } from 'vitest';
import type { TensorMap } from '@edgefed/shared';
import { fedbuffStats } from '../admin/fedbuff-stats.js';
import type { ClientOutcomeRecord, RoundRecord } from '../store/records.js';
import { FedBuffBuffer } from './fedbuff-buffer.js';
import { stalenessHistogram } from './fedbuff-commit.js';
import { fedbuffConfigSchema, stalenessWeight } from './fedbuff-config.js';

const tensor = (...v: number[]): TensorMap =>
  new Map([['w', { dtype: 'float32', shape: [v.length], data: Float32Array.from(v) }]]);
const values = (m: TensorMap): number[] => Array.from(m.get('w')?.data as Float32Array);
const completed = (clientId: string) => ({ clientId, outcome: 'completed' as const, bytesUp: 10 });

describe('stalenessWeight', () => {
  it('sqrt, poly and constant', () => {
    const c = fedbuffConfigSchema.parse({});
    expect(stalenessWeight(c, 0)).toBe(1);
    expect(stalenessWeight(c, 3)).toBe(0.5);
    expect(stalenessWeight({ ...c, staleness: 'poly', stalenessExponent: 1 }, 3)).toBe(0.25);
    expect(stalenessWeight({ ...c, staleness: 'constant' }, 9)).toBe(1);
  });
});

describe('FedBuffBuffer', () => {
  it('global + lr x sum(n w(s) delta) / sum(n)', () => {
    const c = fedbuffConfigSchema.parse({ serverLearningRate: 0.5 });
    const b = new FedBuffBuffer(c, tensor(1, 1));
    b.add({
      outcome: completed('a'),
      update: tensor(2, 0),
      examples: 10,
      staleness: 0,
      metrics: { loss: 1 },
    });
    b.add({
      outcome: completed('b'),
      update: tensor(0, 4),
      examples: 30,
      staleness: 3,
      metrics: { loss: 3 },
    });
    const agg = b.aggregate();
    // (10 x 1 x [2,0] + 30 x 0.5 x [0,4]) / 40 = [0.5, 1.5]; x 0.5 -> [0.25, 0.75]
    expect(values(agg.parameters)).toEqual([1.25, 1.75]);
    expect(agg.metrics).toMatchObject({ loss: 2.5, updates: 2, staleness_mean: 1.5, staleness_max: 3 });
    expect(agg.staleness).toEqual([0, 3]);
    expect(agg.bytesUp).toBe(20);
  });

  it('refuses a bad update without touching the sums, and merges a client’s tasks into one record', () => {
    const b = new FedBuffBuffer(fedbuffConfigSchema.parse({}), tensor(0, 0));
    expect(() =>
      b.add({ outcome: completed('a'), update: tensor(1, 2, 3), examples: 1, staleness: 0, metrics: {} }),
    ).toThrow(expect.objectContaining({ code: 'SHAPE_MISMATCH' }));
    expect(() =>
      b.add({ outcome: completed('a'), update: tensor(NaN, 0), examples: 1, staleness: 0, metrics: {} }),
    ).toThrow(expect.objectContaining({ code: 'NON_FINITE' }));
    expect(b.count).toBe(0);
    b.record({ clientId: 'a', outcome: 'rejected', code: 'STALE_UPDATE', bytesUp: 5 });
    b.add({
      outcome: { ...completed('a'), exampleCount: 4 },
      update: tensor(1, 1),
      examples: 4,
      staleness: 1,
      metrics: {},
    });
    b.add({
      outcome: { ...completed('a'), exampleCount: 4 },
      update: tensor(1, 1),
      examples: 4,
      staleness: 0,
      metrics: {},
    });
    expect(b.outcomes).toEqual([
      {
        clientId: 'a',
        outcome: 'completed',
        code: null,
        exampleCount: 8,
        bytesUp: 25,
        metrics: { staleness: 0, tasks: 3 },
      },
    ]);
    expect(() => new FedBuffBuffer(fedbuffConfigSchema.parse({}), tensor(0)).aggregate()).toThrow(
      expect.objectContaining({ code: 'FAILED_PRECONDITION' }),
    );
  });
});

describe('fedbuffStats', () => {
  it('timeline, staleness histogram, updates per minute and stale rejections', () => {
    const round = (v: number, at: number, staleness: number[]): RoundRecord =>
      ({
        runId: 'r',
        round: v,
        attempt: 1,
        state: 'completed',
        startedAt: at - 1000,
        endedAt: at,
        trainMetrics: { staleness_mean: 1, staleness_max: 2, ...stalenessHistogram(staleness) },
        evalMetrics: v === 2 ? { accuracy: 0.9 } : {},
      }) as unknown as RoundRecord;
    const s = fedbuffStats([round(2, 125_000, [0, 2]), round(1, 61_000, [0, 1, 1])], [
      { code: 'STALE_UPDATE' },
      { code: null },
    ] as unknown as ClientOutcomeRecord[]);
    expect(s.timeline.map((v) => [v.version, v.updates, v.durationMs, v.accuracy])).toEqual([
      [1, 3, 1000, null],
      [2, 2, 1000, 0.9],
    ]);
    expect(s.staleness).toEqual([
      { staleness: 0, updates: 2 },
      { staleness: 1, updates: 2 },
      { staleness: 2, updates: 1 },
    ]);
    expect(s.updatesPerMinute).toEqual([
      { minute: 60_000, updates: 3 },
      { minute: 120_000, updates: 2 },
    ]);
    expect(s.rejectedStale).toBe(1);
  });
});
