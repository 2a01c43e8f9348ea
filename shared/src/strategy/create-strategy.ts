/**
 * createStrategy: builds a strategy from a JSON-style config, so the coordinator and the CLI
 * can take `{ "name": "fedadam", ... }` from a file or the command line.
 */
import { withDifferentialPrivacy } from '../privacy/dp-strategy.js';
import { FedAdagrad, FedAdam, FedYogi } from './adaptive.js';
import { parseStrategyConfig, type StrategyConfig } from './config.js';
import { FedAvgM } from './fed-avg-m.js';
import { FedAvg } from './fed-avg.js';
import { FedProx } from './fed-prox.js';
import { QFedAvg } from './q-fed-avg.js';
import { FedBulyan, FedMultiKrum } from './byzantine.js';
import { FedCenteredClipping, FedNormBounded } from './clipping.js';
import { FedKrum } from './krum.js';
import { FedMedian, FedTrimmedAvg } from './robust.js';
import type { Strategy } from './types.js';

/**
 * Validates `config` ({@link parseStrategyConfig}: `INVALID_CONFIG` with the issues for an
 * unknown name or a bad parameter) and returns a fresh strategy with empty server state. A
 * `privacy` block wraps the strategy with {@link withDifferentialPrivacy} (its name becomes
 * e.g. `fedavg+dp`).
 */
export function createStrategy(config: unknown): Strategy {
  const c = parseStrategyConfig(config);
  const strategy = createInner(c);
  return c.privacy === undefined ? strategy : withDifferentialPrivacy(strategy, c.privacy);
}

function createInner(c: StrategyConfig): Strategy {
  switch (c.name) {
    case 'fedavg':
      return new FedAvg(c);
    case 'fedavgm':
      return new FedAvgM(c);
    case 'fedprox':
      return new FedProx(c);
    case 'qfedavg':
      return new QFedAvg(c);
    case 'fedadam':
      return new FedAdam(c);
    case 'fedyogi':
      return new FedYogi(c);
    case 'fedadagrad':
      return new FedAdagrad(c);
    case 'fedmedian':
      return new FedMedian(c);
    case 'fedtrimmedavg':
      return new FedTrimmedAvg(c);
    case 'krum':
      return new FedKrum(c);
    case 'multikrum':
      return new FedMultiKrum(c);
    case 'bulyan':
      return new FedBulyan(c);
    case 'centeredclipping':
      return new FedCenteredClipping(c);
    case 'normbounded':
      return new FedNormBounded(c);
  }
}
