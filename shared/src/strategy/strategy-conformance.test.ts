import { describe, it } from 'vitest';
import { STRATEGY_NAMES } from './config.js';
import { createStrategy } from './create-strategy.js';
import { strategyConformance } from './strategy-conformance.js';

/** Extra parameters a strategy needs in the suite (FedProx has no default mu). */
const REQUIRED: Readonly<Record<string, Readonly<Record<string, unknown>>>> = {
  fedprox: { proximalMu: 0.01 },
  // small enough that the suite's updates are clipped, so the center (state) matters
  centeredclipping: { tau: 0.05 },
  normbounded: { normBound: 0.05 },
};

const BUFFERED = new Set(['fedmedian', 'fedtrimmedavg', 'krum', 'multikrum', 'bulyan', 'centeredclipping']);

describe.each(STRATEGY_NAMES)('%s conformance', (name) => {
  const cases = strategyConformance(name, (overrides = {}) => {
    const bufferedOnly = BUFFERED.has(name);
    const { maxBufferedUpdates, ...common } = overrides;
    return createStrategy({
      name,
      ...REQUIRED[name],
      ...common,
      ...(bufferedOnly && maxBufferedUpdates !== undefined ? { maxBufferedUpdates } : {}),
    });
  });
  for (const c of cases) it(c.name, () => c.run());
});
