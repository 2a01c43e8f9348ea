import { describe, expect, it } from 'vitest';
import { createPrng } from '../data/prng.js';
import { isEdgefedError } from '../errors.js';
import { parseStrategyConfig } from '../strategy/config.js';
import { fit, modelOf, randomModel } from '../strategy/conformance-fixtures.js';
import { createStrategy } from '../strategy/create-strategy.js';
import { strategyConformance } from '../strategy/strategy-conformance.js';
import type { ClientCandidate, FitResult, Strategy } from '../strategy/types.js';
import type { TensorMap } from '../tensor/tensor.js';
import { clipByGlobalNorm, globalL2Norm } from './clip.js';
import { seededNormalSource } from './gaussian-noise.js';
import { RdpAccountant } from './rdp-accountant.js';

const dp = (
  overrides: Readonly<Record<string, unknown>> = {},
  privacy: Readonly<Record<string, unknown>> = {},
) =>
  createStrategy({
    name: 'fedavg',
    ...overrides,
    privacy: { clipNorm: 1, noiseMultiplier: 1, seed: 3, ...privacy },
  });

const flat = (m: TensorMap): number[] => [...m.values()].flatMap((t) => [...t.data]);
const clients = (n: number): ClientCandidate[] => Array.from({ length: n }, (_, i) => ({ id: `c${i}` }));
const zeros = modelOf(() => 0);

async function codeOf(fn: () => unknown): Promise<string> {
  try {
    await fn();
  } catch (e) {
    return isEdgefedError(e) ? e.code : String(e);
  }
  return 'nothing thrown';
}

/**
 * The conformance suite compares against noise-free expectations at 1e-6 (e.g. one update vs
 * seven identical ones, whose noise std differs by 7x), so it runs with a noise multiplier of
 * 1e-9 and a clip norm above every suite update's norm: it checks the wrapper's plumbing
 * (validation, rejection codes, quorum, streaming, state); the tests below check the privacy.
 */
describe.each(['fedavg', 'fedadam', 'fedprox'])('%s+dp conformance', (name) => {
  const cases = strategyConformance(`${name}+dp`, (overrides = {}) => {
    const { maxBufferedUpdates: _ignored, ...common } = overrides;
    return createStrategy({
      name,
      ...(name === 'fedprox' ? { proximalMu: 0.01 } : {}),
      ...common,
      privacy: { clipNorm: 10, noiseMultiplier: 1e-9, seed: 11 },
    });
  });
  for (const c of cases) it(c.name, () => c.run());
});

describe('withDifferentialPrivacy (DP-FedAvg, server-side fixed clipping)', () => {
  it('sends clipNorm to clients and records q = selected / eligible', async () => {
    const s = dp({ fractionFit: 0.25, minFitClients: 2 }, { delta: 1e-6 });
    expect(s.name).toBe('fedavg+dp');
    const plan = s.configureFit({
      round: 1,
      availableClients: clients(40),
      globalVersion: '0',
      rng: createPrng(1),
    });
    expect(plan.clientIds).toHaveLength(10);
    expect(plan.hyperParameters).toEqual({ clipNorm: 1 });
    const rng = createPrng(2);
    const out = await s.aggregateFit({
      round: 1,
      global: zeros,
      results: plan.clientIds.map((id) => fit(id, randomModel(rng, 0.1))),
      failures: [],
    });
    const acc = new RdpAccountant();
    acc.compose({ samplingRate: 0.25, noiseMultiplier: 1 });
    expect(out.metrics.epsilon).toBeCloseTo(acc.spent(1e-6).epsilon, 12);
    expect(out.metrics.dpNoiseStd).toBeCloseTo(1 / 10, 12);
  });

  it('clips on the server, weights uniformly, and adds seeded N(0, (sigma C / n)^2) to the mean', async () => {
    const rng = createPrng(9);
    const updates = [randomModel(rng, 5), randomModel(rng, 0.01), randomModel(rng, 2)];
    const global = randomModel(rng, 1);
    const s = dp({}, { clipNorm: 0.5, noiseMultiplier: 0.7, seed: 21 });
    const out = await s.aggregateFit({
      round: 4,
      global,
      results: updates.map((u, i) => fit(`c${i}`, u, [1, 1000, 7][i])),
      failures: [],
    });
    // Independent expectation: clip each, plain (unweighted) sum, same seeded noise stream.
    const clipped = updates.map((u) => flat(clipByGlobalNorm(u, 0.5).update));
    const noise = seededNormalSource(21, 4);
    const want = flat(global).map((g, i) => {
      const sum = clipped.reduce((a, c) => a + c[i]!, 0);
      return Math.fround(g + Math.fround((sum + 0.7 * 0.5 * noise.normal()) / 3));
    });
    const got = flat(out.parameters);
    got.forEach((x, i) => expect(Math.abs(x - want[i]!)).toBeLessThan(1e-6));
    expect(out.totalExamples).toBe(1008);
    expect(out.metrics.dpNoiseStd).toBeCloseTo((0.7 * 0.5) / 3, 12);
  });

  it('noise has the promised std (seeded statistics over 120,000 coordinates)', async () => {
    const shape = [300, 400];
    const big: TensorMap = new Map([['w', { dtype: 'float32', shape, data: new Float32Array(120_000) }]]);
    const s = dp({}, { clipNorm: 2, noiseMultiplier: 1.5, seed: 5 });
    const results: FitResult[] = ['a', 'b', 'c', 'd'].map((id) => ({
      clientId: id,
      exampleCount: 3,
      update: big,
    }));
    const out = await s.aggregateFit({ round: 1, global: big, results, failures: [] });
    const xs = out.parameters.get('w')!.data;
    let sum = 0;
    let sq = 0;
    for (const x of xs) {
      sum += x;
      sq += x * x;
    }
    const mean = sum / xs.length;
    const std = Math.sqrt(sq / xs.length - mean * mean);
    const want = (1.5 * 2) / 4;
    expect(Math.abs(mean)).toBeLessThan((5 * want) / Math.sqrt(xs.length));
    expect(Math.abs(std / want - 1)).toBeLessThan(0.01);
  });

  it('with expectedClients divides the noised sum by that fixed count', async () => {
    const u = modelOf(() => 0.01);
    const s = dp({}, { clipNorm: 10, noiseMultiplier: 1e-9, expectedClients: 4 });
    const out = await s.aggregateFit({
      round: 1,
      global: zeros,
      results: [fit('a', u), fit('b', u)],
      failures: [],
    });
    flat(out.parameters).forEach((x) => expect(x).toBeCloseTo(0.005, 7));
  });

  it('epsilon grows every round, failed rounds spend nothing, and state round-trips', async () => {
    const s = dp({ fractionFit: 0.5, minFitResults: 2, minFitClients: 2 });
    const rng = createPrng(4);
    const eps: number[] = [];
    let global = zeros;
    for (let round = 1; round <= 3; round++) {
      const plan = s.configureFit({ round, availableClients: clients(8), globalVersion: '', rng });
      const results = plan.clientIds.map((id) => fit(id, randomModel(rng, 0.3)));
      const out = await s.aggregateFit({ round, global, results, failures: [] });
      eps.push(out.metrics.epsilon!);
      global = out.parameters;
    }
    expect(eps[1]).toBeGreaterThan(eps[0]!);
    expect(eps[2]).toBeGreaterThan(eps[1]!);
    const before = s.getState();
    expect(before.strategy).toBe('fedavg+dp');
    expect(before.scalars['dp.rounds']).toBe(3);
    const failed = s.aggregateFit({ round: 4, global, results: [fit('x', zeros)], failures: [] });
    expect(await codeOf(() => failed)).toBe('QUORUM_NOT_MET');
    expect(s.getState()).toEqual(before);
    // A restarted coordinator continues the count: same epsilon for round 4 on both.
    const restored = dp({ fractionFit: 0.5, minFitResults: 2, minFitClients: 2 });
    restored.restore(before);
    const next = (t: Strategy) => {
      t.configureFit({ round: 4, availableClients: clients(8), globalVersion: '', rng: createPrng(5) });
      return t.aggregateFit({ round: 4, global, results: [fit('a', zeros), fit('b', zeros)], failures: [] });
    };
    const [a, b] = [await next(s), await next(restored)];
    expect(b.metrics.epsilon).toBe(a.metrics.epsilon);
    expect(flat(b.parameters)).toEqual(flat(a.parameters));
    expect(a.metrics.epsilon).toBeGreaterThan(eps[2]!);
    // Without a configureFit the sampling rate is unknown: q = 1, the conservative choice.
    const blind = dp();
    blind.restore(before);
    const c = await blind.aggregateFit({ round: 4, global, results: [fit('a', zeros)], failures: [] });
    expect(c.metrics.epsilon).toBeGreaterThan(a.metrics.epsilon!);
  });

  it('refuses state saved without privacy, and privacy state into a plain strategy', async () => {
    const plain = createStrategy({ name: 'fedavg' });
    const priv = dp();
    expect(await codeOf(() => priv.restore(plain.getState()))).toBe('FAILED_PRECONDITION');
    expect(await codeOf(() => plain.restore(priv.getState()))).toBe('FAILED_PRECONDITION');
    const noRdp = { ...priv.getState(), scalars: { 'dp.rounds': 2 } };
    expect(await codeOf(() => priv.restore(noRdp))).toBe('FAILED_PRECONDITION');
  });

  it('without a seed, draws from the CSPRNG: two runs differ, the update norm bound still holds', async () => {
    const make = () => createStrategy({ name: 'fedavg', privacy: { clipNorm: 1, noiseMultiplier: 0.01 } });
    const huge = modelOf(() => 100);
    const run = (s: Strategy) =>
      s.aggregateFit({ round: 1, global: zeros, results: [fit('a', huge)], failures: [] });
    const [a, b] = [await run(make()), await run(make())];
    expect(flat(a.parameters)).not.toEqual(flat(b.parameters));
    // Clipped to norm 1; noise of std 0.01 on 27 coordinates cannot add more than ~0.1.
    expect(globalL2Norm(a.parameters)).toBeLessThan(1.15);
    expect(globalL2Norm(a.parameters)).toBeGreaterThan(0.85);
  });
});

describe('privacy config', () => {
  it('parses a privacy block on averaging strategies and fills in delta', () => {
    const c = parseStrategyConfig({ name: 'fedadam', privacy: { clipNorm: 1, noiseMultiplier: 1.1 } });
    expect(c.privacy).toEqual({ clipNorm: 1, noiseMultiplier: 1.1, delta: 1e-5 });
    expect(createStrategy({ name: 'fedavgm', privacy: { clipNorm: 1, noiseMultiplier: 1 } }).name).toBe(
      'fedavgm+dp',
    );
    expect(parseStrategyConfig({ name: 'fedavg' }).privacy).toBeUndefined();
  });

  it('refuses bad privacy blocks with INVALID_CONFIG and the offending path', () => {
    const bad = [
      { name: 'fedavg', privacy: { clipNorm: 0, noiseMultiplier: 1 } },
      { name: 'fedavg', privacy: { clipNorm: 1, noiseMultiplier: -1 } },
      { name: 'fedavg', privacy: { clipNorm: 1, noiseMultiplier: 0 } },
      { name: 'fedavg', privacy: { clipNorm: 1 } },
      { name: 'fedavg', privacy: { clipNorm: 1, noiseMultiplier: 1, delta: 1 } },
      { name: 'fedavg', privacy: { clipNorm: 1, noiseMultiplier: 1, expectedClients: 0.5 } },
      { name: 'fedavg', privacy: { clipNorm: 1, noiseMultiplier: 1, sed: 1 } },
      { name: 'fedavg', privacy: { clipNorm: '1', noiseMultiplier: 1 } },
      { name: 'krum', privacy: { clipNorm: 1, noiseMultiplier: 1 } },
      { name: 'fedmedian', privacy: { clipNorm: 1, noiseMultiplier: 1 } },
    ];
    for (const config of bad) {
      try {
        createStrategy(config);
        expect.unreachable(JSON.stringify(config));
      } catch (e) {
        expect(isEdgefedError(e, 'INVALID_CONFIG'), JSON.stringify(config)).toBe(true);
        const issues = (e as { details: { issues: { path: string }[] } }).details.issues;
        expect(issues.some((i) => i.path.startsWith('privacy'))).toBe(true);
      }
    }
  });
});
