/**
 * The device part of a simulation config (issue #15): per-client compute speed, bandwidth,
 * availability and mid-task dropout, which turn the simulator's clock into virtual wall time
 * (see virtual-time-gateway.ts). Holds the zod schema and the parsers of the `edgefed
 * simulate` flags `--speeds`, `--bandwidth`, `--availability`, `--dropout-rate` and
 * `--device-speed`; every malformed value throws `INVALID_ARGUMENT` naming the flag.
 */
import { z } from 'zod';
import { EdgefedError } from '@edgefed/shared';

const positive = z.number().positive().max(1e12);

/** Compute speed multipliers: all 1, log-normal (median 1), or a table of device classes. */
export const speedsSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('uniform') }),
  /** `spread`: the ratio of the 95th to the 5th percentile speed (10 = a 10x spread). */
  z.strictObject({ kind: z.literal('lognormal'), spread: z.number().gte(1).max(1e6) }),
  /** Each class: a share of the clients (shares are normalised) and its speed multiplier. */
  z.strictObject({
    kind: z.literal('classes'),
    classes: z
      .array(z.strictObject({ share: positive, speed: positive }))
      .min(1)
      .max(64),
  }),
]);

/** Link speeds in Mbit/s (medians when `spread > 1`: log-normal per client, like speeds). */
export const bandwidthSchema = z.strictObject({
  upMbps: positive,
  downMbps: positive,
  spread: z.number().gte(1).max(1e6).default(1),
});

/** When a client is online (virtual seconds since the simulation started). */
export const availabilitySchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('always') }),
  /** Online `onSeconds`, then offline `offSeconds`, repeating; each client at a seeded phase. */
  z.strictObject({ kind: z.literal('periodic'), onSeconds: positive, offSeconds: positive }),
  /**
   * Online one window of `fraction x periodSeconds` per period (a day by default), starting
   * at a seeded time drawn around the night (22:00 +- 3 h of the period's clock).
   */
  z.strictObject({
    kind: z.literal('diurnal'),
    fraction: z.number().gt(0).lte(1),
    periodSeconds: positive.default(86_400),
  }),
  /** Online windows per client (client k uses `clients[k mod length]`), repeated every period. */
  z.strictObject({
    kind: z.literal('trace'),
    periodSeconds: positive.optional(),
    clients: z
      .array(z.array(z.tuple([z.number().min(0), z.number().min(0)])).max(100_000))
      .min(1)
      .max(1_000_000),
  }),
]);

/** Schema of `devices` in a simulation config. */
export const devicesConfigSchema = z.strictObject({
  speeds: speedsSchema.default({ kind: 'uniform' }),
  /** Absent: transfers take no virtual time. */
  bandwidth: bandwidthSchema.optional(),
  availability: availabilitySchema.default({ kind: 'always' }),
  /** Probability that a client vanishes at a uniform point of a task. */
  dropoutRate: z.number().min(0).lt(1).default(0),
  /** Examples a speed-1 device trains per second (one example of one epoch). */
  examplesPerSecond: positive.default(100),
});

/** A validated devices config. */
export type DevicesConfig = z.output<typeof devicesConfigSchema>;

/** Help lines appended to `edgefed simulate --help`. */
export const DEVICES_HELP = `Devices (virtual time; any of these turns it on)
  --speeds uniform|lognormal:SPREAD|classes:SHARE@SPEED,...
                                    per-client compute speed: log-normal with median 1 and
                                    p95/p5 = SPREAD (lognormal:10 = a 10x spread), or
                                    device classes (classes:0.2@4,0.5@1,0.3@0.25)
  --device-speed N                  examples per second of a speed-1 device (default 100)
  --bandwidth UP/DOWN[:SPREAD]      link speeds in Mbit/s (log-normal per client with
                                    SPREAD > 1); default: transfers take no time
  --availability always|periodic:ON/OFF|diurnal:FRACTION[:PERIOD]|trace:FILE.json
                                    online ON s then offline OFF s (seeded phase); online
                                    FRACTION of each PERIOD s (default 86400) around the
                                    night; or per-client online windows from a file
                                    ({"periodSeconds"?: P, "clients": [[[start, end], ...], ...]})
  --dropout-rate P                  probability a client vanishes mid-task (default 0)
  --round-deadline-ms is then virtual; results add virtualSeconds per round and
  timeToTarget (virtual seconds) beside roundsToTarget`;

function bad(flag: string, raw: string, want: string): never {
  throw new EdgefedError('INVALID_ARGUMENT', `--${flag} must be ${want}, got "${raw}"`);
}

function num(flag: string, raw: string, text: string | undefined, want: string): number {
  const n = Number(text);
  if (text === undefined || text.trim() === '' || !Number.isFinite(n) || n <= 0) bad(flag, raw, want);
  return n;
}

/** `--speeds` as a speeds config. */
export function parseSpeedsFlag(raw: string): z.input<typeof speedsSchema> {
  const want = 'uniform, lognormal:SPREAD (>= 1) or classes:SHARE@SPEED,...';
  const [kind, arg, ...rest] = raw.split(':');
  if (rest.length > 0) bad('speeds', raw, want);
  if (kind === 'uniform' && arg === undefined) return { kind: 'uniform' };
  if (kind === 'lognormal') {
    const spread = num('speeds', raw, arg, want);
    if (spread < 1) bad('speeds', raw, want);
    return { kind: 'lognormal', spread };
  }
  if (kind === 'classes' && arg !== undefined) {
    const classes = arg.split(',').map((c) => {
      const [share, speed, ...more] = c.split('@');
      if (more.length > 0) bad('speeds', raw, want);
      return { share: num('speeds', raw, share, want), speed: num('speeds', raw, speed, want) };
    });
    return { kind: 'classes', classes };
  }
  return bad('speeds', raw, want);
}

/** `--bandwidth UP/DOWN[:SPREAD]` as a bandwidth config. */
export function parseBandwidthFlag(raw: string): z.input<typeof bandwidthSchema> {
  const want = 'UP/DOWN in Mbit/s, optionally :SPREAD (e.g. 5/20 or 5/20:4)';
  const [links, spreadText, ...rest] = raw.split(':');
  const [up, down, ...more] = (links ?? '').split('/');
  if (rest.length > 0 || more.length > 0) bad('bandwidth', raw, want);
  const spread = spreadText === undefined ? 1 : num('bandwidth', raw, spreadText, want);
  if (spread < 1) bad('bandwidth', raw, want);
  return { upMbps: num('bandwidth', raw, up, want), downMbps: num('bandwidth', raw, down, want), spread };
}

/**
 * `--availability` as an availability config; `trace:FILE` is read with `readText` (the
 * file's JSON is validated with the config).
 */
export async function parseAvailabilityFlag(
  raw: string,
  readText: (path: string) => Promise<string>,
): Promise<z.input<typeof availabilitySchema>> {
  const want = 'always, periodic:ON/OFF, diurnal:FRACTION[:PERIOD] or trace:FILE.json';
  const colon = raw.indexOf(':');
  const kind = colon < 0 ? raw : raw.slice(0, colon);
  const arg = colon < 0 ? undefined : raw.slice(colon + 1);
  if (kind === 'always' && arg === undefined) return { kind: 'always' };
  if (kind === 'periodic' && arg !== undefined) {
    const [on, off, ...more] = arg.split('/');
    if (more.length > 0) bad('availability', raw, want);
    return {
      kind: 'periodic',
      onSeconds: num('availability', raw, on, want),
      offSeconds: num('availability', raw, off, want),
    };
  }
  if (kind === 'diurnal' && arg !== undefined) {
    const [fraction, period, ...more] = arg.split(':');
    const f = num('availability', raw, fraction, want);
    if (more.length > 0 || f > 1) bad('availability', raw, want);
    return {
      kind: 'diurnal',
      fraction: f,
      ...(period === undefined ? {} : { periodSeconds: num('availability', raw, period, want) }),
    };
  }
  if (kind === 'trace' && arg !== undefined && arg !== '') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(await readText(arg));
    } catch (err) {
      throw new EdgefedError('INVALID_ARGUMENT', `--availability: cannot read trace ${arg}: ${String(err)}`);
    }
    return { kind: 'trace', ...(parsed as Record<string, unknown>) } as z.input<typeof availabilitySchema>;
  }
  return bad('availability', raw, want);
}

/** `--dropout-rate P` with 0 <= P < 1. */
export function parseDropoutFlag(raw: string): number {
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n) || n < 0 || n >= 1)
    bad('dropout-rate', raw, 'a probability in [0, 1)');
  return n;
}
