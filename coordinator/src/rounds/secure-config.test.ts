/**
 * A run's `secureAggregation` block: defaults (core settings and phase deadlines), and the
 * coded refusals — robust strategies and q-FedAvg (they need every update), lossy or sparse
 * compression, FedBuff — while central DP composes with it.
 */
import { describe, expect, it } from 'vitest';
import { isEdgefedError } from '@edgefed/shared';
import { parseRunConfig } from './run-config.js';

const run = (extra: Record<string, unknown>) => ({ model: '2nn', rounds: 1, ...extra });

function refusal(input: unknown): unknown {
  try {
    parseRunConfig(input);
  } catch (err) {
    return err;
  }
  return undefined;
}

describe('secureAggregation in a run config', () => {
  it('fills in the defaults; absent, a run is not secure', () => {
    const c = parseRunConfig(run({ secureAggregation: {} }));
    expect(c.secureAggregation).toMatchObject({
      neighbours: 'auto',
      threshold: 'auto',
      advertiseTimeoutMs: 30_000,
      shareTimeoutMs: 30_000,
      unmaskTimeoutMs: 30_000,
    });
    expect(c.secureAggregation?.clipRange).toBeGreaterThan(0);
    expect(parseRunConfig(run({})).secureAggregation).toBeUndefined();
  });

  it('works with every averaging strategy, and with central DP', () => {
    for (const name of ['fedavg', 'fedavgm', 'fedadam', 'fedyogi', 'fedadagrad']) {
      expect(
        parseRunConfig(run({ strategy: { name }, secureAggregation: {} })).secureAggregation,
      ).toBeDefined();
    }
    const fedprox = { name: 'fedprox', proximalMu: 0.01 };
    expect(parseRunConfig(run({ strategy: fedprox, secureAggregation: {} })).strategy.name).toBe('fedprox');
    const dp = { name: 'fedavg', privacy: { clipNorm: 1, noiseMultiplier: 1 } };
    expect(parseRunConfig(run({ strategy: dp, secureAggregation: {} })).strategy.privacy).toBeDefined();
  });

  it('refuses strategies that need individual updates', () => {
    for (const name of [
      'fedmedian',
      'fedtrimmedavg',
      'krum',
      'multikrum',
      'bulyan',
      'centeredclipping',
      'qfedavg',
    ]) {
      const err = refusal(run({ strategy: { name }, secureAggregation: {} }));
      expect(isEdgefedError(err, 'INVALID_CONFIG'), name).toBe(true);
      expect((err as { details: { reason: string } }).details.reason).toBe('secagg-strategy');
    }
  });

  it('refuses compression and FedBuff, and bad settings', () => {
    const topk = refusal(run({ compression: { method: 'topk', fraction: 0.1 }, secureAggregation: {} }));
    expect((topk as { details: { reason: string } }).details.reason).toBe('secagg-compression');
    const fp16 = refusal(run({ compression: { method: 'fp16' }, secureAggregation: {} }));
    expect((fp16 as { details: { reason: string } }).details.reason).toBe('secagg-compression');
    const fedbuff = refusal(run({ mode: 'fedbuff', secureAggregation: {} }));
    expect((fedbuff as { details: { reason: string } }).details.reason).toBe('secagg-mode');
    expect(
      isEdgefedError(refusal(run({ secureAggregation: { advertiseTimeoutMs: 5 } })), 'INVALID_CONFIG'),
    ).toBe(true);
    expect(isEdgefedError(refusal(run({ secureAggregation: { clipRange: -1 } })), 'INVALID_CONFIG')).toBe(
      true,
    );
    expect(isEdgefedError(refusal(run({ secureAggregation: { typo: 1 } })), 'INVALID_CONFIG')).toBe(true);
  });
});
