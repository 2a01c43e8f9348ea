/**
 * Training throughput (samples/s) of edgefed's Trainer for the FedAvg `2nn` and `cnn` at
 * batch 10, 32 and 128 on onnxruntime-node and onnxruntime-web wasm in Node, side by side
 * with PyTorch (2 threads, OPENBLAS_NUM_THREADS=1, same CPU, same run) and TensorFlow.js (cpu and wasm backends),
 * plus each backend's ceiling: its plain-MatMul GFLOP/s divided by the model's training
 * FLOPs per example. The text presets `char-lstm` (T = 80) and `char-transformer` (T = 64)
 * are measured the same way on random token windows and reported in tokens/s (samples/s x
 * T; no ceiling, no TensorFlow.js). Prints one JSON line per figure and a markdown table on
 * stderr.
 *
 * `npm run bench -- training [--models 2nn,cnn,char-lstm,char-transformer] [--batches 10,32,128] [--backends node,wasm]
 * [--seconds 2] [--node-threads 2] [--steps-per-run auto] [--baselines pytorch,tfjs]
 * [--torch-threads 2] [--pythons /usr/bin/python3,/opt/edgefed/torch2/bin/python]`
 *
 * PyTorch runs once per interpreter and OpenMP wait policy (training-lib/torch-env.ts); the
 * fastest of those per (model, batch) is the `pytorch` baseline, and `ratio/...` figures
 * divide edgefed's samples/s by it. The table shows every PyTorch configuration.
 */
import {
  cappedStepsPerRun,
  createNodeBackend,
  createWasmBackend,
  defaultStepsPerRun,
  type TrainingBackend,
} from '@edgefed/client';
import { compileModel, MODEL_PRESETS } from '@edgefed/shared';
import type { BenchContext, Benchmark } from './harness.js';
import { pytorchRows, tfjsRows, type BaselineRow } from './training-lib/baselines.js';
import { trainingFlopsPerExample } from './training-lib/flops.js';
import { matmulGflops, textShape, trainerSamplesPerSecond } from './training-lib/measure.js';

const list = (v: string | undefined, d: string): string[] => (v ?? d).split(',').filter((s) => s !== '');

async function backendsFor(names: readonly string[], nodeThreads: number): Promise<TrainingBackend[]> {
  const out: TrainingBackend[] = [];
  for (const n of names) {
    if (n === 'node') out.push(await createNodeBackend({ intraOpNumThreads: nodeThreads }));
    else if (n === 'wasm') out.push(await createWasmBackend({ numThreads: 1 }));
    else throw new Error(`unknown backend ${n} (node, wasm)`);
  }
  return out;
}

/** Tokens per example of a text preset (its window), 1 for image models. */
function tokensPerExample(model: string): number {
  return textShape(MODEL_PRESETS[model])?.T ?? 1;
}

/** Samples/s, or tokens/s for text models (`tok/s` in the header). */
function table(rows: BaselineRow[], models: readonly string[], batches: readonly number[]): string {
  const engines = [...new Set(rows.map((r) => r.engine))];
  const unit = (m: string): string => (tokensPerExample(m) > 1 ? ' tok/s' : '');
  const head = `| engine | ${models.flatMap((m) => batches.map((b) => `${m} B=${b}${unit(m)}`)).join(' | ')} |`;
  const sep = `|---|${models.flatMap(() => batches.map(() => '---:')).join('|')}|`;
  const body = engines.map((e) => {
    const cells = models.flatMap((m) =>
      batches.map((b) => {
        const r = rows.find((x) => x.engine === e && x.model === m && x.batch === b);
        if (r?.samplesPerSecond !== undefined)
          return String(Math.round(r.samplesPerSecond * tokensPerExample(m)));
        return r?.note !== undefined ? 'cannot train' : '–';
      }),
    );
    return `| ${e} | ${cells.join(' | ')} |`;
  });
  return [head, sep, ...body].join('\n');
}

/** One `ratio/...` figure per edgefed row of `model` that has a `pytorch` row (same run). */
function reportRatios(ctx: BenchContext, rows: readonly BaselineRow[], model: string): void {
  for (const r of rows) {
    if (r.model !== model || !r.engine.startsWith('edgefed/')) continue;
    const torch = rows.find((x) => x.engine === 'pytorch' && x.model === model && x.batch === r.batch);
    if (torch?.samplesPerSecond === undefined || r.samplesPerSecond === undefined) continue;
    ctx.report({
      name: `ratio/${model}/${r.engine.slice('edgefed/'.length)}/B${String(r.batch)}`,
      value: r.samplesPerSecond / torch.samplesPerSecond,
      unit: 'x pytorch',
      baseline: `pytorch/${model}/B${String(r.batch)}`,
      ...(torch.note === undefined ? {} : { pytorch: torch.note }),
    });
  }
}

const bench: Benchmark = {
  description:
    'Trainer samples/s (2nn, cnn) and tokens/s (char-lstm, char-transformer) on onnxruntime-node and wasm vs PyTorch (and TF.js for images); ceiling',
  async run(ctx) {
    const { args } = ctx;
    const models = list(args.models, '2nn,cnn,char-lstm,char-transformer');
    const batches = list(args.batches, '10,32,128').map(Number);
    const seconds = Number(args.seconds ?? 2);
    // `auto`: what a participant's Trainer engine uses by default (defaultStepsPerRun).
    const kArg = args['steps-per-run'] ?? 'auto';
    const baselineNames = list(args.baselines, 'pytorch,tfjs');
    const backends = await backendsFor(list(args.backends, 'node,wasm'), Number(args['node-threads'] ?? 2));
    const rows: BaselineRow[] = [];
    const gflops = new Map<string, number>();
    for (const b of backends) {
      const g = await matmulGflops(b, 512, seconds);
      gflops.set(b.name, g);
      ctx.report({ name: `matmul-512/${b.name}`, value: g, unit: 'GFLOP/s' });
    }
    for (const model of models) {
      const spec = MODEL_PRESETS[model];
      if (spec === undefined) throw new Error(`unknown model ${model}`);
      const tokens = tokensPerExample(model);
      // The FLOP count covers dense/conv stacks only: no ceiling for the text models.
      const flops = tokens > 1 ? undefined : trainingFlopsPerExample(spec);
      if (flops !== undefined)
        ctx.report({ name: `training-flops/${model}`, value: flops, unit: 'FLOP/example' });
      for (const b of backends) {
        for (const batch of batches) {
          const stepsPerRun = kArg === 'auto' ? defaultStepsPerRun(b.name, batch) : Number(kArg);
          // What the fit actually unrolls (large one-step graphs are capped, unroll-cap.ts).
          const oneStep = compileModel(spec, {
            loss: 'softmax-cross-entropy',
            optimizer: { type: 'sgd' },
            batchSize: batch,
          });
          const unrolled = cappedStepsPerRun(stepsPerRun, oneStep.trainStep.onnx.byteLength);
          const sps = await trainerSamplesPerSecond({
            backend: b,
            spec,
            batchSize: batch,
            seconds,
            stepsPerRun,
          });
          const ceiling = flops === undefined ? undefined : ((gflops.get(b.name) ?? 0) * 1e9) / flops;
          rows.push({ engine: `edgefed/${b.name}`, model, batch, samplesPerSecond: sps });
          ctx.report({
            name: `train/${model}/${b.name}/B${batch}`,
            value: sps,
            unit: 'samples/s',
            baseline: `pytorch/${model}/B${batch}`,
            stepsPerRun: unrolled,
            ...(tokens > 1 ? { tokensPerSecond: sps * tokens } : {}),
            ...(ceiling === undefined ? {} : { ceiling, fractionOfCeiling: sps / ceiling }),
          });
        }
      }
      const o = {
        models: [model],
        batches,
        seconds,
        threads: Number(args['torch-threads'] ?? 2),
        ...(args.pythons === undefined ? {} : { pythons: args.pythons }),
      };
      for (const name of baselineNames) {
        if (name === 'tfjs' && tokens > 1) continue; // tfjs-train.mjs has the image models only
        const r = name === 'pytorch' ? await pytorchRows(o) : await tfjsRows(o);
        if (r.note !== undefined) console.error(`# ${r.note}`);
        for (const row of r.rows) {
          rows.push(row);
          ctx.report({
            name: `${row.engine}/${row.model}/B${row.batch}`,
            value: row.samplesPerSecond ?? Number.NaN,
            unit: 'samples/s',
            ...(tokens > 1 && row.samplesPerSecond !== undefined
              ? { tokensPerSecond: row.samplesPerSecond * tokens }
              : {}),
            ...(row.note === undefined ? {} : { note: row.note }),
          });
        }
      }
      reportRatios(ctx, rows, model);
    }
    console.error(`\n${table(rows, models, batches)}\n`);
  },
};

export default bench;
