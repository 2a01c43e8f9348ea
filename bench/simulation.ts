/**
 * Simulation scale, per control-plane transport: connect time, client-updates/s, seconds
 * per round and memory per registered client for fleets of 100, 1,000 and 10,000 virtual
 * clients (real coordinator, real participants, 2nn on MNIST, 10 clients per round).
 * Both transports run in this one process, one size after the other, so their figures are
 * measured under the same conditions; the socket.io figure at a size is the baseline of
 * the in-process one. Memory per registered client is the RSS growth from just before the
 * run to the moment all clients are connected, divided by the clients (an upper bound:
 * it includes the workers and model buffers, which matter less the larger the fleet).
 * A size a transport cannot reach (socket.io at 10,000 needs 20,000 descriptors) is
 * reported with `failed` and its error code.
 *
 * `npm run bench -- simulation [--clients 100,1000,10000] [--transports in-process,socketio]
 *   [--rounds 3] [--per-round 10]`
 */
import { runSimulation } from '../coordinator/src/simulation/run-simulation.js';
import { toEdgefedError } from '@edgefed/shared';
import type { BenchContext, Benchmark } from './harness.js';

type Transport = 'in-process' | 'socketio';

interface Case {
  readonly clients: number;
  readonly transport: Transport;
  readonly rounds: number;
  readonly perRound: number;
}

async function measure(ctx: BenchContext, c: Case): Promise<void> {
  const tag = `${c.transport}-${c.clients}`;
  const before = process.memoryUsage().rss;
  let ready = before;
  let setup = 0;
  try {
    const r = await runSimulation(
      {
        clients: c.clients,
        fraction: c.perRound / c.clients,
        rounds: c.rounds,
        model: '2nn',
        batchSize: 10,
        learningRate: 0.1,
        seed: 1,
        transport: c.transport,
      },
      {
        onReady: (i) => {
          ready = process.memoryUsage().rss;
          setup = i.setupSeconds;
        },
      },
    );
    const t = r.totals;
    const baseline =
      c.transport === 'in-process' ? { baseline: `updates-per-second-socketio-${c.clients}` } : {};
    ctx.report({
      name: `updates-per-second-${tag}`,
      value: t.clientUpdatesPerSecond,
      unit: 'updates/s',
      secondsPerRound: t.wallSeconds / Math.max(1, t.rounds),
      trainStepsPerSecond: t.trainStepsPerSecond,
      ...baseline,
    });
    ctx.report({ name: `setup-seconds-${tag}`, value: setup, unit: 's' });
    ctx.report({
      name: `rss-per-client-${tag}`,
      value: (ready - before) / c.clients,
      unit: 'bytes/client',
      rssBefore: before,
      rssReady: ready,
      peakRss: t.peakRssBytes,
    });
  } catch (err) {
    const e = toEdgefedError(err);
    ctx.report({
      name: `updates-per-second-${tag}`,
      value: 0,
      unit: 'updates/s',
      failed: e.code,
      error: e.message,
    });
  }
}

const bench: Benchmark = {
  description: 'virtual clients per transport: connect time, updates/s, RSS per registered client',
  async run(ctx) {
    const sizes = (ctx.args.clients ?? '100,1000,10000').split(',').map(Number);
    const transports = (ctx.args.transports ?? 'in-process,socketio').split(',') as Transport[];
    const rounds = Number(ctx.args.rounds ?? 3);
    const perRound = Number(ctx.args['per-round'] ?? 10);
    for (const clients of sizes) {
      // socket.io first at each size, so the in-process figure names an existing baseline.
      for (const transport of [...transports].sort().reverse()) {
        await measure(ctx, { clients, transport, rounds, perRound });
      }
    }
  },
};

export default bench;
