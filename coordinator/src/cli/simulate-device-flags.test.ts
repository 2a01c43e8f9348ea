/** Tests of the device and FedBuff flags of `edgefed simulate`, through configFromFlags. */
import { describe, expect, it } from 'vitest';
import { parseSimulationConfig } from '../simulation/simulation-config.js';
import { parseFlags } from './args.js';
import { SIMULATE_HELP, SIMULATE_OPTIONS, configFromFlags } from './simulate-flags.js';

async function config(argv: string[]) {
  return parseSimulationConfig(await configFromFlags(parseFlags(argv, SIMULATE_OPTIONS).values));
}

describe('simulate device and FedBuff flags', () => {
  it('builds the devices block, over-selection and the fedbuff block', async () => {
    const c = await config([
      '--speeds',
      'lognormal:10',
      '--bandwidth',
      '5/20',
      '--availability',
      'periodic:600/300',
      '--dropout-rate',
      '0.2',
      '--device-speed',
      '50',
      '--over-selection',
      '1.3',
      '--mode',
      'fedbuff',
      '--buffer-size',
      '10',
      '--max-staleness',
      '5',
      '--concurrency',
      '20',
      '--staleness',
      'poly:0.7',
    ]);
    expect(c.devices).toEqual({
      speeds: { kind: 'lognormal', spread: 10 },
      bandwidth: { upMbps: 5, downMbps: 20, spread: 1 },
      availability: { kind: 'periodic', onSeconds: 600, offSeconds: 300 },
      dropoutRate: 0.2,
      examplesPerSecond: 50,
    });
    expect(c.strategy.overSelection).toBe(1.3);
    expect(c.mode).toBe('fedbuff');
    expect(c.fedbuff).toMatchObject({
      bufferSize: 10,
      maxStaleness: 5,
      concurrency: 20,
      staleness: 'poly',
      stalenessExponent: 0.7,
    });
  });

  it('no device flag: no virtual clock; FedBuff flags need --mode fedbuff', async () => {
    expect((await config([])).devices).toBeUndefined();
    await expect(config(['--buffer-size', '4'])).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(config(['--mode', 'async'])).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(config(['--mode', 'fedbuff', '--staleness', 'poly'])).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
    await expect(config(['--speeds', 'lognormal:x'])).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('documents every flag in --help', () => {
    for (const flag of [
      '--speeds',
      '--bandwidth',
      '--availability',
      '--dropout-rate',
      '--device-speed',
      '--over-selection',
      '--mode',
      '--buffer-size',
      '--max-staleness',
      '--concurrency',
      '--staleness',
      '--backdoor-target',
      '--poison-fraction',
    ])
      expect(SIMULATE_HELP).toContain(flag);
  });
});
