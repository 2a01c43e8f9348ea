/**
 * A real, throw-away PostgreSQL server for tests. {@link startPostgres} runs `initdb` in a
 * fresh temporary directory, starts `postgres` on a free loopback port (TCP on 127.0.0.1
 * only, trust authentication, fsync off: fast, and never anything to keep), and returns
 * its URL. `stop()` shuts the server down and removes the directory; a process-exit hook
 * does the same if a test run ends without calling it. `initdb` runs once per machine
 * (binaries and user): its result is kept as a template under the temp directory and
 * copied for each server, so a start takes well under a second after the first.
 *
 * PostgreSQL refuses to run as root: when this process is root, the binaries run as the
 * `postgres` system user (Debian's package creates it; the temp directory is chowned to
 * it). Binaries are found in `EDGEFED_PG_BIN` (a directory), then on `PATH`, then in
 * `/usr/lib/postgresql/<newest>/bin` (Debian/Ubuntu). `tests/setup/provision.ts`
 * installs Debian's `postgresql` when they are missing.
 *
 * Typical use, one server per test file:
 * ```ts
 * let pg: PostgresServer;
 * beforeAll(async () => { pg = await startPostgres(); });
 * afterAll(() => pg.stop());
 * const url = await pg.createDatabase(); // a fresh, empty database per case
 * ```
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { accessSync, chownSync, constants, existsSync, readdirSync, rmSync } from 'node:fs';
import { mkdtemp, rename, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { promisify } from 'node:util';
import { delimiter, join } from 'node:path';
import pg from 'pg';

/** The environment variable naming a directory that holds `initdb` and `postgres`. */
export const POSTGRES_BIN_ENV = 'EDGEFED_PG_BIN';

/** What the provisioning step tells a user who lacks PostgreSQL. */
export const POSTGRES_HINT =
  "install Debian's `postgresql` (`apt-get install postgresql`; the tests start their own server " +
  `in a temp directory) or set ${POSTGRES_BIN_ENV} to a directory holding initdb and postgres`;

/** A running test server; see the file comment. */
export interface PostgresServer {
  /** `postgres://postgres@127.0.0.1:<port>/postgres` (the maintenance database). */
  readonly url: string;
  /**
   * Creates an empty database and returns its URL. `name` (lower-case letters, digits,
   * `_`) defaults to a fresh `db_<n>`; an existing name fails.
   */
  createDatabase(name?: string): Promise<string>;
  /** Stops the server and removes its directory. Idempotent. */
  stop(): Promise<void>;
}

const executable = (path: string): boolean => {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

/** The directory holding `initdb` and `postgres`, or undefined when there is none. */
export function findPostgresBin(): string | undefined {
  const debian = (() => {
    try {
      const versions = readdirSync('/usr/lib/postgresql').filter((v) => /^\d+$/.test(v));
      return versions.sort((a, b) => Number(b) - Number(a)).map((v) => `/usr/lib/postgresql/${v}/bin`);
    } catch {
      return [];
    }
  })();
  const candidates = [
    ...(process.env[POSTGRES_BIN_ENV] === undefined ? [] : [process.env[POSTGRES_BIN_ENV]]),
    ...(process.env.PATH ?? '').split(delimiter).filter((d) => d !== ''),
    ...debian,
  ];
  return candidates.find((d) => executable(join(d, 'initdb')) && executable(join(d, 'postgres')));
}

/** uid/gid of the `postgres` user when we are root (PostgreSQL refuses root), else undefined. */
function serverUser(): { uid: number; gid: number } | undefined {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return undefined;
  try {
    const id = (flag: string): number => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }));
    return { uid: id('-u'), gid: id('-g') };
  } catch (error) {
    throw new Error('Running as root, and there is no `postgres` user to run PostgreSQL as', {
      cause: error,
    });
  }
}

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  if (address === null || typeof address === 'string') throw new Error('no TCP port');
  return address.port;
}

/** Runs a binary to completion (as `user`), failing with its output. */
async function runTool(path: string, args: string[], user: ReturnType<typeof serverUser>): Promise<void> {
  const child = spawn(path, args, { stdio: ['ignore', 'pipe', 'pipe'], ...user, env: toolEnv() });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`${path} failed (exit ${code}):\n${output}`);
}

/**
 * A cluster made by `initdb` once and kept under the temp directory (keyed by the binaries
 * and the user), built in a private directory and renamed into place so that concurrent
 * test files never see half of one.
 */
async function template(bin: string, user: ReturnType<typeof serverUser>): Promise<string> {
  const key = createHash('sha256')
    .update(`${bin}:${user?.uid ?? process.getuid?.() ?? ''}`)
    .digest('hex');
  const path = join(tmpdir(), `edgefed-pg-template-${key.slice(0, 16)}`);
  if (existsSync(join(path, 'PG_VERSION'))) return path;
  const build = await mkdtemp(`${path}.build-`);
  try {
    if (user !== undefined) chownSync(build, user.uid, user.gid);
    const initArgs = ['-D', build, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C', '-N'];
    await runTool(join(bin, 'initdb'), initArgs, user);
    await rename(build, path);
  } catch (error) {
    await rm(build, { recursive: true, force: true });
    if (existsSync(join(path, 'PG_VERSION'))) return path; // another process won the race
    throw error;
  }
  return path;
}

/** Copies a data directory keeping owners and modes (PostgreSQL insists on 0700). */
async function copyTree(from: string, to: string): Promise<void> {
  await promisify(execFile)('cp', ['-a', from, to]);
}

const toolEnv = (): NodeJS.ProcessEnv => ({ PATH: process.env.PATH, LC_ALL: 'C', TZ: 'UTC' });

/** Resolves once the server logs that it accepts connections; rejects if it exits first. */
async function waitReady(child: ChildProcess, timeoutMs: number): Promise<void> {
  let log = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      fail(new Error(`PostgreSQL did not start within ${timeoutMs} ms:\n${log}`));
    }, timeoutMs);
    const fail = (error: Error): void => {
      clearTimeout(timer);
      reject(error);
    };
    child.stderr?.on('data', (chunk: Buffer) => {
      log += chunk.toString();
      if (log.includes('ready to accept connections')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      fail(new Error(`PostgreSQL exited (code ${code}) before it was ready:\n${log}`));
    });
  });
}

const SERVER_SETTINGS = [
  'listen_addresses=127.0.0.1',
  'fsync=off',
  'synchronous_commit=off',
  'full_page_writes=off',
  'max_connections=200',
  'shared_buffers=32MB',
  'log_min_messages=warning',
];

/** Options of {@link startPostgres}. */
export interface StartPostgresOptions {
  /** How long to wait for the server to accept connections (default 20 s). */
  readonly timeoutMs?: number;
  /** Keep fsync and synchronous commit on, as in production (for benchmarks; default false). */
  readonly durable?: boolean;
}

/** Starts a fresh PostgreSQL; see the file comment. Rejects (cleaning up) if it cannot. */
export async function startPostgres(options: StartPostgresOptions = {}): Promise<PostgresServer> {
  const bin = findPostgresBin();
  if (bin === undefined) throw new Error(`PostgreSQL not found: ${POSTGRES_HINT}`);
  const user = serverUser();
  const dir = await mkdtemp(join(tmpdir(), 'edgefed-pg-'));
  const data = join(dir, 'data');
  let child: ChildProcess | undefined;
  const onExit = (): void => {
    child?.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', onExit);
  try {
    if (user !== undefined) chownSync(dir, user.uid, user.gid);
    await copyTree(await template(bin, user), data);
    const port = await freePort();
    const durable =
      options.durable === true ? ['fsync=on', 'synchronous_commit=on', 'full_page_writes=on'] : [];
    const settings = [...SERVER_SETTINGS, ...durable, `unix_socket_directories=${dir}`].flatMap((s) => [
      '-c',
      s,
    ]);
    child = spawn(join(bin, 'postgres'), ['-D', data, '-p', String(port), ...settings], {
      stdio: ['ignore', 'ignore', 'pipe'],
      ...user,
      env: toolEnv(),
    });
    await waitReady(child, options.timeoutMs ?? 20_000);
    return serverHandle(child, dir, `postgres://postgres@127.0.0.1:${port}/postgres`, onExit);
  } catch (error) {
    process.off('exit', onExit);
    child?.kill('SIGKILL');
    if (child !== undefined && child.exitCode === null) await once(child, 'exit');
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

function serverHandle(child: ChildProcess, dir: string, url: string, onExit: () => void): PostgresServer {
  let count = 0;
  let stopping: Promise<void> | undefined;
  return {
    url,
    async createDatabase(name = `db_${++count}`) {
      if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`Bad database name ${name}`);
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${name}`);
      } finally {
        await client.end();
      }
      return url.replace(/\/postgres$/, `/${name}`);
    },
    stop() {
      stopping ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) {
          const exited = once(child, 'exit');
          child.kill('SIGINT'); // "fast" shutdown: disconnects clients, no checkpoint wait for them
          const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
          await exited;
          clearTimeout(timer);
        }
        process.off('exit', onExit);
        await rm(dir, { recursive: true, force: true });
      })();
      return stopping;
    },
  };
}
