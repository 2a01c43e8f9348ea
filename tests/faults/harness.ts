/**
 * Shared fixtures of the fault, security and large-model tests: a coordinator in a child
 * process (the real `edgefed serve` CLI, with its JSON log lines parsed as events), an
 * in-process coordinator with chosen limits, REST helpers, and Node participants training
 * on small MNIST shards with onnxruntime-node.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import {
  createDataSource,
  createParticipant,
  createTrainerEngine,
  type LocalTrainingEngine,
  type Participant,
  type ParticipantEventMap,
} from '@edgefed/client';
import {
  createCoordinator,
  loadConfig,
  loadDataset,
  silentLogger,
  type Coordinator,
  type CoordinatorConfigInput,
} from '@edgefed/coordinator';
import { partitionIid, type Dataset } from '@edgefed/shared';

/** Repository root (tests/faults/../..). */
export const REPO_ROOT = resolve(import.meta.dirname, '..', '..');

/** Fixed secrets so tokens stay valid across coordinator restarts. */
export const ADMIN_TOKEN = 'fault-test-admin-token-0123456789';
export const TOKEN_SECRET = 'fault-test-token-secret-0123456789abcdef';

/** A fresh temp directory. */
export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `edgefed-${prefix}-`));
}

/** A TCP port that was free a moment ago (bind 0, read, close). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const address = server.address();
  await new Promise<void>((ok) => server.close(() => ok()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** One parsed pino log line. */
export type LogLine = Record<string, unknown> & { msg?: string };

/** `edgefed serve` running in a child process. */
export interface ChildCoordinator {
  readonly process: ChildProcess;
  readonly url: string;
  readonly logs: LogLine[];
  /** Resolves with the first log line (past or future) matching `match`; rejects on exit or timeout. */
  waitForLog(match: (line: LogLine) => boolean, timeoutMs: number): Promise<LogLine>;
  /** Sends `signal` and resolves when the process has exited. */
  kill(signal: NodeJS.Signals): Promise<void>;
}

/**
 * Starts `edgefed serve --port PORT --data-dir DIR [...args]` and waits for "coordinator
 * listening" (`args`: more serve flags, e.g. `['--postgres', url]`).
 */
export async function spawnCoordinator(o: {
  port: number;
  dataDir: string;
  args?: readonly string[];
}): Promise<ChildCoordinator> {
  const args = ['--conditions=@edgefed/source', '--import', 'tsx', 'coordinator/src/cli/main.ts', 'serve'];
  args.push('--port', String(o.port), '--data-dir', o.dataDir, '--log-level', 'info', ...(o.args ?? []));
  const child = spawn(process.execPath, args, {
    cwd: REPO_ROOT,
    env: { ...process.env, EDGEFED_ADMIN_TOKEN: ADMIN_TOKEN, EDGEFED_TOKEN_SECRET: TOKEN_SECRET },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: LogLine[] = [];
  const waiters = new Set<(line: LogLine | undefined) => void>();
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  createInterface({ input: child.stdout }).on('line', (text) => {
    let line: LogLine;
    try {
      line = JSON.parse(text) as LogLine;
    } catch {
      return;
    }
    logs.push(line);
    for (const w of [...waiters]) w(line);
  });
  const exited = new Promise<void>((ok) => child.once('exit', () => ok()));
  void exited.then(() => {
    for (const w of [...waiters]) w(undefined);
  });
  const waitForLog = (match: (line: LogLine) => boolean, timeoutMs: number): Promise<LogLine> =>
    new Promise((ok, fail) => {
      const seen = logs.find(match);
      if (seen !== undefined) {
        ok(seen);
        return;
      }
      const timer = setTimeout(
        () => finish(new Error(`no matching log in ${timeoutMs} ms\n${stderr}`)),
        timeoutMs,
      );
      const waiter = (line: LogLine | undefined): void => {
        if (line === undefined) finish(new Error(`coordinator exited\n${stderr}`));
        else if (match(line)) finish(line);
      };
      function finish(result: LogLine | Error): void {
        clearTimeout(timer);
        waiters.delete(waiter);
        if (result instanceof Error) fail(result);
        else ok(result);
      }
      waiters.add(waiter);
    });
  const listening = await waitForLog((l) => l.msg === 'coordinator listening', 60_000);
  return {
    process: child,
    url: String(listening.url),
    logs,
    waitForLog,
    async kill(signal) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}

/** A coordinator in this process on 127.0.0.1:0 with the fixed secrets and `overrides`. */
export async function startInProcess(
  overrides: CoordinatorConfigInput = {},
): Promise<Coordinator & { dataDir: string }> {
  const dataDir = tempDir('coord');
  const config = loadConfig({
    overrides: {
      ...overrides,
      server: { port: 0, ...overrides.server },
      store: { kind: 'sqlite', dataDir },
      auth: { adminToken: ADMIN_TOKEN, tokenSecret: TOKEN_SECRET },
      log: { level: 'silent' },
    },
  });
  const coordinator = await createCoordinator({ config, logger: silentLogger() });
  await coordinator.listen();
  return Object.assign(coordinator, { dataDir });
}

/** Calls the REST API with the admin token (or `token`, or none when null). */
export async function api<T>(
  url: string,
  path: string,
  init: { method?: string; body?: unknown; token?: string | null } = {},
): Promise<{ status: number; body: T }> {
  const token = init.token === undefined ? ADMIN_TOKEN : init.token;
  const res = await fetch(`${url}${path}`, {
    method: init.method ?? 'GET',
    headers: {
      'content-type': 'application/json',
      ...(token === null ? {} : { authorization: `Bearer ${token}` }),
    },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
  const text = await res.text();
  return { status: res.status, body: (text === '' ? undefined : JSON.parse(text)) as T };
}

/** Creates a run over REST and returns its id. */
export async function createRun(url: string, config: Record<string, unknown>): Promise<string> {
  const res = await api<{ id: string }>(url, '/api/runs', { method: 'POST', body: { config } });
  if (res.status !== 201) throw new Error(`create run: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.id;
}

let mnistCache: Dataset | undefined;

/** `count` real trainer engines on IID shards of the first `examples` MNIST training images. */
export async function mnistEngines(count: number, examples = 300): Promise<LocalTrainingEngine[]> {
  mnistCache ??= await loadDataset('mnist', 'train', { limit: 2000 });
  const train = mnistCache;
  const partition = partitionIid(Math.min(examples, train.size), { numClients: count, seed: 7 });
  const engines: LocalTrainingEngine[] = [];
  for (let c = 0; c < count; c++) {
    const indices = partition.indices.subarray(partition.offsets[c], partition.offsets[c + 1]);
    const split = createDataSource(train, { indices }).split(0.2, 11 + c);
    engines.push(await createTrainerEngine({ train: split.train, test: split.heldOut }));
  }
  return engines;
}

/** Participants over `engines`, reconnecting fast (50-400 ms backoff). */
export async function startParticipants(
  url: string,
  token: string,
  engines: readonly LocalTrainingEngine[],
): Promise<Participant[]> {
  const out: Participant[] = [];
  for (const engine of engines) {
    out.push(
      await createParticipant({
        url,
        token,
        engine,
        transports: ['websocket'],
        deviceClass: 'virtual',
        reconnect: { initialDelayMs: 50, maxDelayMs: 400 },
      }),
    );
  }
  return out;
}

/** Resolves with the first value of participant event `event` that satisfies `match`. */
export function nextParticipantEvent<K extends keyof ParticipantEventMap>(
  p: Participant,
  event: K,
  match: (value: ParticipantEventMap[K]) => boolean = () => true,
): Promise<ParticipantEventMap[K]> {
  return new Promise((ok) => {
    const off = p.on(event, (value) => {
      if (match(value)) {
        off();
        ok(value);
      }
    });
  });
}
