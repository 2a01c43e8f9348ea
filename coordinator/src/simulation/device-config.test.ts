/** Tests of the device flags' value syntax (`--speeds`, `--bandwidth`, `--availability`, `--dropout-rate`). */
import { describe, expect, it } from 'vitest';
import {
  devicesConfigSchema,
  parseAvailabilityFlag,
  parseBandwidthFlag,
  parseDropoutFlag,
  parseSpeedsFlag,
} from './device-config.js';

const noFile = (): Promise<string> => Promise.reject(new Error('no such file'));

describe('device flags', () => {
  it('parses speeds', () => {
    expect(parseSpeedsFlag('uniform')).toEqual({ kind: 'uniform' });
    expect(parseSpeedsFlag('lognormal:10')).toEqual({ kind: 'lognormal', spread: 10 });
    expect(parseSpeedsFlag('classes:0.2@4,0.8@0.5')).toEqual({
      kind: 'classes',
      classes: [
        { share: 0.2, speed: 4 },
        { share: 0.8, speed: 0.5 },
      ],
    });
    for (const bad of [
      '',
      'lognormal',
      'lognormal:0.5',
      'lognormal:x',
      'classes:1@',
      'classes:1@2@3',
      'fast',
    ])
      expect(() => parseSpeedsFlag(bad)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });

  it('parses bandwidth', () => {
    expect(parseBandwidthFlag('5/20')).toEqual({ upMbps: 5, downMbps: 20, spread: 1 });
    expect(parseBandwidthFlag('1.5/10:4')).toEqual({ upMbps: 1.5, downMbps: 10, spread: 4 });
    for (const bad of ['5', '5/0', '5/20:0.5', '5/20/1', 'a/b'])
      expect(() => parseBandwidthFlag(bad)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });

  it('parses availability, reading a trace file', async () => {
    expect(await parseAvailabilityFlag('always', noFile)).toEqual({ kind: 'always' });
    expect(await parseAvailabilityFlag('periodic:600/300', noFile)).toEqual({
      kind: 'periodic',
      onSeconds: 600,
      offSeconds: 300,
    });
    expect(await parseAvailabilityFlag('diurnal:0.25', noFile)).toEqual({ kind: 'diurnal', fraction: 0.25 });
    expect(await parseAvailabilityFlag('diurnal:0.5:3600', noFile)).toEqual({
      kind: 'diurnal',
      fraction: 0.5,
      periodSeconds: 3600,
    });
    const trace = await parseAvailabilityFlag('trace:t.json', (p) =>
      Promise.resolve(p === 't.json' ? '{"periodSeconds":100,"clients":[[[0,10]]]}' : ''),
    );
    expect(devicesConfigSchema.parse({ availability: trace }).availability).toEqual({
      kind: 'trace',
      periodSeconds: 100,
      clients: [[[0, 10]]],
    });
    for (const bad of ['sometimes', 'periodic:1', 'diurnal:2', 'trace:'])
      await expect(parseAvailabilityFlag(bad, noFile)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(parseAvailabilityFlag('trace:missing.json', noFile)).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
  });

  it('parses the dropout rate as a probability below 1', () => {
    expect(parseDropoutFlag('0.2')).toBe(0.2);
    expect(parseDropoutFlag('0')).toBe(0);
    for (const bad of ['1', '-0.1', 'x', ''])
      expect(() => parseDropoutFlag(bad)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});
