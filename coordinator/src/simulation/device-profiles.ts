/**
 * Per-client device profiles drawn from a {@link DevicesConfig} with a seed: compute speed,
 * link speeds and online windows. Each attribute has its own seeded stream, so changing one
 * flag leaves the others' draws as they were. Pure: no clocks, no I/O.
 */
import { EdgefedError, createPrng, type Prng } from '@edgefed/shared';
import type { DevicesConfig } from './device-config.js';

/** z such that P(Z < z) = 0.95 for a standard normal Z. */
const Z95 = 1.6448536269514722;

/** Online windows of one client: sorted, disjoint `[start, end)` in seconds, repeating every `period`. */
export interface OnlineWindows {
  /** Seconds after which the windows repeat; Infinity: they happen once. */
  readonly period: number;
  readonly windows: readonly (readonly [number, number])[];
}

/** One virtual client's device. */
export interface DeviceProfile {
  /** Compute speed multiplier (1 = `examplesPerSecond`). */
  readonly speed: number;
  /** Bytes per second; Infinity when bandwidth is not simulated. */
  readonly upBytesPerSecond: number;
  readonly downBytesPerSecond: number;
  /** Undefined: always online. */
  readonly availability: OnlineWindows | undefined;
}

function lognormal(rng: Prng, spread: number): number {
  if (spread <= 1) return 1;
  return Math.exp((Math.log(spread) / (2 * Z95)) * rng.normal());
}

function speedOf(c: DevicesConfig['speeds'], rng: Prng): number {
  if (c.kind === 'uniform') return 1;
  if (c.kind === 'lognormal') return lognormal(rng, c.spread);
  const total = c.classes.reduce((a, k) => a + k.share, 0);
  let u = rng.nextFloat() * total;
  for (const k of c.classes) {
    u -= k.share;
    if (u < 0) return k.speed;
  }
  return c.classes[c.classes.length - 1]?.speed ?? 1;
}

/** Sorted, merged windows inside [0, period); a window past `period` wraps to the start. */
function normalise(windows: readonly (readonly [number, number])[], period: number): [number, number][] {
  const parts: [number, number][] = [];
  for (const [s0, e0] of windows) {
    if (!(e0 > s0)) continue;
    if (!Number.isFinite(period)) {
      parts.push([s0, e0]);
      continue;
    }
    if (e0 - s0 >= period) return [[0, period]];
    const s = s0 % period;
    const e = s + (e0 - s0);
    if (e <= period) parts.push([s, e]);
    else parts.push([s, period], [0, e - period]);
  }
  parts.sort((a, b) => a[0] - b[0]);
  const merged: [number, number][] = [];
  for (const p of parts) {
    const last = merged[merged.length - 1];
    if (last !== undefined && p[0] <= last[1]) last[1] = Math.max(last[1], p[1]);
    else merged.push([p[0], p[1]]);
  }
  return merged;
}

function availabilityOf(
  c: DevicesConfig['availability'],
  client: number,
  rng: Prng,
): OnlineWindows | undefined {
  if (c.kind === 'always') return undefined;
  let period: number;
  let raw: (readonly [number, number])[];
  if (c.kind === 'periodic') {
    period = c.onSeconds + c.offSeconds;
    const phase = rng.nextFloat() * period;
    raw = [[phase, phase + c.onSeconds]];
  } else if (c.kind === 'diurnal') {
    period = c.periodSeconds;
    const start = ((22 + 3 * rng.normal()) / 24) * period;
    const s = ((start % period) + period) % period;
    raw = [[s, s + c.fraction * period]];
  } else {
    period = c.periodSeconds ?? Infinity;
    raw = c.clients[client % c.clients.length] ?? [];
    for (const [s, e] of raw) {
      if (e < s)
        throw new EdgefedError(
          'INVALID_CONFIG',
          `availability trace window [${s}, ${e}] ends before it starts`,
        );
    }
  }
  const windows = normalise(raw, period);
  const first = windows[0];
  if (windows.length === 1 && first !== undefined && first[0] === 0 && first[1] >= period) return undefined;
  return { period, windows };
}

/** Profiles of `clients` virtual clients (index k = partition client k). */
export function deviceProfiles(c: DevicesConfig, clients: number, seed: number): DeviceProfile[] {
  const speeds = createPrng(seed * 7 + 101);
  const links = createPrng(seed * 7 + 202);
  const online = createPrng(seed * 7 + 303);
  const out: DeviceProfile[] = [];
  for (let k = 0; k < clients; k++) {
    const speed = speedOf(c.speeds, speeds);
    const b = c.bandwidth;
    const up = b === undefined ? Infinity : (b.upMbps * 1e6 * lognormal(links, b.spread)) / 8;
    const down = b === undefined ? Infinity : (b.downMbps * 1e6 * lognormal(links, b.spread)) / 8;
    out.push({
      speed,
      upBytesPerSecond: up,
      downBytesPerSecond: down,
      availability: availabilityOf(c.availability, k, online),
    });
  }
  return out;
}

/** The absolute windows of period index `k`. */
function periodWindows(a: OnlineWindows, k: number): [number, number][] {
  const shift = Number.isFinite(a.period) ? k * a.period : 0;
  return a.windows.map(([s, e]) => [s + shift, e + shift]);
}

/** Absolute windows overlapping [t - period, t + 2 period), in time order. */
function windowsNear(a: OnlineWindows, t: number): [number, number][] {
  if (!Number.isFinite(a.period)) return periodWindows(a, 0);
  const k = Math.floor(t / a.period);
  return [...periodWindows(a, k - 1), ...periodWindows(a, k), ...periodWindows(a, k + 1)];
}

/** Whether the client is online at `t`. */
export function isOnline(a: OnlineWindows | undefined, t: number): boolean {
  if (a === undefined) return true;
  return windowsNear(a, t).some(([s, e]) => s <= t && t < e);
}

/** When the client, online at `t`, goes offline next (Infinity: never); `t` when offline. */
export function offlineAt(a: OnlineWindows | undefined, t: number): number {
  if (a === undefined) return Infinity;
  const near = windowsNear(a, t);
  const i = near.findIndex(([s, e]) => s <= t && t < e);
  if (i < 0) return t;
  let end = near[i]?.[1] ?? t;
  // a window that ends at the period boundary continues in the next period's first one
  for (let j = i + 1; j < near.length && near[j]?.[0] === end; j++) end = near[j]?.[1] ?? end;
  return end;
}

/** The first time >= `t` the client is online (Infinity: never again). */
export function nextOnline(a: OnlineWindows | undefined, t: number): number {
  if (a === undefined || isOnline(a, t)) return t;
  const start = windowsNear(a, t).find(([s]) => s > t)?.[0];
  return start ?? Infinity;
}
