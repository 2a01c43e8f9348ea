/**
 * `edgefed model export`: compiles a model and writes `inference.onnx` (self-contained,
 * seeded initial parameters baked in), `train-step.onnx`, `eval.onnx` and `manifest.json`
 * (every graph input and output with its role, dtype and shape; see
 * docs/training-graphs.md) so other runtimes can drive the same training step, the saliency
 * graphs, and for models with attention layers `attention.onnx` (inference plus the softmax
 * attention weights of one layer and head).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  compileAttentionGraph,
  compileModel,
  compileSaliencyGraphs,
  EdgefedError,
  exportInferenceModel,
  initParameters,
  listAttentionLayers,
  planModel,
  type EmittedGraph,
  type LossKind,
} from '@edgefed/shared';
import { intFlag, parseFlags, strFlag } from './args.js';
import { resolveModelSpec, resolveOptimizer } from './train-model.js';

const HELP = `Usage: edgefed model export --model NAME|FILE --out DIR [options]

Writes inference.onnx, train-step.onnx, eval.onnx, saliency.onnx (input gradients of a class
score, plain or SmoothGrad; batch 1), integrated-gradients.onnx (16 path points),
attention.onnx for models with attention layers (inference plus the softmax attention
weights [N, T, T] of one layer and head; parameters as inputs) and manifest.json into DIR.

Options:
  --model NAME|FILE     2nn | cnn | tiny-cnn | path to a model spec .json or an .onnx model (required)
  --out DIR             output directory, created if missing (required)
  --batch-size N        fixed batch size of the training step (default 32)
  --optimizer NAME      sgd | sgd-momentum | adam | adamw (default sgd)
  --loss NAME           softmax-cross-entropy | binary-cross-entropy | mse (default softmax-cross-entropy)
  --steps-per-run K     optimizer steps unrolled into one training run (default 1)
  --fedprox             add FedProx anchor inputs and mu
  --clip-norm           add the clip_norm input (gradient clipping by global L2 norm)
  --seed S              seed of the initial parameters baked into inference.onnx (default 0)
  --attention-layer L   attention layer of attention.onnx, e.g. transformerBlock0 (default: the last)
  --attention-head H    head index or "mean" (mean over heads) (default 0)
  -h, --help            show this help`;

const FLAGS = {
  model: { type: 'string' },
  out: { type: 'string' },
  'batch-size': { type: 'string' },
  optimizer: { type: 'string' },
  loss: { type: 'string' },
  'steps-per-run': { type: 'string' },
  fedprox: { type: 'boolean' },
  'clip-norm': { type: 'boolean' },
  seed: { type: 'string' },
  'attention-layer': { type: 'string' },
  'attention-head': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

const LOSSES: readonly LossKind[] = ['softmax-cross-entropy', 'binary-cross-entropy', 'mse'];

function lossOf(raw: string | undefined): LossKind {
  const loss = raw ?? 'softmax-cross-entropy';
  const found = LOSSES.find((l) => l === loss);
  if (found === undefined)
    throw new EdgefedError('INVALID_ARGUMENT', `--loss must be one of ${LOSSES.join(', ')}`);
  return found;
}

/** `--attention-head`: an integer (range checked by the compiler) or `mean`. */
function headOf(raw: string | undefined): number | 'mean' {
  if (raw === undefined) return 0;
  if (raw === 'mean') return raw;
  if (!/^\d+$/.test(raw))
    throw new EdgefedError(
      'INVALID_ARGUMENT',
      `--attention-head must be a head index or "mean", got "${raw}"`,
    );
  return Number(raw);
}

/**
 * The attention graph when the model has attention layers; `INVALID_ARGUMENT` when an
 * attention flag is given for a model without them.
 */
function attentionGraph(
  spec: unknown,
  layer: string | undefined,
  head: string | undefined,
  loss: LossKind,
): EmittedGraph | undefined {
  if (listAttentionLayers(planModel(spec)).length === 0) {
    if (layer !== undefined || head !== undefined)
      throw new EdgefedError(
        'INVALID_ARGUMENT',
        '--attention-layer/--attention-head need a model with attention layers',
      );
    return undefined;
  }
  return compileAttentionGraph(spec, { ...(layer === undefined ? {} : { layer }), head: headOf(head), loss });
}

/**
 * Runs `edgefed model export` with `argv` (flags after `model export`); returns 0, or
 * writes usage to stderr and returns 2 when `--model` or `--out` is missing. Throws
 * `INVALID_ARGUMENT` / `INVALID_MODEL` / `NOT_FOUND` for bad flags or specs.
 */
export async function runModelExportCommand(argv: string[]): Promise<number> {
  const { values } = parseFlags(argv, FLAGS);
  if (values.help === true) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  const model = strFlag(values, 'model');
  const dir = strFlag(values, 'out');
  if (model === undefined || dir === undefined) {
    process.stderr.write(`${HELP}\n`);
    return 2;
  }
  const spec = await resolveModelSpec(model);
  const loss = lossOf(strFlag(values, 'loss'));
  const compileOptions = {
    loss,
    optimizer: resolveOptimizer(strFlag(values, 'optimizer') ?? 'sgd'),
    batchSize: intFlag(values, 'batch-size', 1) ?? 32,
    stepsPerRun: intFlag(values, 'steps-per-run', 1) ?? 1,
    fedProx: values.fedprox === true,
    clipNorm: values['clip-norm'] === true,
  };
  const compiled = compileModel(spec, compileOptions);
  const seed = intFlag(values, 'seed', 0) ?? 0;
  // An imported ONNX model brings its own values; spec models start from the seed.
  const initial = planModel(spec).initialValues ?? initParameters(compiled.parameters, seed);
  const inference = exportInferenceModel(spec, loss, initial);
  const saliency = compileSaliencyGraphs(spec);
  const attention = attentionGraph(
    spec,
    strFlag(values, 'attention-layer'),
    strFlag(values, 'attention-head'),
    loss,
  );
  await mkdir(dir, { recursive: true });
  const manifest = {
    format: 'edgefed-model-export/1',
    model: compiled.spec,
    compileOptions: compiled.options,
    parameters: compiled.parameters.map((p) => ({ name: p.name, shape: p.shape, init: p.init })),
    inputShape: compiled.inputShape,
    outputShape: compiled.outputShape,
    initSeed: seed,
    graphs: {
      'inference.onnx': inference.manifest,
      'train-step.onnx': compiled.trainStep.manifest,
      'eval.onnx': compiled.evaluation.manifest,
      'saliency.onnx': saliency.saliency.manifest,
      'integrated-gradients.onnx': saliency.integratedGradients.manifest,
      ...(attention === undefined ? {} : { 'attention.onnx': attention.manifest }),
    },
  };
  await Promise.all([
    writeFile(join(dir, 'inference.onnx'), inference.onnx),
    writeFile(join(dir, 'train-step.onnx'), compiled.trainStep.onnx),
    writeFile(join(dir, 'eval.onnx'), compiled.evaluation.onnx),
    writeFile(join(dir, 'saliency.onnx'), saliency.saliency.onnx),
    writeFile(join(dir, 'integrated-gradients.onnx'), saliency.integratedGradients.onnx),
    ...(attention === undefined ? [] : [writeFile(join(dir, 'attention.onnx'), attention.onnx)]),
    writeFile(join(dir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`),
  ]);
  process.stdout.write(
    `wrote ${dir}: inference.onnx (${inference.onnx.length} B), train-step.onnx (${compiled.trainStep.onnx.length} B), ` +
      `eval.onnx (${compiled.evaluation.onnx.length} B), saliency.onnx (${saliency.saliency.onnx.length} B), ` +
      `integrated-gradients.onnx (${saliency.integratedGradients.onnx.length} B), ` +
      (attention === undefined ? '' : `attention.onnx (${attention.onnx.length} B), `) +
      'manifest.json\n',
  );
  return 0;
}
