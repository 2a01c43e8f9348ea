import { clientIndices } from '@edgefed/shared';
import { describe, expect, it } from 'vitest';
import { parseSimulationConfig, toRunConfig } from './simulation-config.js';
import { loadSimulationData, partitionSpecOf } from './simulation-data.js';

const code = (c: string) => expect.objectContaining({ code: c }) as unknown;

describe('text simulation data (needs the provisioned SOTU corpus)', () => {
  it('natural: one client per president, the first --clients of them, --train-limit per president', async () => {
    const c = parseSimulationConfig({
      dataset: 'sotu',
      partition: 'natural',
      clients: 4,
      sequenceLength: 40,
      trainLimit: 30,
      testLimit: 5,
    });
    const d = await loadSimulationData(c);
    expect(d.text?.keys).toEqual(['George Washington', 'John Adams', 'Thomas Jefferson', 'James Madison']);
    expect(d.partition.numClients).toBe(4);
    expect(d.train).toMatchObject({ size: 120, featureShape: [40], labelShape: [40] });
    expect(d.test.size).toBe(20);
    for (let k = 0; k < 4; k++) expect(clientIndices(d.partition, k).length).toBe(30);
    // The default text model is char-lstm sized to the vocabulary and window.
    expect(d.spec.name).toBe('char-lstm');
    expect(d.spec.input.shape).toEqual([40]);
    expect(d.spec.layers.at(-1)).toMatchObject({ type: 'dense', units: d.text?.vocabularySize });
    expect(d.train.numClasses).toBe(d.text?.vocabularySize);
    expect(toRunConfig(c, { ...d.spec }).model).toMatchObject({ name: 'char-lstm' });
  }, 60_000);

  it('iid splits all windows over --clients; shards and dirichlet are refused for text', async () => {
    const d = await loadSimulationData(
      parseSimulationConfig({ dataset: 'moby-dick', partition: 'iid', clients: 7, trainLimit: 2, seed: 3 }),
    );
    expect(d.partition.numClients).toBe(7);
    expect(d.text?.keys).toEqual([]);
    expect(d.report.summary.assignedExamples).toBe(d.train.size);
    await expect(
      loadSimulationData(parseSimulationConfig({ dataset: 'sotu', partition: 'shards' })),
    ).rejects.toThrow(code('INVALID_ARGUMENT'));
  }, 60_000);

  it('natural on an image dataset names the datasets that have a natural key', () => {
    expect(() => partitionSpecOf(parseSimulationConfig({ dataset: 'mnist', partition: 'natural' }))).toThrow(
      expect.objectContaining({
        code: 'INVALID_ARGUMENT',
        message: expect.stringMatching(/sotu.*moby-dick/) as string,
      }) as Error,
    );
  });
});
