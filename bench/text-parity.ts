/**
 * Centralized parity with PyTorch on text: the same char model, initial parameters,
 * optimizer, batches and held-out windows, trained for the same number of steps by edgefed
 * (Trainer on onnxruntime-node) and by PyTorch (bench/baselines/text_parity.py, Debian's
 * python3-torch, started with torch-env.ts's environment), then next-character accuracy on
 * the held-out windows compared. The data comes from edgefed's own pipeline (the SOTU
 * natural federation of `edgefed simulate`, first K presidents, first N windows each) and is
 * handed to PyTorch in a parity file (text-parity-lib/parity-file.ts), so both train on
 * identical windows in identical order.
 *
 * `npm run bench -- text-parity [--model char-lstm] [--clients 20] [--train-limit 100]
 * [--test-limit 20] [--sequence-length 80] [--batch-size 10] [--steps 1000] [--optimizer adam]
 * [--lr 0.005] [--seed 0] [--threads 2] [--python /usr/bin/python3] [--omp-wait passive]
 * [--tolerance 0.01] [--file PATH] [--export-only true] [--out results/text-parity/X.json]`
 *
 * `--export-only true` writes the parity file (`--file`, default in the OS temp folder) and
 * stops. Figures: `accuracy/edgefed`, `accuracy/pytorch`, `accuracy-gap` (points, with
 * `withinTolerance`), tokens/s of each; `--out` writes all of it as one JSON document.
 */
import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createDataSource, createNodeBackend, createTrainer } from '@edgefed/client';
import { EdgefedError } from '@edgefed/shared';
import type { Benchmark } from './harness.js';
import { writeParityFile } from './text-parity-lib/parity-file.js';
import { prepareParity, type ParityConfig } from './text-parity-lib/prepare.js';
import { torchEnv, type OmpWait } from './training-lib/torch-env.js';

const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'baselines', 'text_parity.py');

function configFrom(args: Readonly<Record<string, string>>): ParityConfig {
  const int = (k: string, d: number): number => {
    const v = Number(args[k] ?? d);
    if (!Number.isInteger(v) || v < 1)
      throw new EdgefedError('INVALID_ARGUMENT', `--${k} must be a positive integer`);
    return v;
  };
  const model = args.model ?? 'char-lstm';
  if (model !== 'char-lstm' && model !== 'char-transformer')
    throw new EdgefedError('INVALID_ARGUMENT', `--model must be char-lstm or char-transformer, got ${model}`);
  const optimizer = args.optimizer ?? 'adam';
  if (optimizer !== 'adam' && optimizer !== 'sgd')
    throw new EdgefedError('INVALID_ARGUMENT', `--optimizer must be adam or sgd, got ${optimizer}`);
  const steps = int('steps', 1000);
  if (steps < 2)
    throw new EdgefedError(
      'INVALID_ARGUMENT',
      '--steps must be at least 2 (throughput is timed after the first)',
    );
  const lr = Number(args.lr ?? 0.005);
  if (!(lr > 0)) throw new EdgefedError('INVALID_ARGUMENT', '--lr must be positive');
  return {
    model,
    clients: int('clients', 20),
    trainLimit: int('train-limit', 100),
    testLimit: int('test-limit', 20),
    sequenceLength: int('sequence-length', model === 'char-lstm' ? 80 : 64),
    batchSize: int('batch-size', 10),
    steps,
    optimizer,
    lr,
    seed: Number(args.seed ?? 0),
  };
}

interface TorchResult {
  readonly firstStepLoss: number;
  readonly trainSeconds: number;
  readonly tokensPerSecond: number;
  readonly trainLossByQuarter: number[];
  readonly finalTrainLoss: number;
  readonly test: { accuracy: number; tokenLoss: number; perplexity: number; tokens: number };
  readonly config: Record<string, unknown>;
}

function runTorch(python: string, file: string, threads: number, wait: OmpWait): Promise<TorchResult> {
  return new Promise((resolve, reject) => {
    execFile(
      python,
      [SCRIPT, file, '--threads', String(threads)],
      { env: torchEnv(wait), maxBuffer: 1 << 20, timeout: 3_600_000 },
      (err, stdout, stderr) => {
        if (err) {
          reject(new Error(`${python} ${SCRIPT} failed: ${err.message}\n${stderr}`));
          return;
        }
        const line = stdout.split('\n').find((l) => l.startsWith('{'));
        if (line === undefined) reject(new Error(`no result from ${SCRIPT}: ${stdout}${stderr}`));
        else resolve(JSON.parse(line) as TorchResult);
      },
    );
  });
}

const bench: Benchmark = {
  description: 'centralized text parity: edgefed vs PyTorch, same char model/init/batches, held-out accuracy',
  async run(ctx) {
    const { args } = ctx;
    const c = configFrom(args);
    const threads = Number(args.threads ?? 2);
    const file = args.file ?? join(tmpdir(), `edgefed-text-parity-${c.model}-${process.pid}.bin`);
    const prepared = await prepareParity(c);
    await writeParityFile(file, prepared.file);
    const T = c.sequenceLength;
    console.error(
      `# ${c.model}: ${prepared.keys.length} presidents, ${prepared.train.size} train windows ` +
        `(${prepared.order.length} trained on), ${prepared.test.size} held-out windows, T=${T}; parity file ${file}`,
    );
    if (args['export-only'] === 'true') return;

    // edgefed: the same initial parameters (initSeed = seed), batches in file order.
    const backend = await createNodeBackend({ intraOpNumThreads: threads });
    const trainer = await createTrainer({
      spec: prepared.spec,
      backend,
      compileOptions: { loss: 'softmax-cross-entropy', optimizer: { type: c.optimizer }, stepsPerRun: 1 },
      initSeed: c.seed,
    });
    const data = createDataSource(prepared.train, { indices: prepared.order });
    const losses: number[] = [];
    const fitOptions = { batchSize: c.batchSize, learningRate: c.lr, shuffle: false, epochs: 1 } as const;
    // Timed from the end of the first step (compiling and session creation come before it).
    let start = performance.now();
    for await (const e of trainer.fit(data, fitOptions)) {
      if (e.type !== 'step') continue;
      losses.push(e.loss);
      if (losses.length === 1) start = performance.now();
    }
    const edgefedSeconds = (performance.now() - start) / 1000;
    const ev = await trainer.evaluate(createDataSource(prepared.test), { batchSize: 256 });
    trainer.dispose();
    const q = Math.max(1, Math.floor(losses.length / 4));
    const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
    const edgefed = {
      firstStepLoss: losses[0],
      trainSeconds: edgefedSeconds,
      tokensPerSecond: ((c.steps - 1) * c.batchSize * T) / edgefedSeconds,
      trainLossByQuarter: [0, 1, 2, 3].map((i) => mean(losses.slice(i * q, (i + 1) * q))),
      finalTrainLoss: mean(losses.slice(-q)),
      test: {
        accuracy: ev.accuracy,
        tokenLoss: Math.log(ev.perplexity ?? Number.NaN),
        perplexity: ev.perplexity,
      },
      backend: `onnxruntime-node, ${String(threads)} intra-op threads`,
    };
    ctx.report({ name: `accuracy/edgefed/${c.model}`, value: ev.accuracy, unit: 'token accuracy' });
    ctx.report({ name: `tokens-per-s/edgefed/${c.model}`, value: edgefed.tokensPerSecond, unit: 'tokens/s' });

    const python = args.python ?? '/usr/bin/python3';
    const torch = await runTorch(python, file, threads, (args['omp-wait'] ?? 'passive') as OmpWait);
    ctx.report({ name: `accuracy/pytorch/${c.model}`, value: torch.test.accuracy, unit: 'token accuracy' });
    ctx.report({ name: `tokens-per-s/pytorch/${c.model}`, value: torch.tokensPerSecond, unit: 'tokens/s' });
    // Same initial parameters and first batch: the first losses must agree to float32 rounding.
    ctx.report({
      name: `first-step-loss/${c.model}`,
      value: edgefed.firstStepLoss ?? Number.NaN,
      unit: 'loss',
      pytorch: torch.firstStepLoss,
    });
    const tolerance = Number(args.tolerance ?? 0.01);
    const gap = ev.accuracy - torch.test.accuracy;
    ctx.report({
      name: `accuracy-gap/${c.model}`,
      value: gap * 100,
      unit: 'points (edgefed - pytorch)',
      tolerancePoints: tolerance * 100,
      withinTolerance: Math.abs(gap) <= tolerance,
    });
    if (args.out !== undefined) {
      await mkdir(dirname(args.out), { recursive: true });
      const doc = {
        command: `npm run bench -- text-parity ${Object.entries(args)
          .filter(([k]) => k !== 'out')
          .map(([k, v]) => `--${k} ${v}`)
          .join(' ')}`.trim(),
        date: new Date().toISOString(),
        loadAverageAtEnd: (await import('node:os')).loadavg(),
        config: c,
        data: prepared.file.header.data,
        vocabularySize: prepared.file.header.vocabularySize,
        edgefed,
        pytorch: torch,
        accuracyGapPoints: gap * 100,
        tolerancePoints: tolerance * 100,
        withinTolerance: Math.abs(gap) <= tolerance,
      };
      await writeFile(args.out, `${JSON.stringify(doc, null, 2)}\n`);
      console.error(`# wrote ${args.out}`);
    }
  },
};

export default bench;
