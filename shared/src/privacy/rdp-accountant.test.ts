/**
 * Accountant values checked three ways: against published numbers (TF-Privacy's
 * rdp_accountant_test.py and tutorials/README.md table, Abadi et al. 2016), against an
 * independent float64 implementation written here (A_alpha by numerical integration of its
 * definition, not by the binomial sum the accountant uses), and by monotonicity.
 */
import { describe, expect, it } from 'vitest';
import { isEdgefedError } from '../errors.js';
import { DEFAULT_RDP_ORDERS, epsilonFromRdp, RdpAccountant, sampledGaussianRdp } from './rdp-accountant.js';

/**
 * Independent RDP of the sampled Gaussian: A_alpha = E_{z ~ N(0, s^2)} [(1 - q + q exp((2z - 1) / (2 s^2)))^alpha]
 * (Mironov et al. 2019, eq. (3) with mu_0 = N(0, s^2), mu_1 = N(1, s^2)), integrated with the
 * trapezoid rule in log space over [-14 s, alpha + 14 s] (the integrand's mass lies near 0 and alpha).
 */
function rdpByIntegration(q: number, s: number, alpha: number): number {
  const lo = -14 * s;
  const hi = alpha + 14 * s;
  const n = 40_000;
  const h = (hi - lo) / n;
  const logs = new Float64Array(n + 1);
  let max = -Infinity;
  for (let i = 0; i <= n; i++) {
    const z = lo + i * h;
    const logPdf = -(z * z) / (2 * s * s) - Math.log(s * Math.sqrt(2 * Math.PI));
    const e = (2 * z - 1) / (2 * s * s);
    // log(1 - q + q e^e) without overflow
    const logRatio = e > 0 ? e + Math.log(q + (1 - q) * Math.exp(-e)) : Math.log(1 - q + q * Math.exp(e));
    const v = logPdf + alpha * logRatio + (i === 0 || i === n ? Math.log(0.5) : 0);
    logs[i] = v;
    if (v > max) max = v;
  }
  let sum = 0;
  for (const v of logs) sum += Math.exp(v - max);
  return (max + Math.log(sum * h)) / (alpha - 1);
}

/** Independent conversions: Mironov 2017 Prop. 3 and Canonne-Kamath-Steinke 2020 Prop. 12. */
function epsilonIndependent(rdpAt: (alpha: number) => number, delta: number, improved: boolean): number {
  let best = Infinity;
  for (let alpha = 2; alpha <= 256; alpha++) {
    const r = rdpAt(alpha);
    const eps = improved
      ? r + Math.log((alpha - 1) / alpha) - (Math.log(delta) + Math.log(alpha)) / (alpha - 1)
      : r - Math.log(delta) / (alpha - 1);
    best = Math.min(best, eps);
  }
  return best;
}

const rdpAt = (q: number, sigma: number, order: number): number =>
  sampledGaussianRdp({ samplingRate: q, noiseMultiplier: sigma }, [order])[0]!;

describe('sampledGaussianRdp', () => {
  it('matches TF-Privacy rdp_accountant_test.py values (integer orders)', () => {
    // test_compute_rdp_scalar: compute_rdp(q=0.1, noise_multiplier=2, steps=10, orders=5) = 0.07737
    expect(10 * rdpAt(0.1, 2, 5)).toBeCloseTo(0.07737, 5);
    // test_compute_rdp_sequence: compute_rdp(0.01, 2.5, 50, [..., 5, 50, 100]) = [0.00218075, 0.023846, 167.416307]
    const v = sampledGaussianRdp({ samplingRate: 0.01, noiseMultiplier: 2.5 }, [5, 50, 100]);
    expect(Math.abs(50 * v[0]! - 0.00218075)).toBeLessThan(1e-5);
    expect(Math.abs(50 * v[1]! - 0.023846)).toBeLessThan(1e-5);
    expect(Math.abs(50 * v[2]! - 167.416307)).toBeLessThan(1e-5);
  });

  it('q = 1 is the plain Gaussian mechanism (alpha / (2 sigma^2)); q = 0 costs nothing', () => {
    const orders = [2, 3, 20, 256];
    for (const sigma of [0.5, 1, 10]) {
      const r = sampledGaussianRdp({ samplingRate: 1, noiseMultiplier: sigma }, orders);
      orders.forEach((a, i) => expect(r[i]).toBe(a / (2 * sigma * sigma)));
      // q just below 1 runs the general formula and must agree
      const near = sampledGaussianRdp({ samplingRate: 1 - 1e-12, noiseMultiplier: sigma }, orders);
      orders.forEach((a, i) => expect(near[i]! / (a / (2 * sigma * sigma))).toBeCloseTo(1, 6));
    }
    expect(rdpAt(1, 10, 20)).toBe(0.1); // TF-Privacy test_compute_rdp_no_sampling
    expect([...sampledGaussianRdp({ samplingRate: 0, noiseMultiplier: 1 }, orders)]).toEqual([0, 0, 0, 0]);
  });

  it('agrees with an independent numerical integration of A_alpha', () => {
    const cases: [number, number, number][] = [
      [0.01, 1.1, 2],
      [0.01, 1.1, 5],
      [0.01, 1.1, 32],
      [0.1, 2, 5],
      [0.3, 0.8, 7],
      [0.001, 4, 64],
      [0.5, 1.5, 20],
    ];
    for (const [q, sigma, alpha] of cases) {
      const a = rdpAt(q, sigma, alpha);
      const b = rdpByIntegration(q, sigma, alpha);
      expect(Math.abs(a - b) / b, `q=${q} sigma=${sigma} alpha=${alpha}: ${a} vs ${b}`).toBeLessThan(1e-6);
    }
  });

  it('refuses bad inputs with INVALID_ARGUMENT', () => {
    const bad: (() => unknown)[] = [
      () => sampledGaussianRdp({ samplingRate: 1.1, noiseMultiplier: 1 }),
      () => sampledGaussianRdp({ samplingRate: Number.NaN, noiseMultiplier: 1 }),
      () => sampledGaussianRdp({ samplingRate: 0.1, noiseMultiplier: 0 }),
      () => sampledGaussianRdp({ samplingRate: 0.1, noiseMultiplier: 1 }, [1.5]),
      () => sampledGaussianRdp({ samplingRate: 0.1, noiseMultiplier: 1 }, []),
      () => epsilonFromRdp({ orders: [2], rdp: [1], delta: 0 }),
      () => epsilonFromRdp({ orders: [2, 3], rdp: [1], delta: 1e-5 }),
      () => epsilonFromRdp({ orders: [2], rdp: [-1], delta: 1e-5 }),
      () => new RdpAccountant().compose({ samplingRate: 0.1, noiseMultiplier: 1, steps: -1 }),
    ];
    for (const fn of bad) {
      try {
        fn();
        expect.unreachable(String(fn));
      } catch (e) {
        expect(isEdgefedError(e, 'INVALID_ARGUMENT')).toBe(true);
      }
    }
  });
});

describe('epsilonFromRdp and RdpAccountant', () => {
  it('matches TF-Privacy test_get_privacy_spent_check_target_delta (constant RDP 1.1, orders 2..32)', () => {
    const orders = Array.from({ length: 31 }, (_, i) => i + 2);
    const spent = epsilonFromRdp({ orders, rdp: orders.map(() => 1.1), delta: 1e-5 });
    expect(spent.order).toBe(32);
    expect(spent.epsilon).toBeCloseTo(1.32783806176, 10);
  });

  it('q = 0.01, sigma = 1.1, 10,000 rounds, delta = 1e-5: epsilon ~ 5.654 (improved), 6.280 (classic)', () => {
    const acc = new RdpAccountant();
    acc.compose({ samplingRate: 0.01, noiseMultiplier: 1.1, steps: 10_000 });
    const improved = acc.spent(1e-5);
    const classic = acc.spent(1e-5, 'classic');
    const indep = (alpha: number): number => 10_000 * rdpByIntegration(0.01, 1.1, alpha);
    expect(improved.epsilon).toBeCloseTo(epsilonIndependent(indep, 1e-5, true), 4);
    expect(classic.epsilon).toBeCloseTo(epsilonIndependent(indep, 1e-5, false), 4);
    expect(improved.epsilon).toBeCloseTo(5.6543, 3);
    expect(classic.epsilon).toBeCloseTo(6.2798, 3);
    expect(improved.order).toBe(5);
  });

  it('reproduces published tables with the classic conversion', () => {
    // TF-Privacy tutorials/README.md (DP-SGD on MNIST, N = 60,000, batch 256, delta 1e-5):
    // sigma 1.12, 60 epochs -> 2.92; sigma 1.2, 10 epochs -> 1.20.
    const tutorial = (sigma: number, epochs: number): number => {
      const acc = new RdpAccountant();
      acc.compose({
        samplingRate: 256 / 60_000,
        noiseMultiplier: sigma,
        steps: Math.floor((epochs * 60_000) / 256),
      });
      return acc.spent(1e-5, 'classic').epsilon;
    };
    expect(tutorial(1.12, 60)).toBeCloseTo(2.92, 2);
    expect(tutorial(1.2, 10)).toBeCloseTo(1.2, 2);
    // Abadi et al. 2016, section 3.1: q = 0.01, sigma = 4, T = 10,000, delta = 1e-5 -> 1.26 (moments accountant)
    const abadi = new RdpAccountant();
    abadi.compose({ samplingRate: 0.01, noiseMultiplier: 4, steps: 10_000 });
    expect(abadi.spent(1e-5, 'classic').epsilon).toBeCloseTo(1.26, 2);
    expect(abadi.spent(1e-5).epsilon).toBeLessThan(1.26);
  });

  it('is monotone: more rounds, smaller sigma or larger q spend more', () => {
    const eps = (q: number, sigma: number, steps: number): number => {
      const acc = new RdpAccountant();
      acc.compose({ samplingRate: q, noiseMultiplier: sigma, steps });
      return acc.spent(1e-5).epsilon;
    };
    const byRounds = [1, 10, 100, 1000, 10_000].map((t) => eps(0.01, 1.1, t));
    const bySigma = [4, 2, 1.1, 0.8, 0.5].map((s) => eps(0.01, s, 1000));
    const byQ = [0.001, 0.01, 0.1, 0.5, 1].map((q) => eps(q, 1.1, 100));
    for (const series of [byRounds, bySigma, byQ]) {
      for (let i = 1; i < series.length; i++) expect(series[i]).toBeGreaterThan(series[i - 1]!);
    }
  });

  it('composes rounds additively, resumes from a saved curve, and starts at epsilon 0', () => {
    const acc = new RdpAccountant();
    expect(acc.spent(1e-5).epsilon).toBe(0);
    acc.compose({ samplingRate: 0.1, noiseMultiplier: 1, steps: 3 });
    acc.compose({ samplingRate: 0.5, noiseMultiplier: 2 });
    acc.compose({ samplingRate: 0.5, noiseMultiplier: 2, steps: 0 });
    const a = sampledGaussianRdp({ samplingRate: 0.1, noiseMultiplier: 1 });
    const b = sampledGaussianRdp({ samplingRate: 0.5, noiseMultiplier: 2 });
    const rdp = acc.rdp;
    DEFAULT_RDP_ORDERS.forEach((_, i) => expect(rdp[i]).toBeCloseTo(3 * a[i]! + b[i]!, 10));
    const resumed = new RdpAccountant(DEFAULT_RDP_ORDERS, rdp);
    expect(resumed.spent(1e-5)).toEqual(acc.spent(1e-5));
    rdp[0] = 1e9; // the getter returns a copy
    expect(acc.rdp[0]).not.toBe(1e9);
  });
});
