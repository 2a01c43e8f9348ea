/**
 * `edgefed simulate`: a federated simulation with many virtual clients (see
 * SIMULATE_HELP), or, with `--url` and `--token`, only the virtual clients joining a
 * running coordinator until interrupted.
 */
import { startFleet } from '@edgefed/client/node';
import { EdgefedError } from '@edgefed/shared';
import { runSimulation } from '../simulation/run-simulation.js';
import { parseSimulationConfig } from '../simulation/simulation-config.js';
import { loadSimulationData } from '../simulation/simulation-data.js';
import { writeSimulationOutputs } from '../simulation/write-outputs.js';
import { parseFlags } from './args.js';
import { configFromFlags, SIMULATE_HELP, SIMULATE_OPTIONS } from './simulate-flags.js';
import { formatDuration, progressPrinter } from './simulate-progress.js';

const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'silent'] as const;
type LogLevel = (typeof LOG_LEVELS)[number];

function logLevelOf(raw: unknown): LogLevel {
  if (raw === undefined) return 'warn';
  const level = LOG_LEVELS.find((l) => l === raw);
  if (level === undefined)
    throw new EdgefedError('INVALID_ARGUMENT', `--log-level must be one of ${LOG_LEVELS.join(', ')}`);
  return level;
}

/** Resolves on the first SIGINT/SIGTERM (or the signal); removes its handlers. */
function interrupted(): { promise: Promise<void>; controller: AbortController } {
  const controller = new AbortController();
  const promise = new Promise<void>((resolve) => {
    const on = (): void => {
      process.off('SIGINT', on);
      process.off('SIGTERM', on);
      controller.abort(new EdgefedError('CANCELLED', 'interrupted'));
      resolve();
    };
    process.once('SIGINT', on);
    process.once('SIGTERM', on);
  });
  return { promise, controller };
}

async function joinOnly(config: Record<string, unknown>, url: string, token: string): Promise<number> {
  if (config.transport === 'in-process')
    throw new EdgefedError(
      'INVALID_ARGUMENT',
      '--url joins over socket.io; --transport in-process needs no --url',
    );
  const c = parseSimulationConfig(config);
  const data = await loadSimulationData(c);
  const fleet = await startFleet({
    url,
    token,
    dataset: data.train,
    partition: data.partition,
    stepsPerRun: c.stepsPerRun,
    transport: { kind: 'socketio' },
    ...(c.workers === undefined ? {} : { workers: c.workers }),
  });
  console.error(
    `${fleet.clientIds.length} virtual clients on ${fleet.workers} workers joined ${url}; Ctrl-C stops them`,
  );
  await interrupted().promise;
  const stats = await fleet.stats();
  await fleet.close();
  console.log(JSON.stringify({ clients: fleet.clientIds.length, ...stats }));
  return 0;
}

/**
 * Runs the command; returns the exit status (0 done, 2 bad flags). Throws EdgefedError
 * for bad input (`INVALID_ARGUMENT`, `INVALID_CONFIG`) and failures (main.ts prints them).
 */
export async function runSimulateCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(argv, SIMULATE_OPTIONS);
  if (values.help === true) {
    console.log(SIMULATE_HELP);
    return 0;
  }
  if (positionals.length > 0)
    throw new EdgefedError('INVALID_ARGUMENT', `Unexpected argument "${positionals.join(' ')}"`);
  const config = await configFromFlags(values);
  const url = typeof values.url === 'string' ? values.url : undefined;
  const token = typeof values.token === 'string' ? values.token : undefined;
  if ((url === undefined) !== (token === undefined))
    throw new EdgefedError('INVALID_ARGUMENT', '--url and --token go together');
  if (url !== undefined && token !== undefined) return joinOnly(config, url, token);
  const out = typeof values.out === 'string' ? values.out : undefined;
  if (out !== undefined && !out.endsWith('.json'))
    throw new EdgefedError('INVALID_ARGUMENT', `--out must name a .json file, got "${out}"`);
  const progress = progressPrinter(process.stderr);
  const stop = interrupted();
  const result = await runSimulation(config, {
    logLevel: logLevelOf(values['log-level']),
    signal: stop.controller.signal,
    onReady: (i) => {
      console.error(`fleet ready: ${i.workers} workers, setup ${i.setupSeconds.toFixed(1)} s`);
    },
    onProgress: (p) => {
      progress.update(p);
    },
  });
  progress.done();
  const t = result.totals;
  const summary = {
    status: result.status,
    rounds: t.rounds,
    roundsToTarget: result.roundsToTarget,
    finalAccuracy: t.finalAccuracy,
    bestAccuracy: t.bestAccuracy,
    wall: formatDuration(t.wallSeconds),
    secondsPerRound: t.rounds > 0 ? t.wallSeconds / t.rounds : null,
    clientUpdatesPerSecond: t.clientUpdatesPerSecond,
    trainStepsPerSecond: t.trainStepsPerSecond,
    transport: result.transport,
    peakRssMiB: Math.round(t.peakRssBytes / 2 ** 20),
  };
  if (out !== undefined) {
    const paths = await writeSimulationOutputs(result, out);
    console.error(`wrote ${paths.json}, ${paths.csv}, ${paths.svg}`);
  }
  console.log(JSON.stringify(summary));
  return result.status === 'completed' ? 0 : 1;
}
