/**
 * `edgefed train`: trains a model centrally on real MNIST / Fashion-MNIST or a text corpus
 * (SOTU, Moby-Dick) with edgefed's own training graphs, printing a progress bar (stderr,
 * TTY only), then per epoch the training loss, test accuracy (token accuracy and
 * perplexity for text) and samples/s (stdout).
 */
import { createNodeBackend, createTrainer, createWasmBackend, type TrainingBackend } from '@edgefed/client';
import { EdgefedError } from '@edgefed/shared';
import { intFlag, parseFlags, strFlag } from './args.js';
import { loadTrainData } from './train-data.js';
import { onnxFlags, positiveNumber, resolveOptimizer } from './train-model.js';
import { ProgressBar, type ProgressStream } from './train-progress.js';

const HELP = `Usage: edgefed train [options]

Trains a model centrally on real data and reports loss, test accuracy and samples/s.

Options:
  --dataset NAME        mnist | fashion-mnist | sotu | moby-dick (default mnist)
  --model NAME|FILE     2nn | cnn | tiny-cnn | a model spec .json | an ONNX model .onnx, e.g.
                        from torch.onnx.export (default cnn); text: char-lstm |
                        char-transformer (default char-lstm)
  --freeze PATTERN      .onnx models: keep matching initializers constant (repeatable)
  --text-level L        text: char | word (default char)
  --sequence-length T   text: window length (default 80)
  --vocabulary-size N   text, word level: top-N words plus <unk> (default 10000)
  --epochs N            passes over the training data (default 1)
  --batch-size N        examples per step (default 32)
  --lr X                learning rate (default 0.05)
  --optimizer NAME      sgd | sgd-momentum | adam | adamw (default sgd)
  --backend NAME        node | wasm (default node)
  --threads N           intra-op threads of the backend (default: node 2, wasm 1)
  --steps-per-run K     optimizer steps unrolled into one graph run (default 1)
  --limit N             use only the first N training examples
  --test-limit N        use only the first N test examples
  --seed S              initialisation, shuffle and dropout seed (default 0)
  -h, --help            show this help`;

const FLAGS = {
  dataset: { type: 'string' },
  model: { type: 'string' },
  freeze: { type: 'string', multiple: true },
  epochs: { type: 'string' },
  'batch-size': { type: 'string' },
  lr: { type: 'string' },
  optimizer: { type: 'string' },
  backend: { type: 'string' },
  threads: { type: 'string' },
  'steps-per-run': { type: 'string' },
  limit: { type: 'string' },
  'test-limit': { type: 'string' },
  'text-level': { type: 'string' },
  'sequence-length': { type: 'string' },
  'vocabulary-size': { type: 'string' },
  seed: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Output streams of the command (tests pass their own). */
export interface TrainIo {
  readonly stdout: ProgressStream;
  readonly stderr: ProgressStream;
  readonly signal?: AbortSignal;
}

async function backendFor(name: string, threads: number | undefined): Promise<TrainingBackend> {
  if (name === 'node') return createNodeBackend({ intraOpNumThreads: threads ?? 2 });
  if (name === 'wasm') return createWasmBackend({ numThreads: threads ?? 1 });
  throw new EdgefedError('INVALID_ARGUMENT', `--backend must be node or wasm, got "${name}"`);
}

function textLevel(raw: string | undefined): 'char' | 'word' {
  if (raw === undefined || raw === 'char' || raw === 'word') return raw ?? 'char';
  throw new EdgefedError('INVALID_ARGUMENT', `--text-level must be char or word, got "${raw}"`);
}

const pct = (x: number): string => `${(x * 100).toFixed(2)}%`;

/**
 * Runs `edgefed train` with `argv` (flags after `train`); returns the exit code (0 on
 * success, also after `--help`). Throws `INVALID_ARGUMENT` / `INVALID_MODEL` / `NOT_FOUND`
 * for bad flags, models or missing dataset packages; an abort (Ctrl-C) stops between steps
 * and returns 130.
 */
export async function runTrainCommand(argv: string[], io?: TrainIo): Promise<number> {
  const { values } = parseFlags(argv, FLAGS);
  const out = io?.stdout ?? process.stdout;
  const err = io?.stderr ?? process.stderr;
  if (values.help === true) {
    out.write(`${HELP}\n`);
    return 0;
  }
  const dataset = strFlag(values, 'dataset') ?? 'mnist';
  const level = textLevel(strFlag(values, 'text-level'));
  const epochs = intFlag(values, 'epochs', 1) ?? 1;
  const batchSize = intFlag(values, 'batch-size', 1) ?? 32;
  const learningRate = positiveNumber('lr', strFlag(values, 'lr'), 0.05);
  const optimizer = resolveOptimizer(strFlag(values, 'optimizer') ?? 'sgd');
  const stepsPerRun = intFlag(values, 'steps-per-run', 1) ?? 1;
  const seed = intFlag(values, 'seed', 0) ?? 0;
  const backend = await backendFor(strFlag(values, 'backend') ?? 'node', intFlag(values, 'threads', 1));
  const limit = intFlag(values, 'limit', 1);
  const testLimit = intFlag(values, 'test-limit', 1);
  const { train, test, spec } = await loadTrainData({
    dataset,
    model: strFlag(values, 'model'),
    limit,
    testLimit,
    textLevel: level,
    sequenceLength: intFlag(values, 'sequence-length', 1) ?? 80,
    vocabularySize: intFlag(values, 'vocabulary-size', 1) ?? 10_000,
    onnx: onnxFlags(values),
  });
  const trainer = await createTrainer({
    spec,
    backend,
    compileOptions: { loss: 'softmax-cross-entropy', optimizer, stepsPerRun },
    initSeed: seed,
  });
  out.write(
    `edgefed train: ${spec.name ?? 'model'} on ${dataset} (${train.size} train / ${test.size} test), ` +
      `${backend.name}, ${optimizer.type}, lr ${learningRate}, batch ${batchSize}, ${epochs} epoch(s)\n`,
  );
  const ac = new AbortController();
  const onSigint = (): void => {
    ac.abort();
  };
  process.once('SIGINT', onSigint);
  const signal = io?.signal === undefined ? ac.signal : AbortSignal.any([ac.signal, io.signal]);
  try {
    let bar = new ProgressBar(err, 'epoch 1', train.size);
    const fitOptions = { epochs, batchSize, learningRate, seed };
    for await (const e of trainer.fit(train, fitOptions, signal)) {
      const inEpoch = e.examples - e.epoch * train.size;
      if (e.type === 'step') {
        bar.update(inEpoch, `loss ${e.loss.toFixed(4)} ${Math.round(e.samplesPerSecond)} samples/s`);
        continue;
      }
      bar.clear();
      const ev = await trainer.evaluate(
        test,
        { batchSize: 500, ...(level === 'word' ? { topK: 3 } : {}) },
        signal,
      );
      const extra =
        (ev.perplexity === undefined ? '' : `  test perplexity ${ev.perplexity.toFixed(3)}`) +
        (ev.topKAccuracy === undefined ? '' : `  test top-3 ${pct(ev.topKAccuracy)}`);
      out.write(
        `epoch ${e.epoch + 1}/${epochs}  train loss ${e.loss.toFixed(4)}  train acc ${pct(e.accuracy ?? Number.NaN)}  ` +
          `test loss ${ev.loss.toFixed(4)}  test acc ${pct(ev.accuracy)}${extra}  ${Math.round(e.samplesPerSecond)} samples/s\n`,
      );
      bar = new ProgressBar(err, `epoch ${e.epoch + 2}`, train.size);
    }
  } catch (e) {
    if (e instanceof EdgefedError && e.code === 'ABORTED') {
      err.write('\ninterrupted\n');
      return 130;
    }
    throw e;
  } finally {
    process.off('SIGINT', onSigint);
    trainer.dispose();
  }
  return 0;
}
