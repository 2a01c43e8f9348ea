/**
 * The `edgefed simulate` flags for compression, differential privacy, FedProx and
 * quantity-skew partitions, each through the real command (`runSimulateCommand`: flag
 * parsing, the real coordinator, worker-thread virtual clients, `--out` files): 6 clients,
 * 3 per round, 2 rounds of 2nn on 1,200 MNIST examples. Bad flags fail before any work
 * with a stable code naming the flag.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSimulateCommand } from '../../coordinator/src/cli/simulate.js';
import type { SimulationResult } from '../../coordinator/src/simulation/simulation-result.js';

const BASE = [
  '--model', '2nn', '--clients', '6', '--fraction', '0.5', '--rounds', '2', '--epochs', '1',
  '--batch-size', '10', '--lr', '0.1', '--train-limit', '1200', '--test-limit', '300',
  '--workers', '1', '--seed', '3', '--log-level', 'silent',
]; // prettier-ignore

/** 2nn parameters x 4 bytes x 3 clients: one round of dense float32 updates. */
const DENSE_ROUND_BYTES = 199_210 * 4 * 3;

let dir: string;
let runs = 0;
let baseline: SimulationResult;

/** Runs `edgefed simulate BASE ...flags --out FILE` and reads the result JSON. */
async function simulate(...flags: string[]): Promise<SimulationResult> {
  const out = join(dir, `run-${++runs}.json`);
  const status = await runSimulateCommand([...BASE, ...flags, '--out', out]);
  expect(status).toBe(0);
  return JSON.parse(await readFile(out, 'utf8')) as SimulationResult;
}

function expectCompleted(r: SimulationResult): void {
  expect(r.status).toBe('completed');
  expect(r.rounds.map((x) => [x.round, x.completed, x.failed])).toEqual([
    [1, 3, 0],
    [2, 3, 0],
  ]);
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'edgefed-simulate-cmd-'));
  baseline = await simulate();
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('edgefed simulate flags', () => {
  it('--compression topk:F uploads a fraction of the dense bytes and still learns', async () => {
    expectCompleted(baseline);
    for (const r of baseline.rounds) expect(r.bytesUp).toBeGreaterThan(DENSE_ROUND_BYTES);
    const topk = await simulate('--compression', 'topk:0.05');
    expectCompleted(topk);
    expect(topk.config.compression).toEqual({ method: 'topk', fraction: 0.05 });
    // 5% of the values (4 bytes each) + gap-coded indices + headers.
    for (const r of topk.rounds) expect(r.bytesUp).toBeLessThan(0.1 * DENSE_ROUND_BYTES);
    expect(topk.totals.finalAccuracy).toBeGreaterThan(0.3);
  });

  it('--compression int8 uploads about a quarter of the dense bytes', async () => {
    const int8 = await simulate('--compression', 'int8');
    expectCompleted(int8);
    for (const r of int8.rounds) {
      expect(r.bytesUp).toBeLessThan(0.27 * DENSE_ROUND_BYTES);
      expect(r.bytesUp).toBeGreaterThan(0.25 * DENSE_ROUND_BYTES);
    }
    expect(int8.totals.finalAccuracy).toBeGreaterThan(0.5);
  });

  it('--dp-clip / --dp-noise run DP-FedAvg and report epsilon every round', async () => {
    const dp = await simulate('--dp-clip', '1', '--dp-noise', '0.5', '--dp-delta', '1e-4');
    expectCompleted(dp);
    expect(dp.config.strategy).toEqual({
      name: 'fedavg',
      privacy: { clipNorm: 1, noiseMultiplier: 0.5, delta: 1e-4, seed: 3 },
    });
    const [e1, e2] = dp.rounds.map((r) => r.epsilon);
    expect(e1).toBeGreaterThan(0);
    expect(e2).toBeGreaterThan(e1!);
    expect(baseline.rounds.every((r) => r.epsilon === undefined)).toBe(true);
  });

  it('--fedprox MU trains with the proximal term: same seed, a different model', async () => {
    const prox = await simulate('--fedprox', '1');
    expectCompleted(prox);
    expect(prox.config.strategy).toEqual({ name: 'fedprox', proximalMu: 1 });
    // Same clients, data order and initial model as the baseline; only the local objective
    // differs, so the first aggregated model (and its test loss) already differ.
    expect(prox.rounds[0]!.testLoss).not.toBeCloseTo(baseline.rounds[0]!.testLoss!, 6);
    expect(prox.totals.finalAccuracy).toBeGreaterThan(0.5);
  });

  it('--partition quantity-skew gives skewed client sizes that add up', async () => {
    const skew = await simulate(
      '--partition',
      'quantity-skew',
      '--size-exponent',
      '0.8',
      '--min-client-size',
      '20',
    );
    expectCompleted(skew);
    const counts = skew.partition.clients.map((c) => c.count);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(1200);
    expect(Math.min(...counts)).toBeGreaterThanOrEqual(20);
    expect(Math.max(...counts)).toBeGreaterThan(3 * Math.min(...counts));
    const iidCounts = baseline.partition.clients.map((c) => c.count);
    expect(Math.max(...iidCounts) - Math.min(...iidCounts)).toBeLessThanOrEqual(1);
    const dirichletSizes = await simulate('--partition', 'quantity-skew', '--size-alpha', '0.5');
    expectCompleted(dirichletSizes);
    expect(dirichletSizes.partition.clients.map((c) => c.count)).not.toEqual(counts);
  });

  it('refuses bad or contradictory flags with a code and the flag named', async () => {
    const fails = async (flags: string[], code: string, message: RegExp): Promise<void> => {
      await expect(runSimulateCommand([...BASE, ...flags])).rejects.toMatchObject({
        code,
        message: expect.stringMatching(message) as unknown,
      });
    };
    await fails(['--compression', 'zip'], 'INVALID_ARGUMENT', /--compression must be none, fp16, int8, topk/);
    await fails(['--compression', 'topk:0'], 'INVALID_ARGUMENT', /topk:F needs 0 < F <= 1/);
    await fails(['--compression', 'fp16:2'], 'INVALID_ARGUMENT', /--compression must be/);
    await fails(['--dp-clip', '1'], 'INVALID_ARGUMENT', /--dp-clip and --dp-noise go together/);
    await fails(['--dp-clip', '1', '--dp-noise=-1'], 'INVALID_ARGUMENT', /--dp-noise must be a number > 0/);
    await fails(['--dp-delta', '1e-5'], 'INVALID_ARGUMENT', /--dp-delta needs --dp-clip/);
    await fails(['--dp-clip', '1', '--dp-noise', '1', '--strategy', 'krum'], 'INVALID_CONFIG', /privacy/);
    await fails(
      ['--fedprox', '0.1', '--strategy', 'fedadam'],
      'INVALID_ARGUMENT',
      /conflicts with --strategy/,
    );
    await fails(['--fedprox', '0.1', '--mu', '0.2'], 'INVALID_ARGUMENT', /drop --mu/);
    await fails(['--fedprox', 'x'], 'INVALID_ARGUMENT', /--fedprox must be a number >= 0/);
    await fails(['--size-exponent', '2'], 'INVALID_CONFIG', /only apply to partition quantity-skew/);
    await fails(
      ['--partition', 'quantity-skew', '--size-exponent', '2', '--size-alpha', '1'],
      'INVALID_CONFIG',
      /not both/,
    );
    await fails(
      ['--partition', 'natural'],
      'INVALID_ARGUMENT',
      /mnist dataset has no natural grouping; .*works for sotu/,
    );
  });
});
