import { describe, it } from 'vitest';
import { STRATEGY_NAMES } from './config.js';
import { createStrategy } from './create-strategy.js';
import { strategyConformance } from './strategy-conformance.js';

/** Extra parameters a strategy needs in the suite (FedProx has no default mu). */
const REQUIRED: Readonly<Record<string, Readonly<Record<string, unknown>>>> = {
  fedprox: { proximalMu: 0.01 },
};

describe.each(STRATEGY_NAMES)('%s conformance', (name) => {
  const cases = strategyConformance(name, (overrides = {}) => {
    const bufferedOnly = name === 'fedmedian' || name === 'fedtrimmedavg' || name === 'krum';
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
