/**
 * `edgefed simulate` flags for robust federations (issues #14, #15): simulated attacks,
 * the FedAvg weight cap, and the robust strategies' parameters. Kept apart from
 * simulate-flags.ts, which merges them in with one spread each.
 */
import { EdgefedError } from '@edgefed/shared';
import { numberFlag } from './args.js';

/** Help lines appended to `edgefed simulate --help`. */
export const ROBUST_HELP = `Robustness
  --attack KIND                     sign-flip|scale|gaussian|label-flip|example-count|backdoor:
                                    a seeded subset of the clients attacks (the result lists them)
  --attackers F                     fraction of the clients that attack (default 0.2)
  --attack-scale S                  scale: delta x S; sign-flip: delta x -S (default 1)
  --attack-noise SD                 gaussian: noise standard deviation (default 1)
  --attack-examples N               example-count: the count each attacker claims (default 1e9)
  --backdoor-target C               backdoor: class a 4x4 corner trigger maps to (default 0);
                                    the result adds attackSuccessRate beside test accuracy
  --poison-fraction F               backdoor: share of an attacker's examples triggered (0.5)
  --max-example-weight N            the run's FedAvg weight cap (default 100000)
  --byzantine F                     f for krum, multikrum, bulyan
  --selected M                      m for krum, multikrum
  --norm-bound B                    normbounded: L2 bound of each update
  --iterations L                    centeredclipping: clipping iterations (tau: --tau)`;

/** parseArgs options of these flags. */
export const ROBUST_OPTIONS = {
  attack: { type: 'string' },
  attackers: { type: 'string' },
  'attack-scale': { type: 'string' },
  'attack-noise': { type: 'string' },
  'attack-examples': { type: 'string' },
  'backdoor-target': { type: 'string' },
  'poison-fraction': { type: 'string' },
  'max-example-weight': { type: 'string' },
  byzantine: { type: 'string' },
  selected: { type: 'string' },
  'norm-bound': { type: 'string' },
  iterations: { type: 'string' },
} as const;

type Values = Readonly<Record<string, unknown>>;

function defined(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}

/** Strategy parameters from these flags (merged into the strategy config). */
export function robustStrategyParams(values: Values): Record<string, unknown> {
  return defined({
    byzantineClients: numberFlag(values, 'byzantine'),
    selected: numberFlag(values, 'selected'),
    normBound: numberFlag(values, 'norm-bound'),
    iterations: numberFlag(values, 'iterations'),
  });
}

/**
 * Simulation config fields from these flags: `attack` (when `--attack` is given; attack
 * parameters without it throw `INVALID_ARGUMENT`) and `maxExampleWeight`.
 */
export function robustConfigFields(values: Values): Record<string, unknown> {
  const kind = values.attack;
  const attack = defined({
    fraction: numberFlag(values, 'attackers'),
    scale: numberFlag(values, 'attack-scale'),
    noiseStd: numberFlag(values, 'attack-noise'),
    claimedExamples: numberFlag(values, 'attack-examples'),
    targetClass: numberFlag(values, 'backdoor-target'),
    poisonFraction: numberFlag(values, 'poison-fraction'),
  });
  if (typeof kind !== 'string' && Object.keys(attack).length > 0) {
    throw new EdgefedError('INVALID_ARGUMENT', 'attack parameters need --attack KIND');
  }
  return defined({
    attack: typeof kind === 'string' ? { kind, ...attack } : undefined,
    maxExampleWeight: numberFlag(values, 'max-example-weight'),
  });
}
