/**
 * `edgefed simulate` flags for real-world federations (issue #15): device heterogeneity on
 * a virtual clock (`--speeds`, `--bandwidth`, `--availability`, `--dropout-rate`,
 * `--device-speed`) and the FedBuff run mode (`--mode fedbuff`, `--buffer-size`,
 * `--max-staleness`, `--concurrency`, `--staleness`). Kept apart from simulate-flags.ts,
 * which merges them in with one spread each.
 */
import { readFile } from 'node:fs/promises';
import { EdgefedError } from '@edgefed/shared';
import {
  DEVICES_HELP,
  parseAvailabilityFlag,
  parseBandwidthFlag,
  parseDropoutFlag,
  parseSpeedsFlag,
} from '../simulation/device-config.js';
import { intFlag, numberFlag } from './args.js';

/** Help lines appended to `edgefed simulate --help`. */
export const DEVICE_HELP = `${DEVICES_HELP}
  --over-selection X                select ceil(X x target) clients and close the round at the
                                    target count (strategy overSelection, default 1)
Asynchronous aggregation (FedBuff)
  --mode sync|fedbuff               rounds (default) or FedBuff: clients train continuously on
                                    the latest model, the server aggregates every K updates;
                                    --rounds then counts model versions
  --buffer-size K                   updates per aggregation (default 10)
  --max-staleness S                 updates more than S versions old are rejected (default 20)
  --concurrency N                   most clients training at once (default 100)
  --staleness sqrt|constant|poly:A  staleness weight 1/sqrt(1+s) (default), 1, or (1+s)^-A`;

/** parseArgs options of these flags. */
export const DEVICE_OPTIONS = {
  speeds: { type: 'string' },
  bandwidth: { type: 'string' },
  availability: { type: 'string' },
  'dropout-rate': { type: 'string' },
  'over-selection': { type: 'string' },
  'device-speed': { type: 'string' },
  mode: { type: 'string' },
  'buffer-size': { type: 'string' },
  'max-staleness': { type: 'string' },
  concurrency: { type: 'string' },
  staleness: { type: 'string' },
} as const;

type Values = Readonly<Record<string, unknown>>;

function str(values: Values, flag: string): string | undefined {
  const v = values[flag];
  return typeof v === 'string' ? v : undefined;
}

function defined(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}

async function devicesOf(values: Values): Promise<Record<string, unknown> | undefined> {
  const speeds = str(values, 'speeds');
  const bandwidth = str(values, 'bandwidth');
  const availability = str(values, 'availability');
  const dropout = str(values, 'dropout-rate');
  const devices = defined({
    speeds: speeds === undefined ? undefined : parseSpeedsFlag(speeds),
    bandwidth: bandwidth === undefined ? undefined : parseBandwidthFlag(bandwidth),
    availability:
      availability === undefined
        ? undefined
        : await parseAvailabilityFlag(availability, (path) => readFile(path, 'utf8')),
    dropoutRate: dropout === undefined ? undefined : parseDropoutFlag(dropout),
    examplesPerSecond: numberFlag(values, 'device-speed'),
  });
  return Object.keys(devices).length === 0 ? undefined : devices;
}

function stalenessOf(raw: string | undefined): Record<string, unknown> {
  if (raw === undefined) return {};
  if (raw === 'sqrt' || raw === 'constant') return { staleness: raw };
  const [kind, a, ...rest] = raw.split(':');
  const n = Number(a);
  if (
    kind === 'poly' &&
    rest.length === 0 &&
    a !== undefined &&
    a.trim() !== '' &&
    Number.isFinite(n) &&
    n > 0
  )
    return { staleness: 'poly', stalenessExponent: n };
  throw new EdgefedError(
    'INVALID_ARGUMENT',
    `--staleness must be sqrt, constant or poly:A (A > 0), got "${raw}"`,
  );
}

/** Strategy parameters from these flags (`--over-selection`). */
export function deviceStrategyParams(values: Values): Record<string, unknown> {
  return defined({ overSelection: numberFlag(values, 'over-selection') });
}

/**
 * Simulation config fields from these flags: `devices` (when any device flag is given),
 * `mode` and `fedbuff`. FedBuff parameters without `--mode fedbuff` throw `INVALID_ARGUMENT`.
 */
export async function deviceConfigFields(values: Values): Promise<Record<string, unknown>> {
  const mode = str(values, 'mode');
  if (mode !== undefined && mode !== 'sync' && mode !== 'fedbuff')
    throw new EdgefedError('INVALID_ARGUMENT', `--mode must be sync or fedbuff, got "${mode}"`);
  const fedbuff = defined({
    bufferSize: intFlag(values, 'buffer-size', 1),
    maxStaleness: intFlag(values, 'max-staleness', 0),
    concurrency: intFlag(values, 'concurrency', 1),
    ...stalenessOf(str(values, 'staleness')),
  });
  if (mode !== 'fedbuff' && Object.keys(fedbuff).length > 0)
    throw new EdgefedError('INVALID_ARGUMENT', 'FedBuff flags need --mode fedbuff');
  return defined({
    devices: await devicesOf(values),
    mode,
    fedbuff: mode === 'fedbuff' ? fedbuff : undefined,
  });
}
