/**
 * Flags of `edgefed simulate`: the help text and the translation of flags into a
 * simulation config (strategy parameters included).
 */
import { readFile } from 'node:fs/promises';
import { EdgefedError } from '@edgefed/shared';
import type { SimulationConfigInput } from '../simulation/simulation-config.js';
import {
  ROBUST_HELP,
  ROBUST_OPTIONS,
  robustConfigFields,
  robustStrategyParams,
} from './simulate-robust-flags.js';

/** `edgefed simulate --help`. */
export const SIMULATE_HELP = `Usage: edgefed simulate [options]

Runs a federated simulation: the real coordinator in this process and many virtual
clients (the real participant code and protocol) on worker threads.

Data and model
  --dataset mnist|fashion-mnist     dataset (default mnist)
  --model 2nn|cnn|tiny-cnn|FILE.json  model preset or model spec file (default 2nn)
  --partition iid|shards|dirichlet|natural  how examples are split (default iid)
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
  --strategy NAME                   fedavg|fedavgm|fedprox|fedadam|fedyogi|fedadagrad|
                                    fedmedian|fedtrimmedavg|krum|multikrum|bulyan|
                                    centeredclipping|normbounded (default fedavg)
  --server-lr X                     server learning rate (fedavgm, fedadam, fedyogi, fedadagrad)
  --server-momentum M               server momentum (fedavgm)
  --mu X                            proximal term (fedprox; required there)
  --beta X                          trimmed fraction (fedtrimmedavg)
  --beta1 X / --beta2 X / --tau X   adaptive optimizer parameters (fedadam, fedyogi, fedadagrad)
  --seed S                          seed of partition, init, selection, shuffles (default 0)
  --target-accuracy A               stop when central test accuracy reaches A (0-1)
  --eval-every K                    evaluate on the test set every K rounds (default 1)
  --round-deadline-ms MS            time the selected clients have per round (default 3600000)
Running
  --workers N                       worker threads (default: one per core)
  --transport in-process|socketio   how virtual clients reach the control plane (default
                                    in-process: same messages and validation over worker
                                    MessagePorts; socketio: a real connection per client,
                                    2 file descriptors each)
  --steps-per-run K                 optimizer steps per ONNX graph run (default 8; same updates)
  --out FILE.json                   write the result; FILE.csv and FILE.svg go beside it
  --url URL --token TOKEN           only join a running coordinator with the virtual clients
                                    (runs until interrupted; the coordinator runs the rounds)
  --log-level LEVEL                 coordinator log level (default warn)
  --help                            this text
${ROBUST_HELP}

Progress (round, test accuracy, ETA) goes to stderr; the result summary to stdout.`;

/** parseArgs options of the command. */
export const SIMULATE_OPTIONS = {
  help: { type: 'boolean' },
  dataset: { type: 'string' },
  model: { type: 'string' },
  partition: { type: 'string' },
  alpha: { type: 'string' },
  'shards-per-client': { type: 'string' },
  'train-limit': { type: 'string' },
  'test-limit': { type: 'string' },
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
  beta: { type: 'string' },
  beta1: { type: 'string' },
  beta2: { type: 'string' },
  tau: { type: 'string' },
  seed: { type: 'string' },
  'target-accuracy': { type: 'string' },
  'eval-every': { type: 'string' },
  'round-deadline-ms': { type: 'string' },
  workers: { type: 'string' },
  transport: { type: 'string' },
  'steps-per-run': { type: 'string' },
  out: { type: 'string' },
  url: { type: 'string' },
  token: { type: 'string' },
  'log-level': { type: 'string' },
  ...ROBUST_OPTIONS,
} as const;

type Values = Readonly<Record<string, unknown>>;

function number(values: Values, flag: string): number | undefined {
  const raw = values[flag];
  if (typeof raw !== 'string') return undefined;
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n))
    throw new EdgefedError('INVALID_ARGUMENT', `--${flag} must be a number, got "${raw}"`);
  return n;
}

function text(values: Values, flag: string): string | undefined {
  const raw = values[flag];
  return typeof raw === 'string' ? raw : undefined;
}

/** Strategy flag -> strategy config key. */
const STRATEGY_PARAMS: readonly (readonly [string, string])[] = [
  ['server-lr', 'serverLearningRate'],
  ['server-momentum', 'serverMomentum'],
  ['mu', 'proximalMu'],
  ['beta', 'beta'],
  ['beta1', 'beta1'],
  ['beta2', 'beta2'],
  ['tau', 'tau'],
];

async function modelOf(raw: string | undefined): Promise<SimulationConfigInput['model']> {
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
    const v = number(values, flag);
    if (v !== undefined) strategy[key] = v;
  }
  Object.assign(strategy, robustStrategyParams(values));
  const fields: Record<string, unknown> = {
    dataset: text(values, 'dataset'),
    model: await modelOf(text(values, 'model')),
    partition: text(values, 'partition'),
    alpha: number(values, 'alpha'),
    shardsPerClient: number(values, 'shards-per-client'),
    trainLimit: number(values, 'train-limit'),
    testLimit: number(values, 'test-limit'),
    clients: number(values, 'clients'),
    fraction: number(values, 'fraction'),
    rounds: number(values, 'rounds'),
    epochs: number(values, 'epochs'),
    batchSize: number(values, 'batch-size'),
    learningRate: number(values, 'lr'),
    optimizer: text(values, 'optimizer'),
    momentum: number(values, 'momentum'),
    seed: number(values, 'seed'),
    targetAccuracy: number(values, 'target-accuracy'),
    evalEvery: number(values, 'eval-every'),
    roundDeadlineMs: number(values, 'round-deadline-ms'),
    workers: number(values, 'workers'),
    transport: text(values, 'transport'),
    stepsPerRun: number(values, 'steps-per-run'),
    strategy,
    ...robustConfigFields(values),
  };
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
}
