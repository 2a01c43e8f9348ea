/**
 * checkClusterRun: the averaging strategies (with and without central DP) pass in cluster
 * mode; every strategy that needs individual updates is refused with INVALID_CONFIG,
 * reason `cluster-strategy` and a message naming it and why; FedBuff is refused
 * (`cluster-mode`), and so is secure aggregation (`cluster-secure`).
 */
import { describe, expect, it } from 'vitest';
import { isEdgefedError } from '@edgefed/shared';
import { checkClusterRun } from './cluster-config.js';

function refusal(strategy: unknown, mode = 'sync', secure = false): unknown {
  try {
    checkClusterRun({ strategy, mode, secure });
  } catch (err) {
    return err;
  }
  return undefined;
}

describe('checkClusterRun', () => {
  it('accepts every strategy with a mean entry, and central DP around one', () => {
    for (const name of ['fedavg', 'fedavgm', 'fedadam', 'fedyogi', 'fedadagrad']) {
      expect(refusal({ name }), name).toBeUndefined();
    }
    expect(refusal({ name: 'fedprox', proximalMu: 0.01 })).toBeUndefined();
    expect(refusal({ name: 'fedadam', privacy: { clipNorm: 1, noiseMultiplier: 1 } })).toBeUndefined();
  });

  it('refuses strategies that need individual updates, naming them and why', () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ name: 'fedmedian' }, /median/],
      [{ name: 'fedtrimmedavg' }, /trimmed/],
      [{ name: 'krum' }, /distances/],
      [{ name: 'multikrum' }, /distances/],
      [{ name: 'bulyan' }, /Krum/],
      [{ name: 'centeredclipping' }, /center/],
      [{ name: 'normbounded', normBound: 1 }, /normBound/],
      [{ name: 'qfedavg' }, /loss/],
    ];
    for (const [config, why] of cases) {
      const err = refusal(config);
      expect(isEdgefedError(err, 'INVALID_CONFIG'), String(config.name)).toBe(true);
      if (!isEdgefedError(err)) continue;
      expect(err.details).toMatchObject({ reason: 'cluster-strategy', strategy: config.name });
      expect(err.message).toContain(String(config.name));
      expect(err.message).toMatch(why);
    }
  });

  it('refuses FedBuff, and passes a bad strategy config on as its own error', () => {
    const err = refusal({ name: 'fedavg' }, 'fedbuff');
    expect(isEdgefedError(err, 'INVALID_CONFIG') && err.details).toMatchObject({ reason: 'cluster-mode' });
    expect(isEdgefedError(refusal({ name: 'nope' }))).toBe(true);
  });

  it('refuses secure aggregation: its phase messages are not routed across nodes', () => {
    const err = refusal({ name: 'fedavg' }, 'sync', true);
    expect(isEdgefedError(err, 'INVALID_CONFIG') && err.details).toMatchObject({ reason: 'cluster-secure' });
    expect(isEdgefedError(err) && err.message).toMatch(/single node/);
  });
});
