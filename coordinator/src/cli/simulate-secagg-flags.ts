/**
 * `edgefed simulate` flags for secure aggregation (issue #14): `--secagg` turns SecAgg+ on
 * for the run; the others set its parameters and seeded dropouts at one phase.
 */
import { EdgefedError } from '@edgefed/shared';
import { numberFlag } from './args.js';

/** Help text of these flags. */
export const SECAGG_HELP = `Secure aggregation (SecAgg+)
  --secagg                          the coordinator sees only each round's weighted mean
                                    (strategies: fedavg, fedavgm, fedprox, fedadam, fedyogi,
                                    fedadagrad; compression none)
  --secagg-neighbours K             neighbours per client (default auto: ~3 log2 n)
  --secagg-threshold T              Shamir threshold (default auto: ceil(K/3) + 1)
  --secagg-clip-range R             coordinates clipped to [-R, R] before quantization (2)
  --secagg-max-weight W             largest FedAvg weight a client folds in (10000)
  --secagg-drop-phase P             advertise|share|upload|unmask: where clients drop out
  --secagg-drop-rate F              probability a selected client drops at that phase (0.1)`;

/** parseArgs options of these flags. */
export const SECAGG_OPTIONS = {
  secagg: { type: 'boolean' },
  'secagg-neighbours': { type: 'string' },
  'secagg-threshold': { type: 'string' },
  'secagg-clip-range': { type: 'string' },
  'secagg-max-weight': { type: 'string' },
  'secagg-drop-phase': { type: 'string' },
  'secagg-drop-rate': { type: 'string' },
} as const;

type Values = Readonly<Record<string, unknown>>;

const SETTINGS = [
  ['secagg-neighbours', 'neighbours'],
  ['secagg-threshold', 'threshold'],
  ['secagg-clip-range', 'clipRange'],
  ['secagg-max-weight', 'maxWeight'],
] as const;

/**
 * Simulation config fields from these flags: `secureAggregation` (with `--secagg`) and
 * `secAggDrop`. Any other secagg flag without `--secagg` throws `INVALID_ARGUMENT`.
 */
export function secAggConfigFields(values: Values): Record<string, unknown> {
  const settings: Record<string, unknown> = {};
  for (const [flag, key] of SETTINGS) {
    const v = numberFlag(values, flag);
    if (v !== undefined) settings[key] = v;
  }
  const phase = values['secagg-drop-phase'];
  const rate = numberFlag(values, 'secagg-drop-rate');
  const on = values.secagg === true;
  if (!on && (Object.keys(settings).length > 0 || phase !== undefined || rate !== undefined)) {
    throw new EdgefedError('INVALID_ARGUMENT', 'secure-aggregation flags need --secagg');
  }
  if (rate !== undefined && phase === undefined) {
    throw new EdgefedError('INVALID_ARGUMENT', '--secagg-drop-rate needs --secagg-drop-phase');
  }
  if (!on) return {};
  return {
    secureAggregation: settings,
    ...(phase === undefined ? {} : { secAggDrop: { phase, rate: rate ?? 0.1 } }),
  };
}
