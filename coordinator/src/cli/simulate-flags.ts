/**
 * Flags of `edgefed simulate`: the help text and the translation of flags into a
 * simulation config (strategy parameters included).
 */
import { readFile } from 'node:fs/promises';
import { EdgefedError } from '@edgefed/shared';
import { numberFlag } from './args.js';
import type { SimulationConfigInput } from '../simulation/simulation-config.js';
import {
  applyStrategyFlags,
  EXTRA_SIMULATE_HELP,
  EXTRA_SIMULATE_OPTIONS,
  extraConfigFields,
} from './simulate-extra-flags.js';
import {
  ROBUST_HELP,
  ROBUST_OPTIONS,
  robustConfigFields,
  robustStrategyParams,
} from './simulate-robust-flags.js';
import {
  DEVICE_HELP,
  DEVICE_OPTIONS,
  deviceConfigFields,
  deviceStrategyParams,
} from './simulate-device-flags.js';
import { onnxFlags, resolveModelSpec } from './train-model.js';
import { SECAGG_HELP, SECAGG_OPTIONS, secAggConfigFields } from './simulate-secagg-flags.js';

/** `edgefed simulate --help`. */
export const SIMULATE_HELP = `Usage: edgefed simulate [options]

Runs a federated simulation: the real coordinator in this process and many virtual
clients (the real participant code and protocol) on worker threads.

Data and model
  --dataset mnist|fashion-mnist|sotu|moby-dick  dataset (default mnist); sotu and
                                    moby-dick are text corpora (provisioned once with
                                    \`edgefed datasets fetch\`)
  --model NAME|FILE.json|FILE.onnx  model preset, spec file or ONNX model (default 2nn; text:
                                    char-lstm, sized to the vocabulary; also char-transformer)
  --freeze PATTERN                  .onnx: keep matching initializers constant (repeatable)
  --local-bn                        .onnx: FedBN, BatchNorm tensors stay on each client
  --partition iid|shards|dirichlet|natural|quantity-skew  how examples are split (default
                                    iid); natural only for sotu (a client per president;
                                    --clients takes the first K) and moby-dick (a client per
                                    chapter); text takes only natural or iid
  --text-level char|word            text: next-character or next-word (default char)
  --sequence-length T               text: window length (default 80)
  --vocabulary-size N               text, word level: top-N words plus <unk> (default 10000)
  --test-fraction F                 text: tail of each client's text held out (default 0.1)
  --alpha A                         Dirichlet concentration (default 0.5)
  --shards-per-client S             shards per client, McMahan et al. (default 2)
  --train-limit N / --test-limit N  use only the first N examples (quick runs)
Federation
  --clients K                       registered virtual clients (default 100)
  --fraction C                      fraction selected per round (default 0.1)
  --rounds R                        rounds (default 10)
  --epochs E                        local epochs (default 1)
  --batch-size B                    local batch size (default 10)
  --lr X                            client learning rate (default 0.1)
  --optimizer sgd|adam|adamw        client optimizer (default sgd)
  --momentum M                      client SGD momentum (default 0)
  --strategy NAME                   fedavg|fedavgm|fedprox|qfedavg|fedadam|fedyogi|fedadagrad|
                                    fedmedian|fedtrimmedavg|krum|multikrum|bulyan|
                                    centeredclipping|normbounded (default fedavg)
  --server-lr X                     server learning rate (fedavgm, fedadam, fedyogi, fedadagrad)
  --server-momentum M               server momentum (fedavgm)
  --mu X                            proximal term (fedprox; required there)
  --q Q                             q of q-FFL (qfedavg; default 0.2; 0 = no fairness weighting)
  --qffl-lr X                       learning rate for q-FedAvg's L = 1/lr (qfedavg; default --lr)
  --beta X                          trimmed fraction (fedtrimmedavg)
  --beta1 X / --beta2 X / --tau X   adaptive optimizer parameters (fedadam, fedyogi, fedadagrad)
  --seed S                          seed of partition, init, selection, shuffles (default 0)
  --target-accuracy A               stop when central test accuracy reaches A (0-1)
  --eval-every K                    evaluate on the test set every K rounds (default 1)
  --local-test-fraction F           hold out F of each client's examples; every client then
                                    evaluates the model it trains (FedBN: its own BatchNorm)
                                    on them (localAccuracy in the result; default 0)
  --round-deadline-ms MS            time the selected clients have per round (default 3600000)
${EXTRA_SIMULATE_HELP}
Running
  --workers N                       worker threads (default: one per core)
  --transport in-process|socketio   how virtual clients reach the control plane (default
                                    in-process: same messages and validation over worker
                                    MessagePorts; socketio: a real connection per client,
                                    2 file descriptors each)
  --steps-per-run K                 optimizer steps per ONNX graph run (default 8; same updates;
                                    lowered for large graphs: char-lstm at T=80 runs 1,
                                    char-transformer 4, so a long compile is avoided)
  --out FILE.json                   write the result; FILE.csv and FILE.svg go beside it
  --url URL --token TOKEN           only join a running coordinator with the virtual clients
                                    (runs until interrupted; the coordinator runs the rounds)
  --log-level LEVEL                 coordinator log level (default warn)
  --help                            this text
${ROBUST_HELP}
${DEVICE_HELP}
${SECAGG_HELP}

Progress (round, test accuracy, ETA) goes to stderr; the result summary to stdout.`;

/** parseArgs options of the command. */
export const SIMULATE_OPTIONS = {
  help: { type: 'boolean' },
  dataset: { type: 'string' },
  model: { type: 'string' },
  freeze: { type: 'string', multiple: true },
  'local-bn': { type: 'boolean' },
  partition: { type: 'string' },
  alpha: { type: 'string' },
  'shards-per-client': { type: 'string' },
  'train-limit': { type: 'string' },
  'test-limit': { type: 'string' },
  'text-level': { type: 'string' },
  'sequence-length': { type: 'string' },
  'vocabulary-size': { type: 'string' },
  'test-fraction': { type: 'string' },
  clients: { type: 'string' },
  fraction: { type: 'string' },
  rounds: { type: 'string' },
  epochs: { type: 'string' },
  'batch-size': { type: 'string' },
  lr: { type: 'string' },
  optimizer: { type: 'string' },
  momentum: { type: 'string' },
  strategy: { type: 'string' },
  'server-lr': { type: 'string' },
  'server-momentum': { type: 'string' },
  mu: { type: 'string' },
  q: { type: 'string' },
  'qffl-lr': { type: 'string' },
  beta: { type: 'string' },
  beta1: { type: 'string' },
  beta2: { type: 'string' },
  tau: { type: 'string' },
  seed: { type: 'string' },
  'target-accuracy': { type: 'string' },
  'eval-every': { type: 'string' },
  'local-test-fraction': { type: 'string' },
  'round-deadline-ms': { type: 'string' },
  workers: { type: 'string' },
  transport: { type: 'string' },
  'steps-per-run': { type: 'string' },
  out: { type: 'string' },
  url: { type: 'string' },
  token: { type: 'string' },
  'log-level': { type: 'string' },
  ...EXTRA_SIMULATE_OPTIONS,
  ...ROBUST_OPTIONS,
  ...DEVICE_OPTIONS,
  ...SECAGG_OPTIONS,
} as const;

type Values = Readonly<Record<string, unknown>>;

function text(values: Values, flag: string): string | undefined {
  const raw = values[flag];
  return typeof raw === 'string' ? raw : undefined;
}

/** Strategy flag -> strategy config key. */
const STRATEGY_PARAMS: readonly (readonly [string, string])[] = [
  ['server-lr', 'serverLearningRate'],
  ['server-momentum', 'serverMomentum'],
  ['mu', 'proximalMu'],
  ['q', 'q'],
  ['qffl-lr', 'qfflLearningRate'],
  ['beta', 'beta'],
  ['beta1', 'beta1'],
  ['beta2', 'beta2'],
  ['tau', 'tau'],
];

async function modelOf(raw: string | undefined, values: Values): Promise<SimulationConfigInput['model']> {
  if (raw?.endsWith('.onnx') === true) return resolveModelSpec(raw, onnxFlags(values));
  if (raw === undefined || !raw.endsWith('.json')) return raw;
  try {
    return JSON.parse(await readFile(raw, 'utf8')) as Record<string, unknown>;
  } catch (err) {
    throw new EdgefedError('INVALID_ARGUMENT', `Cannot read model spec ${raw}: ${String(err)}`);
  }
}

/**
 * The simulation config the flags describe (validated later by `parseSimulationConfig`).
 * Numeric flags that are not numbers throw `INVALID_ARGUMENT` naming the flag; a strategy
 * parameter the chosen strategy does not take fails validation (`INVALID_CONFIG`).
 */
export async function configFromFlags(values: Values): Promise<Record<string, unknown>> {
  const strategy: Record<string, unknown> = { name: text(values, 'strategy') ?? 'fedavg' };
  for (const [flag, key] of STRATEGY_PARAMS) {
    const v = numberFlag(values, flag);
    if (v !== undefined) strategy[key] = v;
  }
  applyStrategyFlags(values, strategy);
  Object.assign(strategy, robustStrategyParams(values), deviceStrategyParams(values));
  // q-FedAvg's Lipschitz estimate L = 1/lr follows the clients' learning rate unless given
  const lr = numberFlag(values, 'lr') ?? 0.1;
  if (strategy.name === 'qfedavg' && strategy.qfflLearningRate === undefined) strategy.qfflLearningRate = lr;
  const fields: Record<string, unknown> = {
    dataset: text(values, 'dataset'),
    model: await modelOf(text(values, 'model'), values),
    partition: text(values, 'partition'),
    alpha: numberFlag(values, 'alpha'),
    shardsPerClient: numberFlag(values, 'shards-per-client'),
    trainLimit: numberFlag(values, 'train-limit'),
    testLimit: numberFlag(values, 'test-limit'),
    textLevel: text(values, 'text-level'),
    sequenceLength: numberFlag(values, 'sequence-length'),
    vocabularySize: numberFlag(values, 'vocabulary-size'),
    testFraction: numberFlag(values, 'test-fraction'),
    clients: numberFlag(values, 'clients'),
    fraction: numberFlag(values, 'fraction'),
    rounds: numberFlag(values, 'rounds'),
    epochs: numberFlag(values, 'epochs'),
    batchSize: numberFlag(values, 'batch-size'),
    learningRate: numberFlag(values, 'lr'),
    optimizer: text(values, 'optimizer'),
    momentum: numberFlag(values, 'momentum'),
    seed: numberFlag(values, 'seed'),
    targetAccuracy: numberFlag(values, 'target-accuracy'),
    evalEvery: numberFlag(values, 'eval-every'),
    localTestFraction: numberFlag(values, 'local-test-fraction'),
    roundDeadlineMs: numberFlag(values, 'round-deadline-ms'),
    workers: numberFlag(values, 'workers'),
    transport: text(values, 'transport'),
    stepsPerRun: numberFlag(values, 'steps-per-run'),
    strategy,
    ...extraConfigFields(values),
    ...robustConfigFields(values),
    ...secAggConfigFields(values),
    ...(await deviceConfigFields(values)),
  };
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
}
