/**
 * The one place the tests start a real `redis-server` (Debian's `redis-server` package; the
 * test set-up `tests/setup/provision.ts` installs it when it can). {@link startRedis} runs one
 * on a free loopback port in a fresh temporary directory with persistence off
 * (`--save '' --appendonly no`), waits until it accepts connections, and returns its URL with
 * `stop` (SHUTDOWN NOSAVE semantics: SIGTERM, wait for exit, remove the directory) and `kill`
 * (SIGKILL: a crashed Redis, for failure tests). Never skips: a missing binary throws with
 * the fix in the message.
 *
 * Lookup order: `EDGEFED_REDIS_SERVER` (a path to the binary), `/usr/bin/redis-server`,
 * `/usr/local/bin/redis-server`, then `redis-server` on `PATH`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

/** The environment variable that points the tests at a `redis-server` binary. */
export const REDIS_ENV = 'EDGEFED_REDIS_SERVER';

/** How to get Redis when it is missing (the set-up prints this). */
export const REDIS_HINT =
  "install Debian's `redis-server` (`apt-get install redis-server`) or set EDGEFED_REDIS_SERVER " +
  'to a redis-server binary (Redis 6.2 or newer)';

const CANDIDATES = ['/usr/bin/redis-server', '/usr/local/bin/redis-server'];

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Finds the redis-server binary; `found: false` when there is none. */
export function findRedisServer(): { found: true; path: string } | { found: false } {
  const fromEnv = process.env[REDIS_ENV];
  if (fromEnv !== undefined && fromEnv !== '')
    return executable(fromEnv) ? { found: true, path: fromEnv } : { found: false };
  const onPath = (process.env.PATH ?? '').split(delimiter).map((d) => join(d, 'redis-server'));
  const path = [...CANDIDATES, ...onPath].find(executable);
  return path === undefined ? { found: false } : { found: true, path };
}

/** A running test Redis. */
export interface TestRedis {
  /** `redis://127.0.0.1:PORT`. */
  readonly url: string;
  readonly port: number;
  /** Stops the server (SIGTERM), waits for it to exit and removes its directory. Idempotent. */
  stop(): Promise<void>;
  /** Kills the server at once (SIGKILL), waits for the exit and removes its directory. Idempotent. */
  kill(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/** Resolves once a TCP connection to the port succeeds; rejects when the child exits first. */
async function waitForPort(port: number, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`redis-server exited with status ${child.exitCode}`);
    const ok = await new Promise<boolean>((resolve) => {
      const c = connect(port, '127.0.0.1');
      c.once('connect', () => {
        c.destroy();
        resolve(true);
      });
      c.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline)
      throw new Error(`redis-server did not listen on port ${port} within ${timeoutMs} ms`);
    await new Promise<void>((r) => setTimeout(r, 20));
  }
}

/** Starts a fresh redis-server on a free loopback port in a temporary directory. */
export async function startRedis(): Promise<TestRedis> {
  const bin = findRedisServer();
  if (!bin.found) throw new Error(`redis-server not found: ${REDIS_HINT}`);
  const dir = mkdtempSync(join(tmpdir(), 'edgefed-redis-'));
  const port = await freePort();
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
  args.push('--dir', dir, '--daemonize', 'no', '--loglevel', 'warning', '--protected-mode', 'yes');
  const child = spawn(bin.path, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-2000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const end = async (signal: NodeJS.Signals): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await exited;
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitForPort(port, child, 10_000);
  } catch (err) {
    await end('SIGKILL');
    throw new Error(`${err instanceof Error ? err.message : String(err)}\n${stderr}`, { cause: err });
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    stop: () => end('SIGTERM'),
    kill: () => end('SIGKILL'),
  };
}
