/**
 * `edgefed demo` (what `npm start` runs): the coordinator on its embedded SQLite store, a
 * demo run (MNIST, a small CNN, FedAvg) and a handful of participants in this process,
 * each training on its own non-IID MNIST shard with onnxruntime-node. Prints the URL, the
 * admin token and one line per round; keeps serving after the run ends, until Ctrl+C.
 * A restarted demo resumes its unfinished run instead of starting another.
 */
import {
  createDataSource,
  createParticipant,
  createTrainer,
  createTrainerEngine,
  type Participant,
} from '@edgefed/client';
import { MODEL_PRESETS, partitionDirichlet, type Dataset } from '@edgefed/shared';
import { createJoinToken } from '../auth/join-token.js';
import { loadDataset } from '../datasets/load-dataset.js';
import { createLogger } from '../observability/logger.js';
import type { CentralEvaluator } from '../rounds/run-services.js';
import { createCoordinator } from '../server/coordinator.js';
import { ensureDashboardBuilt } from './dashboard-build.js';
import { intFlag, parseFlags, strFlag } from './args.js';
import { closeOnSignals, serveConfig } from './serve.js';

export const DEMO_HELP = `Usage: edgefed demo [options]

Starts the coordinator with a demo federation: a run training a small CNN on MNIST with
FedAvg, and simulated participants (each with its own non-IID shard) training in this process.

Options:
  --participants N   simulated participants (default 4)
  --rounds N         rounds of the demo run (default 20)
  --model NAME       tiny-cnn (default), 2nn or cnn
  --examples N       MNIST training examples shared among the participants (default 8000)
  plus every "edgefed serve" option (--port, --host, --data-dir, --store, --config, --log-level)`;

const DEMO_FLAGS = ['participants', 'rounds', 'model', 'examples'];

function centralEvaluator(spec: unknown, test: Dataset): CentralEvaluator {
  const data = createDataSource(test);
  const trainer = createTrainer({
    spec,
    compileOptions: { loss: 'softmax-cross-entropy', optimizer: { type: 'sgd' } },
  });
  return async (params) => {
    const t = await trainer;
    t.setParameters(params);
    const r = await t.evaluate(data, { batchSize: 500 });
    return { accuracy: r.accuracy, loss: r.loss };
  };
}

function splitArgv(argv: string[]): { demo: string[]; serve: string[] } {
  const demo: string[] = [];
  const serve: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    const name = a.replace(/^--/, '').split('=')[0] ?? '';
    const target = DEMO_FLAGS.includes(name) ? demo : serve;
    target.push(a);
    if (
      !a.includes('=') &&
      a.startsWith('--') &&
      argv[i + 1] !== undefined &&
      !(argv[i + 1] ?? '').startsWith('--')
    ) {
      target.push(argv[++i] ?? '');
    }
  }
  return { demo, serve };
}

async function startParticipants(
  url: string,
  token: string,
  train: Dataset,
  count: number,
): Promise<Participant[]> {
  const partition = partitionDirichlet(train.labels, { numClients: count, alpha: 0.5, seed: 7 });
  const out: Participant[] = [];
  for (let c = 0; c < count; c++) {
    const indices = partition.indices.subarray(partition.offsets[c], partition.offsets[c + 1]);
    const split = createDataSource(train, { indices }).split(0.1, c);
    const engine = await createTrainerEngine({ train: split.train, test: split.heldOut });
    out.push(
      await createParticipant({ url, token, engine, deviceClass: 'virtual', transports: ['websocket'] }),
    );
  }
  return out;
}

/** `edgefed demo`. */
export async function runDemoCommand(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(DEMO_HELP);
    return 0;
  }
  const { demo, serve } = splitArgv(argv);
  const { values } = parseFlags(demo, {
    participants: { type: 'string' },
    rounds: { type: 'string' },
    model: { type: 'string' },
    examples: { type: 'string' },
  });
  const count = intFlag(values, 'participants', 1) ?? 4;
  const rounds = intFlag(values, 'rounds', 1) ?? 20;
  const model = strFlag(values, 'model') ?? 'tiny-cnn';
  const examples = intFlag(values, 'examples', count * 10) ?? 8000;
  const spec = MODEL_PRESETS[model];
  if (spec === undefined) throw new Error(`--model must be one of ${Object.keys(MODEL_PRESETS).join(', ')}`);
  const config = serveConfig(serve, process.env);
  if (config === 'help') return 0;
  const [train, test] = await Promise.all([
    loadDataset('mnist', 'train', { limit: examples }),
    loadDataset('mnist', 'test', { limit: 2000 }),
  ]);
  const logger = createLogger(config.log.level === 'info' ? 'warn' : config.log.level);
  ensureDashboardBuilt();
  const coordinator = await createCoordinator({
    config,
    logger,
    centralEvaluator: centralEvaluator(spec, test),
  });
  coordinator.onRunEvent((e) => {
    if (e.type === 'evaluated' && e.metrics.accuracy !== undefined) {
      console.log(
        `round ${e.round}/${rounds}  test accuracy ${(100 * e.metrics.accuracy).toFixed(2)}%  loss ${(e.metrics.loss ?? NaN).toFixed(4)}`,
      );
    } else if (e.type === 'round-failed')
      console.log(`round ${e.round} attempt ${e.attempt} failed: ${e.reason}`);
    else if (e.type === 'phase' && e.phase === 'completed')
      console.log('demo run completed; the coordinator keeps serving (Ctrl+C to stop)');
  });
  const url = await coordinator.listen();
  console.log(
    `edgefed coordinator: ${url}\nadmin token: ${coordinator.adminToken}\ndashboard: ${url}/  (sign in with the admin token)`,
  );
  const existing = await coordinator.stores.runs.listRuns();
  const unfinished = existing.find(
    (r) => r.name === 'demo' && (r.status === 'running' || r.status === 'paused' || r.status === 'created'),
  );
  if (unfinished === undefined) {
    await coordinator.runs.create({
      name: 'demo',
      config: {
        model,
        rounds,
        strategy: {
          name: 'fedavg',
          minFitClients: Math.min(count, 2),
          minAvailableClients: Math.min(count, 2),
          minEvaluateClients: Math.min(count, 2),
        },
        training: { epochs: 1, batchSize: 32, learningRate: 0.05 },
        evaluateEvery: 5,
        roundDeadlineMs: 120_000,
      },
    });
    console.log(
      `created demo run: ${model}, ${rounds} rounds, ${count} participants on non-IID MNIST shards`,
    );
  } else console.log(`resuming demo run ${unfinished.id} at round ${unfinished.currentRound + 1}`);
  const token = createJoinToken({ secret: coordinator.tokenSecret, run: '*' });
  const participants = await startParticipants(url, token, train, count);
  await closeOnSignals(coordinator);
  await Promise.all(participants.map((p) => p.stop()));
  return 0;
}
