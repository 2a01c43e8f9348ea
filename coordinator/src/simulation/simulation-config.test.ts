import { describe, expect, it } from 'vitest';
import { parseRunConfig } from '../rounds/run-config.js';
import { configFromFlags } from '../cli/simulate-flags.js';
import { progressLine } from '../cli/simulate-progress.js';
import { parseSimulationConfig, toRunConfig } from './simulation-config.js';
import { loadSimulationData, partitionSpecOf } from './simulation-data.js';
import { accuracySvg } from './svg-plot.js';
import { roundsCsv } from './write-outputs.js';

describe('simulation config', () => {
  it('fills defaults and maps onto a valid run config', () => {
    const c = parseSimulationConfig({ strategy: { name: 'fedprox', proximalMu: 0.01 } });
    expect(c).toMatchObject({ clients: 100, fraction: 0.1, batchSize: 10, partition: 'iid' });
    const run = parseRunConfig(toRunConfig(c));
    expect(run.strategy).toMatchObject({
      name: 'fedprox',
      fractionFit: 0.1,
      minFitClients: 1,
      proximalMu: 0.01,
    });
    expect(run.training).toMatchObject({ epochs: 1, batchSize: 10, learningRate: 0.1 });
  });

  it('rejects bad values with INVALID_CONFIG', () => {
    expect(() => parseSimulationConfig({ clients: 0 })).toThrow(
      expect.objectContaining({ code: 'INVALID_CONFIG' }),
    );
    expect(() => parseSimulationConfig({ strategy: {} })).toThrow(
      expect.objectContaining({ code: 'INVALID_CONFIG' }),
    );
    expect(() => parseSimulationConfig({ banana: 1 })).toThrow(
      expect.objectContaining({ code: 'INVALID_CONFIG' }),
    );
  });

  it('takes --strategy qfedavg --q Q, with L = 1/lr following --lr unless --qffl-lr is given', async () => {
    const c = await configFromFlags({ strategy: 'qfedavg', q: '1', lr: '0.05' });
    expect(c.strategy).toEqual({ name: 'qfedavg', q: 1, qfflLearningRate: 0.05 });
    const own = await configFromFlags({ strategy: 'qfedavg', q: '2', 'qffl-lr': '0.2' });
    expect(own.strategy).toEqual({ name: 'qfedavg', q: 2, qfflLearningRate: 0.2 });
    expect(parseRunConfig(toRunConfig(parseSimulationConfig(c))).strategy).toMatchObject({ name: 'qfedavg' });
    const wrong = parseSimulationConfig(await configFromFlags({ strategy: 'fedavg', q: '1' }));
    expect(() => parseRunConfig(toRunConfig(wrong))).toThrow(
      expect.objectContaining({ code: 'INVALID_CONFIG' }),
    );
  });

  it('translates flags, strategy parameters included', async () => {
    const c = await configFromFlags({
      clients: '50',
      lr: '0.05',
      strategy: 'fedadam',
      'server-lr': '0.01',
      'batch-size': '32',
    });
    expect(c).toEqual({
      clients: 50,
      learningRate: 0.05,
      batchSize: 32,
      strategy: { name: 'fedadam', serverLearningRate: 0.01 },
    });
    await expect(configFromFlags({ clients: 'many' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    const bad = parseSimulationConfig(await configFromFlags({ strategy: 'fedavg', mu: '0.1' }));
    expect(() => parseRunConfig(toRunConfig(bad))).toThrow(
      expect.objectContaining({ code: 'INVALID_CONFIG' }),
    );
  });
});

describe('partition wiring', () => {
  it('builds the partition each flag names', () => {
    const c = parseSimulationConfig({ clients: 100, partition: 'shards', seed: 3 });
    expect(partitionSpecOf(c)).toEqual({ kind: 'shards', numClients: 100, shardsPerClient: 2, seed: 3 });
    const d = parseSimulationConfig({ clients: 10, partition: 'dirichlet', alpha: 0.1 });
    expect(partitionSpecOf(d)).toEqual({ kind: 'dirichlet', numClients: 10, alpha: 0.1, seed: 0 });
    expect(() => partitionSpecOf(parseSimulationConfig({ partition: 'natural' }))).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    );
    const q = (extra: Record<string, unknown>) =>
      partitionSpecOf(parseSimulationConfig({ clients: 10, partition: 'quantity-skew', ...extra }));
    expect(q({})).toEqual({
      kind: 'quantity-skew',
      numClients: 10,
      sizes: { kind: 'power-law', exponent: 1.5 },
      seed: 0,
    });
    expect(q({ sizeAlpha: 0.3, minClientSize: 5 })).toEqual({
      kind: 'quantity-skew',
      numClients: 10,
      sizes: { kind: 'dirichlet', alpha: 0.3 },
      seed: 0,
      minSize: 5,
    });
    expect(() => parseSimulationConfig({ partition: 'iid', minClientSize: 2 })).toThrow(
      expect.objectContaining({ code: 'INVALID_CONFIG' }),
    );
  });

  it('assigns every MNIST training example once, skewed as asked', async () => {
    const iid = await loadSimulationData(
      parseSimulationConfig({ clients: 100, trainLimit: 6000, testLimit: 10 }),
    );
    expect(iid.report.summary).toMatchObject({ assignedExamples: 6000, minCount: 60, maxCount: 60 });
    const shards = await loadSimulationData(
      parseSimulationConfig({ clients: 100, partition: 'shards', trainLimit: 6000, testLimit: 10 }),
    );
    expect(shards.report.summary.assignedExamples).toBe(6000);
    expect(shards.report.summary.meanDistinctLabels).toBeLessThan(3);
    expect(shards.report.summary.meanLabelDistance).toBeGreaterThan(
      iid.report.summary.meanLabelDistance + 0.5,
    );
  });
});

describe('outputs', () => {
  const round = {
    round: 1,
    testAccuracy: 0.9,
    testLoss: 0.3,
    trainLoss: null,
    selected: 10,
    completed: 9,
    failed: 1,
    dropped: 0,
    bytesUp: 5,
    bytesDown: 6,
    wallSeconds: 1.5,
    failedAttempts: 0,
  };

  it('writes one CSV line per round with empty cells for null', () => {
    expect(roundsCsv([round]).split('\n')[1]).toBe('1,0.9,0.3,,10,9,1,0,5,6,1.5,0,,');
  });

  it('plots points, target and escapes the title', () => {
    const svg = accuracySvg({
      points: [
        [1, 0.5],
        [2, 0.8],
      ],
      title: 'a<b',
      target: 0.97,
    });
    expect(svg).toContain('a&lt;b');
    expect(svg).toContain('stroke-dasharray');
    expect(svg).toMatch(/<path d="M[\d.]+,[\d.]+ L[\d.]+,[\d.]+"/);
    expect(accuracySvg({ points: [], title: 't' })).toContain('no evaluated rounds');
  });

  it('formats a progress line with ETA', () => {
    const line = progressLine({
      round: 5,
      rounds: 10,
      testAccuracy: 0.5,
      trainLoss: null,
      elapsedSeconds: 50,
    });
    expect(line).toContain('round 5/10');
    expect(line).toContain('50.00%');
    expect(line).toContain('ETA 50s');
  });
});
