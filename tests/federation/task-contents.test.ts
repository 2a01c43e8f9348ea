/**
 * What a fit task carries: the run's training settings plus the strategy's own
 * hyper-parameters (FedProx's proximalMu, fitHyperParameters, DP's clipNorm) and config.
 * Checked from the client's side of a real socket.io connection.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { connect, type Connection } from '@edgefed/client';
import { createJoinToken, type Coordinator } from '@edgefed/coordinator';
import { PROTOCOL_VERSION, type TaskMessage } from '@edgefed/shared';
import { startCoordinator } from './helpers.js';

let coordinator: Coordinator | undefined;
let connection: Connection | undefined;

afterAll(async () => {
  await connection?.close();
  await coordinator?.close();
});

describe('fit tasks', () => {
  it('carry the strategy hyper-parameters and config to the client', async () => {
    coordinator = await startCoordinator();
    connection = await connect({
      url: coordinator.url,
      token: createJoinToken({ secret: coordinator.tokenSecret, run: '*' }),
      transports: ['websocket'],
      capabilities: {
        runtime: 'node',
        backend: 'node',
        exampleCount: 10,
        deviceClass: 'virtual',
        eligible: true,
        clientVersion: PROTOCOL_VERSION,
      },
    });
    const conn = connection;
    const task = new Promise<TaskMessage>((resolve) => conn.on('task', resolve));
    await coordinator.runs.create({
      name: 'task-contents',
      config: {
        model: '2nn',
        rounds: 1,
        strategy: {
          name: 'fedprox',
          proximalMu: 0.01,
          minFitClients: 1,
          minAvailableClients: 1,
          fitHyperParameters: { custom: 7 },
          fitConfig: { note: 'hello' },
          privacy: { clipNorm: 2, noiseMultiplier: 0.5 },
        },
        training: { epochs: 2, batchSize: 16, learningRate: 0.02 },
      },
    });
    const t = await task;
    expect(t.kind).toBe('fit');
    expect(t.hyperParameters).toMatchObject({
      epochs: 2,
      batchSize: 16,
      learningRate: 0.02,
      proximalMu: 0.01,
      custom: 7,
      clipNorm: 2,
    });
    expect(t.config).toMatchObject({ note: 'hello' });
    expect(JSON.parse(t.modelSpec)).toMatchObject({ name: '2nn' });
    expect(t.compression).toEqual({ method: 'none' });
    expect(typeof t.seed).toBe('number');
    // config carries the strategy's settings only
    expect(Object.keys(t.config)).toEqual(['note']);
  });
});
