/**
 * Which runs may be aggregated hierarchically across the nodes of a cluster (issue #16). In
 * cluster mode every node folds its own clients' updates into a PartialAggregate (a weighted
 * sum) and the run's leader only ever sees the merged partials, which it hands to
 * `Strategy.aggregateMean`. So:
 *
 * - only strategies with a mean entry are allowed (fedavg, fedavgm, fedprox, fedadam,
 *   fedyogi, fedadagrad, optionally wrapped with central DP: nodes then clip each update and
 *   weigh it 1, and the leader adds the noise once); the rest need every client's update and
 *   are refused rather than routed to the leader at O(clients x model) cost (reason
 *   `cluster-strategy`, with the strategy and why in the message);
 * - the run must be synchronous (`mode: sync`, reason `cluster-mode`): FedBuff weighs each
 *   update by its own staleness when it arrives at the one buffer.
 *
 * - secure aggregation is refused (reason `cluster-secure`): its parts compose (nodes could
 *   pre-sum masked inputs with MaskedPartialSum and the leader's SecAggServer unmask the sum),
 *   but the task routing does not carry the SecAgg+ phase messages across nodes yet.
 *
 * docs/hierarchical-aggregation.md.
 */
import { EdgefedError, createStrategy } from '@edgefed/shared';

/** Why each strategy without a mean entry cannot be aggregated from partial sums. */
const WHY_NOT: Readonly<Record<string, string>> = {
  fedmedian: 'the coordinate-wise median is an order statistic of every update, not a function of their sum',
  fedtrimmedavg:
    'the trimmed mean drops the largest and smallest values of every coordinate across all updates',
  krum: 'Krum scores every update by its distances to all the others',
  multikrum: 'Multi-Krum scores every update by its distances to all the others',
  bulyan: 'Bulyan selects by Krum distances, then trims every coordinate across the selection',
  centeredclipping: 'centered clipping weighs each update by its own distance to the center',
  normbounded:
    'norm bounding clips each update to normBound before FedAvg; nodes could apply that clip as they do ' +
    'for DP, but the strategy has no mean entry (aggregateMean) yet',
  qfedavg: "q-FedAvg weighs each update by its client's loss and update norm",
};

/** What {@link checkClusterRun} looks at in a run config. */
export interface ClusterRunCheck {
  /** The run's strategy config (`{ name, ..., privacy? }`), as the run config holds it. */
  readonly strategy: unknown;
  readonly mode: string;
  /** True when the run has a `secureAggregation` block. */
  readonly secure?: boolean;
}

function refuse(reason: string, message: string, details: Record<string, unknown>): never {
  throw new EdgefedError('INVALID_CONFIG', `Invalid run config: ${message}`, {
    details: { reason, ...details },
  });
}

/**
 * Throws `INVALID_CONFIG` (`details.reason` = `cluster-strategy`, `cluster-mode` or
 * `cluster-secure`) when a run
 * cannot be aggregated hierarchically in cluster mode; see the file comment. A strategy
 * config that does not parse throws the strategy's own `INVALID_CONFIG`.
 */
export function checkClusterRun(c: ClusterRunCheck): void {
  const strategy = createStrategy(c.strategy);
  if (strategy.aggregateMean === undefined) {
    const name = strategy.name;
    const why = WHY_NOT[name] ?? `${name} has no mean entry (aggregateMean)`;
    refuse(
      'cluster-strategy',
      `cluster mode aggregates each node's updates into a weighted sum, and the leader sees only ` +
        `those sums; ${name} needs every client's update (${why}). Use fedavg, fedavgm, fedprox, ` +
        `fedadam, fedyogi or fedadagrad (with or without privacy), or run it on a single node`,
      { strategy: name },
    );
  }
  if (c.mode !== 'sync') {
    refuse(
      'cluster-mode',
      `cluster mode aggregates synchronous rounds only (mode ${c.mode}): FedBuff weighs each ` +
        'update by its own staleness at the one buffer',
      { mode: c.mode },
    );
  }
  if (c.secure === true) {
    refuse(
      'cluster-secure',
      'cluster mode does not route secure aggregation yet: its SecAgg+ phase messages ' +
        '(advertise, shares, unmask) would have to cross nodes; run secure rounds on a single node',
      {},
    );
  }
}
