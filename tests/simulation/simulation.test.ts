/**
 * A short simulation in CI: 20 virtual clients on 2 worker threads, the real coordinator
 * over the in-process transport, 2nn on an MNIST subset. It must learn (stated accuracy),
 * write valid JSON/CSV/SVG, and give the same rounds again with the same seed (CPU
 * backend) — also over socket.io, which checks that both transports carry the same run.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSimulation } from '../../coordinator/src/simulation/run-simulation.js';
import { CSV_COLUMNS, writeSimulationOutputs } from '../../coordinator/src/simulation/write-outputs.js';
import type { SimulationResult } from '../../coordinator/src/simulation/simulation-result.js';

const config = {
  dataset: 'mnist',
  model: '2nn',
  clients: 20,
  fraction: 0.5,
  rounds: 4,
  epochs: 1,
  batchSize: 10,
  learningRate: 0.1,
  partition: 'shards',
  shardsPerClient: 2,
  trainLimit: 4000,
  testLimit: 1000,
  workers: 2,
  seed: 7,
  targetAccuracy: 0.99,
} as const;

let dir: string;
let first: SimulationResult;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'edgefed-sim-test-'));
  first = await runSimulation(config);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('simulation', () => {
  it('runs every round with all selected clients and learns', () => {
    expect(first.status).toBe('completed');
    expect(first.rounds.map((r) => r.round)).toEqual([1, 2, 3, 4]);
    for (const r of first.rounds) {
      expect(r.selected).toBe(10);
      expect(r.completed).toBe(10);
      expect(r.failed + r.dropped).toBe(0);
      expect(r.bytesUp).toBeGreaterThan(10 * 199_210 * 4);
      expect(r.bytesDown).toBeGreaterThanOrEqual(199_210 * 4);
    }
    // Pathological non-IID (2 label shards per client), 4,000 examples, 4 rounds: the
    // model must be far above chance (10%); measured 0.6-0.7 here.
    expect(first.totals.finalAccuracy).toBeGreaterThan(0.5);
    expect(first.roundsToTarget).toBeNull();
    expect(first.partition.summary.assignedExamples).toBe(4000);
    // Each of a client's 2 shards of label-sorted data spans at most 2 labels.
    expect(first.partition.summary.maxDistinctLabels).toBeLessThanOrEqual(4);
    expect(first.partition.summary.meanDistinctLabels).toBeLessThan(3);
    expect(first.partition.clients).toHaveLength(20);
  });

  it('gives the same rounds with the same seed, over socket.io too', async () => {
    expect(first.transport).toBe('in-process');
    const again = await runSimulation({ ...config, transport: 'socketio' });
    expect(again.transport).toBe('socketio');
    const strip = (r: SimulationResult) =>
      r.rounds.map(({ wallSeconds: _w, bytesDown: _d, ...rest }) => rest);
    expect(strip(again)).toEqual(strip(first));
  });

  it('writes valid JSON, CSV and SVG beside each other', async () => {
    const paths = await writeSimulationOutputs(first, join(dir, 'out', 'run.json'));
    const json = JSON.parse(await readFile(paths.json, 'utf8')) as SimulationResult;
    expect(json.config.clients).toBe(20);
    expect(json.rounds).toHaveLength(4);
    expect(json).toHaveProperty('roundsToTarget', null);
    const csv = (await readFile(paths.csv, 'utf8')).trim().split('\n');
    expect(csv[0]).toBe(CSV_COLUMNS.join(','));
    expect(csv).toHaveLength(5);
    expect(Number(csv[4]!.split(',')[1])).toBeCloseTo(first.rounds[3]!.testAccuracy!, 10);
    const svg = await readFile(paths.svg, 'utf8');
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trim().endsWith('</svg>')).toBe(true);
    expect(svg).toMatch(/<path d="M[\d.]+,[\d.]+( L[\d.]+,[\d.]+){3}"/);
  });
});
