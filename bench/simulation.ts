/**
 * Simulation scale: client-updates/s and memory per registered client for fleets of 100,
 * 1,000 and 10,000 virtual clients (real coordinator, real participants over socket.io,
 * 2nn on MNIST, 10 clients per round). The 100-client run is the baseline: memory per
 * registered client is the RSS growth over it, divided by the extra clients.
 *
 * `npm run bench -- simulation [--clients 100,1000,10000] [--rounds 3] [--per-round 10]`
 */
import { runSimulation } from '../coordinator/src/simulation/run-simulation.js';
import type { Benchmark } from './harness.js';

const bench: Benchmark = {
  description: 'virtual clients: client-updates/s and RSS per registered client (100 / 1,000 / 10,000)',
  async run(ctx) {
    const sizes = (ctx.args.clients ?? '100,1000,10000').split(',').map(Number);
    const rounds = Number(ctx.args.rounds ?? 3);
    const perRound = Number(ctx.args['per-round'] ?? 10);
    let base: { clients: number; rss: number } | undefined;
    for (const clients of sizes) {
      const before = process.memoryUsage().rss;
      let ready = 0;
      let setup = 0;
      const r = await runSimulation(
        {
          clients,
          fraction: perRound / clients,
          rounds,
          model: '2nn',
          batchSize: 10,
          learningRate: 0.1,
          seed: 1,
        },
        {
          onReady: (i) => {
            ready = process.memoryUsage().rss;
            setup = i.setupSeconds;
          },
        },
      );
      const t = r.totals;
      ctx.report({
        name: `updates-per-second-${clients}`,
        value: t.clientUpdatesPerSecond,
        unit: 'updates/s',
        clients,
        rounds: t.rounds,
        secondsPerRound: t.wallSeconds / Math.max(1, t.rounds),
      });
      ctx.report({
        name: `rss-ready-${clients}`,
        value: ready,
        unit: 'bytes',
        clients,
        rssBeforeRun: before,
        setupSeconds: setup,
        peakRss: t.peakRssBytes,
      });
      if (base === undefined) base = { clients, rss: ready };
      else
        ctx.report({
          name: `rss-per-client-${clients}`,
          value: (ready - base.rss) / (clients - base.clients),
          unit: 'bytes/client',
          baseline: `rss-ready-${base.clients}`,
        });
    }
  },
};

export default bench;
