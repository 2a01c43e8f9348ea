import { describe, expect, it } from 'vitest';
import { EdgefedError } from '@edgefed/shared';
import { MAX_CLIENT_METRICS, boundExampleCount, checkClientMetrics } from './result-bounds.js';

function codeOf(f: () => unknown): string {
  try {
    f();
    return 'ok';
  } catch (e) {
    return e instanceof EdgefedError ? e.code : 'other';
  }
}

describe('boundExampleCount', () => {
  it('passes honest counts, clamps above the cap, rejects above the hello declaration', () => {
    expect(boundExampleCount({ claimed: 50, declared: 50, maxExampleWeight: 100 })).toEqual({
      weight: 50,
      clamped: false,
    });
    expect(boundExampleCount({ claimed: 1e15, declared: 1e15, maxExampleWeight: 100 })).toEqual({
      weight: 100,
      clamped: true,
    });
    expect(codeOf(() => boundExampleCount({ claimed: 51, declared: 50, maxExampleWeight: 100 }))).toBe(
      'EXAMPLE_COUNT_EXCEEDED',
    );
    // 0 or no declaration (virtual clients before binding): only the cap applies
    expect(boundExampleCount({ claimed: 1e9, declared: 0, maxExampleWeight: 7 }).weight).toBe(7);
    expect(boundExampleCount({ claimed: 3, declared: undefined, maxExampleWeight: 7 }).weight).toBe(3);
  });
});

describe('checkClientMetrics', () => {
  it('accepts sane metrics and rejects out-of-range ones with INVALID_ARGUMENT', () => {
    expect(codeOf(() => checkClientMetrics(undefined))).toBe('ok');
    expect(codeOf(() => checkClientMetrics({ loss: 0.3, accuracy: 0.9, steps: 12, trainSeconds: 1.5 }))).toBe(
      'ok',
    );
    for (const bad of [
      { accuracy: 1.5 },
      { accuracy: -0.1 },
      { eval_accuracy: 2 },
      { loss: -1 },
      { valLoss: -0.5 },
      { steps: 1e13 },
      { loss: Number.NaN },
      { loss: Number.POSITIVE_INFINITY },
      Object.fromEntries(Array.from({ length: MAX_CLIENT_METRICS + 1 }, (_, i) => [`m${i}`, 1])),
    ]) {
      expect(codeOf(() => checkClientMetrics(bad))).toBe('INVALID_ARGUMENT');
    }
  });
});
