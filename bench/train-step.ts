/**
 * One compiled training step, timed directly on onnxruntime-node (no Trainer, no data
 * pipeline), against the identical PyTorch step in the same run: same architecture, plain
 * SGD (lr 0.01), softmax cross-entropy, batch B, random MNIST-shaped input, 2 threads each.
 * ORT and PyTorch are measured alternately for each configuration, `--reps` times, and the
 * fastest of each is kept, so background load hurts both alike. PyTorch runs in one
 * persistent Python process per configuration (see below).
 *
 * `npm run bench -- train-step [--models 2nn,cnn] [--batches 10,32,128] [--k 1]
 * [--seconds 1] [--reps 3] [--threads 2] [--torch-threads 2] [--opt all] [--torch true]
 * [--spin false] [--profile 0] [--pythons a,b] [--omp-wait passive,active]`
 * PyTorch runs in one process per interpreter (Debian's and the 2.x venv, where present)
 * and OpenMP wait policy, started with training-lib/torch-env.ts's environment
 * (OPENBLAS_NUM_THREADS=1, no OpenBLAS pins); `pytorch` is the fastest of them, each is
 * also reported as `pytorch-config`.
 * `--k 1,8` also measures K steps unrolled into one run (per-run overhead amortized).
 * `--spin true` lets onnxruntime's idle intra-op threads spin-wait (the node backend's
 * default, `allowSpinning: false`, is mirrored here by default).
 * `--profile 12` also runs each configuration's K=1 step 20 times under onnxruntime's
 * profiler and reports its 12 slowest nodes (fastest of the 20 runs, op type, input shapes).
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface, type Interface } from 'node:readline';
import * as ort from 'onnxruntime-node';
import { compileModel, createPrng, initParameters, MODEL_PRESETS } from '@edgefed/shared';
import type { Benchmark } from './harness.js';
import {
  torchEnv,
  torchLabel,
  torchPythons,
  type OmpWait,
  type TorchConfig,
} from './training-lib/torch-env.js';

const BASELINES = join(dirname(fileURLToPath(import.meta.url)), 'baselines');

const TORCH_SCRIPT = String.raw`
import json, sys, time
sys.path.insert(0, sys.argv[2])
import torch_env
import torch
from torch import nn
torch.set_num_threads(int(sys.argv[1]))
def model(name):
    if name == "2nn":
        return nn.Sequential(nn.Flatten(), nn.Linear(784, 200), nn.ReLU(), nn.Linear(200, 200), nn.ReLU(), nn.Linear(200, 10))
    return nn.Sequential(nn.Conv2d(1, 32, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(3136, 512), nn.ReLU(), nn.Linear(512, 10))
print(json.dumps({"ready": torch_env.describe(torch)}), flush=True)
for line in sys.stdin:
    name, batch, seconds = line.split()
    batch, seconds = int(batch), float(seconds)
    torch.manual_seed(0)
    net = model(name)
    opt = torch.optim.SGD(net.parameters(), lr=0.01)
    loss_fn = nn.CrossEntropyLoss()
    x = torch.rand(batch, 1, 28, 28)
    y = torch.randint(0, 10, (batch,))
    def step():
        opt.zero_grad(set_to_none=True)
        loss_fn(net(x), y).backward()
        opt.step()
    for _ in range(3):
        step()
    steps, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        step()
        steps += 1
    print(json.dumps({"s_per_step": (time.perf_counter() - start) / steps}), flush=True)
`;

/** A persistent PyTorch process answering one timing request at a time. */
class TorchBaseline {
  private readonly proc: ChildProcessWithoutNullStreams;
  private readonly lines: Interface;
  private readonly queue: ((line: string) => void)[] = [];

  constructor(python: string, threads: number, wait: OmpWait) {
    this.proc = spawn(python, ['-c', TORCH_SCRIPT, String(threads), BASELINES], { env: torchEnv(wait) });
    this.proc.stderr.pipe(process.stderr);
    this.lines = createInterface({ input: this.proc.stdout });
    this.lines.on('line', (line) => this.queue.shift()?.(line));
  }

  private next(): Promise<Record<string, unknown>> {
    return new Promise((resolve, reject) => {
      const onExit = (code: number | null): void => {
        reject(new Error(`python exited (${String(code)}); is python3-torch installed?`));
      };
      this.proc.once('exit', onExit);
      this.queue.push((line) => {
        this.proc.off('exit', onExit);
        resolve(JSON.parse(line) as Record<string, unknown>);
      });
    });
  }

  /** The process's torch configuration, once it has imported torch. */
  async ready(): Promise<TorchConfig> {
    return (await this.next()).ready as TorchConfig;
  }

  /** Seconds per SGD step of `model` at batch `batch`, timed for about `seconds`. */
  async time(model: string, batch: number, seconds: number): Promise<number> {
    const reply = this.next();
    this.proc.stdin.write(`${model} ${String(batch)} ${String(seconds)}\n`);
    return Number((await reply).s_per_step);
  }

  close(): void {
    this.proc.stdin.end();
  }
}

interface StepConfig {
  readonly model: string;
  readonly batch: number;
  readonly k: number;
  readonly threads: number;
  readonly opt: ort.InferenceSession.SessionOptions['graphOptimizationLevel'];
  readonly spin: boolean;
  /** Write onnxruntime's profile (a JSON trace) under this path prefix. */
  readonly profilePrefix?: string;
}

interface TraceEvent {
  readonly cat: string;
  readonly name: string;
  readonly dur: number;
  readonly args: { readonly op_name?: string; readonly input_type_shape?: unknown };
}

/** The slowest nodes of an onnxruntime profile trace: fastest run of each node, in ms. */
interface NodeTime {
  readonly node: string;
  readonly op: string;
  readonly ms: number;
  readonly inputs: unknown;
}

function slowestNodes(trace: readonly TraceEvent[], top: number): NodeTime[] {
  const nodes = new Map<string, { op: string; ms: number; inputs: unknown }>();
  for (const e of trace) {
    if (e.cat !== 'Node' || !e.name.endsWith('_kernel_time')) continue;
    const name = e.name.slice(0, -'_kernel_time'.length);
    const prev = nodes.get(name);
    const ms = e.dur / 1000;
    if (prev === undefined)
      nodes.set(name, { op: e.args.op_name ?? '?', ms, inputs: e.args.input_type_shape });
    else prev.ms = Math.min(prev.ms, ms);
  }
  return [...nodes]
    .sort((a, b) => b[1].ms - a[1].ms)
    .slice(0, top)
    .map(([node, r]) => ({ node, ...r }));
}

/** Runs `c` (K=1) 20 times under the profiler and returns its `top` slowest nodes. */
async function profileStep(c: StepConfig, top: number): Promise<NodeTime[]> {
  const dir = mkdtempSync(join(tmpdir(), 'edgefed-profile-'));
  try {
    const s = await ortStep({ ...c, k: 1, profilePrefix: join(dir, 'trace') });
    for (let i = 0; i < 20; i++) await s.run();
    await s.release();
    const file = readdirSync(dir)[0];
    if (file === undefined) return [];
    return slowestNodes(JSON.parse(readFileSync(join(dir, file), 'utf8')) as TraceEvent[], top);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function oneHot(rows: number, classes: number, seed: number): Float32Array {
  const rng = createPrng(seed);
  const y = new Float32Array(rows * classes);
  for (let r = 0; r < rows; r++) y[r * classes + rng.nextInt(classes)] = 1;
  return y;
}

/** An ORT session of the compiled training step and a function that runs one step (K batches). */
async function ortStep(c: StepConfig): Promise<{ run: () => Promise<void>; release: () => Promise<void> }> {
  const spec = MODEL_PRESETS[c.model];
  if (spec === undefined) throw new Error(`unknown model ${c.model}`);
  const compiled = compileModel(spec, {
    loss: 'softmax-cross-entropy',
    optimizer: { type: 'sgd' },
    batchSize: c.batch,
    stepsPerRun: c.k,
  });
  const session = await ort.InferenceSession.create(compiled.trainStep.onnx, {
    executionProviders: ['cpu'],
    intraOpNumThreads: c.threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: c.opt ?? 'all',
    enableMemPattern: true,
    enableCpuMemArena: true,
    extra: { session: { 'intra_op.allow_spinning': c.spin ? '1' : '0' } },
    ...(c.profilePrefix === undefined ? {} : { enableProfiling: true, profileFilePrefix: c.profilePrefix }),
  });
  const feeds: Record<string, ort.Tensor> = {};
  const params = initParameters(compiled.parameters, 1);
  const rng = createPrng(2);
  for (const e of compiled.trainStep.manifest.inputs) {
    const shape = e.shape.map(Number);
    const size = shape.reduce((a, b) => a * b, 1);
    let data: Float32Array;
    if (e.role === 'parameter') data = Float32Array.from(params.get(e.name)?.data ?? []);
    else if (e.role === 'batch') data = Float32Array.from({ length: size }, () => rng.nextFloat());
    else if (e.role === 'label') data = oneHot(shape[0] ?? 1, shape[1] ?? 1, 3);
    else if (e.role === 'mask') data = new Float32Array(size).fill(1);
    else if (e.role === 'hyper-parameter') data = Float32Array.of(e.name === 'lr' ? 0.01 : (e.default ?? 0));
    else data = new Float32Array(size);
    feeds[e.name] = new ort.Tensor('float32', data, shape);
  }
  const carried = compiled.trainStep.manifest.outputs
    .filter((o) => o.role === 'output-parameter' || o.role === 'output-state')
    .map((o) => [o.name, o.name.slice(0, -'.new'.length)] as const);
  return {
    run: async () => {
      const out = await session.run(feeds);
      for (const [from, to] of carried) {
        const t = out[from];
        if (t !== undefined) feeds[to] = t;
      }
    },
    release: () => session.release(),
  };
}

async function ortSecondsPerRun(run: () => Promise<void>, seconds: number): Promise<number> {
  await run();
  let runs = 0;
  const start = performance.now();
  while (performance.now() - start < seconds * 1000) {
    await run();
    runs++;
  }
  return (performance.now() - start) / 1000 / runs;
}

const list = (v: string | undefined, d: string): string[] => (v ?? d).split(',').filter((s) => s !== '');

const bench: Benchmark = {
  description: 'one compiled training step on onnxruntime-node vs the identical PyTorch step',
  async run(ctx) {
    const { args } = ctx;
    const seconds = Number(args.seconds ?? 1);
    const reps = Number(args.reps ?? 3);
    const threads = Number(args.threads ?? 2);
    const opt = (args.opt ?? 'all') as StepConfig['opt'];
    const profileTop = Number(args.profile ?? 0);
    const spin = args.spin === 'true';
    const torchThreads = Number(args['torch-threads'] ?? threads);
    const waits = list(args['omp-wait'], 'passive,active') as OmpWait[];
    const torches =
      args.torch === 'false'
        ? []
        : torchPythons(args.pythons).flatMap((py) =>
            waits.map((w) => new TorchBaseline(py, torchThreads, w)),
          );
    const configs = await Promise.all(torches.map((t) => t.ready()));
    try {
      for (const model of list(args.models, '2nn,cnn')) {
        for (const batch of list(args.batches, '10,32,128').map(Number)) {
          const ks = list(args.k, '1').map(Number);
          const steps = await Promise.all(ks.map((k) => ortStep({ model, batch, k, threads, opt, spin })));
          const best = ks.map(() => Infinity);
          const torchBest = torches.map(() => Infinity);
          for (let r = 0; r < reps; r++) {
            for (const [i, s] of steps.entries()) {
              const perRun = await ortSecondsPerRun(s.run, seconds);
              best[i] = Math.min(best[i] ?? Infinity, perRun / (ks[i] ?? 1));
            }
            for (const [i, t] of torches.entries())
              torchBest[i] = Math.min(torchBest[i] ?? Infinity, await t.time(model, batch, seconds));
          }
          await Promise.all(steps.map((s) => s.release()));
          const base = { model, batch, threads, reps };
          for (const [i, c] of configs.entries()) {
            ctx.report({
              name: `pytorch-config`,
              value: batch / (torchBest[i] ?? Infinity),
              unit: 'samples/s',
              ...base,
              threads: torchThreads,
              config: torchLabel(c),
            });
          }
          const fastest = torchBest.reduce((m, v, i) => (v < (torchBest[m] ?? Infinity) ? i : m), 0);
          const torch = configs[fastest];
          const torchS = torchBest[fastest] ?? Infinity;
          if (torch !== undefined) {
            ctx.report({
              name: 'pytorch',
              value: batch / torchS,
              unit: 'samples/s',
              ...base,
              threads: torchThreads,
              torch: torch.torch,
              blas: torch.blas,
              config: torchLabel(torch),
            });
          }
          for (const [i, k] of ks.entries()) {
            const value = batch / (best[i] ?? Infinity);
            ctx.report({
              name: 'ort-node',
              value,
              unit: 'samples/s',
              ...base,
              k,
              opt,
              spin,
              ...(torch === undefined ? {} : { baseline: 'pytorch', ratio: (value * torchS) / batch }),
            });
          }
          if (profileTop > 0) {
            const nodes = await profileStep({ model, batch, k: 1, threads, opt, spin }, profileTop);
            for (const n of nodes) {
              const { ms, ...where } = n;
              ctx.report({ name: 'ort-node-profile', value: ms, unit: 'ms', model, batch, ...where });
            }
          }
        }
      }
    } finally {
      for (const t of torches) t.close();
    }
  },
};

export default bench;
