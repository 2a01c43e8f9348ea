/** Tests of device profiles: the speed and bandwidth laws, seeding, and online windows. */
import { describe, expect, it } from 'vitest';
import { devicesConfigSchema } from './device-config.js';
import { deviceProfiles, isOnline, nextOnline, offlineAt } from './device-profiles.js';

const config = (input: unknown) => devicesConfigSchema.parse(input);

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(q * (s.length - 1))] ?? NaN;
}

describe('deviceProfiles', () => {
  it('draws log-normal speeds with median 1 and the requested p95/p5 spread, seeded', () => {
    const c = config({ speeds: { kind: 'lognormal', spread: 10 } });
    const speeds = deviceProfiles(c, 5000, 3).map((p) => p.speed);
    expect(quantile(speeds, 0.5)).toBeCloseTo(1, 1);
    expect(quantile(speeds, 0.95) / quantile(speeds, 0.05)).toBeGreaterThan(8.5);
    expect(quantile(speeds, 0.95) / quantile(speeds, 0.05)).toBeLessThan(11.5);
    expect(deviceProfiles(c, 50, 3)).toEqual(deviceProfiles(c, 50, 3));
    expect(deviceProfiles(c, 50, 4)).not.toEqual(deviceProfiles(c, 50, 3));
  });

  it('assigns device classes by share and leaves other attributes unchanged by the speed law', () => {
    const classes = config({
      speeds: {
        kind: 'classes',
        classes: [
          { share: 1, speed: 4 },
          { share: 3, speed: 0.5 },
        ],
      },
    });
    const speeds = deviceProfiles(classes, 4000, 1).map((p) => p.speed);
    const fast = speeds.filter((s) => s === 4).length / speeds.length;
    expect(fast).toBeGreaterThan(0.22);
    expect(fast).toBeLessThan(0.28);
    expect(speeds.every((s) => s === 4 || s === 0.5)).toBe(true);
    const withLinks = (speedsCfg: unknown) =>
      deviceProfiles(
        config({ speeds: speedsCfg, bandwidth: { upMbps: 8, downMbps: 16, spread: 4 } }),
        20,
        9,
      ).map((p) => [p.upBytesPerSecond, p.downBytesPerSecond]);
    expect(withLinks({ kind: 'uniform' })).toEqual(withLinks({ kind: 'lognormal', spread: 10 }));
  });

  it('turns Mbit/s into bytes per second; no bandwidth means instant transfers', () => {
    const [p] = deviceProfiles(config({ bandwidth: { upMbps: 8, downMbps: 16 } }), 1, 0);
    expect(p?.upBytesPerSecond).toBe(1e6);
    expect(p?.downBytesPerSecond).toBe(2e6);
    expect(deviceProfiles(config({}), 1, 0)[0]?.upBytesPerSecond).toBe(Infinity);
  });
});

describe('online windows', () => {
  it('periodic: ON seconds online then OFF offline, at a seeded phase, wrapping at the period', () => {
    const profiles = deviceProfiles(
      config({ availability: { kind: 'periodic', onSeconds: 60, offSeconds: 40 } }),
      200,
      5,
    );
    for (const { availability: a } of profiles) {
      let online = 0;
      for (let t = 0; t < 1000; t += 0.5) if (isOnline(a, t)) online++;
      expect(online / 2000).toBeCloseTo(0.6, 1);
      const off = offlineAt(a, nextOnline(a, 0));
      expect(isOnline(a, off)).toBe(false);
      const start = nextOnline(a, off);
      expect(start - off).toBeCloseTo(40, 6);
      // whole windows, also those crossing the period boundary
      for (let k = 0; k < 5; k++)
        expect(offlineAt(a, start + 100 * k) - (start + 100 * k)).toBeCloseTo(60, 6);
    }
  });

  it('trace without a period: windows once, then offline for good', () => {
    const [p] = deviceProfiles(
      config({
        availability: {
          kind: 'trace',
          clients: [
            [
              [10, 20],
              [30, 40],
            ],
          ],
        },
      }),
      1,
      0,
    );
    const a = p?.availability;
    expect(isOnline(a, 5)).toBe(false);
    expect(nextOnline(a, 5)).toBe(10);
    expect(offlineAt(a, 12)).toBe(20);
    expect(nextOnline(a, 25)).toBe(30);
    expect(nextOnline(a, 45)).toBe(Infinity);
  });

  it('diurnal with fraction 1 and always mean always online', () => {
    for (const availability of [{ kind: 'always' }, { kind: 'diurnal', fraction: 1 }]) {
      const [p] = deviceProfiles(config({ availability }), 1, 0);
      expect(p?.availability).toBeUndefined();
      expect(offlineAt(p?.availability, 123)).toBe(Infinity);
    }
  });
});
