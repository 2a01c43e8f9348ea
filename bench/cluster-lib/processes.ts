/**
 * Helpers shared by the cluster benches (cluster, cluster-rounds, cluster-failover,
 * cluster-chaos): free ports, the admin REST API of a node, polling, child processes with
 * their own descriptor limit, a child's CPU time from /proc, and stopping a child.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { resolve } from 'node:path';

/** The repository root (children run there). */
export const ROOT = resolve(import.meta.dirname, '../..');
const CLK_TCK = 100; // Linux USER_HZ

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A TCP port free on 127.0.0.1 now. */
export function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => ok(typeof a === 'object' && a !== null ? a.port : 0));
    });
  });
}

/** A caller of a node's REST API with `adminToken`: GET without a body, POST with one (10 s limit). */
export function adminApi(adminToken: string) {
  return async <T>(url: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${url}${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(10_000),
    });
    if (!res.ok) throw new Error(`${path}: ${String(res.status)} ${await res.text()}`);
    return (await res.json()) as T;
  };
}

/** Calls `check` every `intervalMs` until it returns a value (errors count as none). */
export async function poll<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs = 60_000,
  intervalMs = 20,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await sleep(intervalMs);
  }
}

/** Spawns `args` (argv, first the executable) in ROOT with `ulimit -n limit` for that child only. */
export function spawnLimited(limit: number, args: readonly string[], env: NodeJS.ProcessEnv): ChildProcess {
  const quoted = args.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  return spawn('sh', ['-c', `ulimit -n ${String(limit)} && exec ${quoted}`], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** The URL an `edgefed serve` child prints once it listens (stderr); rejects if it exits first. */
export function coordinatorUrl(
  proc: ChildProcess,
  timeoutMs = 120_000,
): Promise<{ url: string; pid: number }> {
  return new Promise((ok, fail) => {
    let log = '';
    const timer = setTimeout(() => fail(new Error(`coordinator did not start: ${log}`)), timeoutMs);
    proc.stderr?.on('data', (chunk: Buffer) => {
      log = (log + chunk.toString()).slice(-4000);
      const m = /edgefed coordinator at (\S+)/.exec(log);
      if (m?.[1] !== undefined && proc.pid !== undefined) {
        clearTimeout(timer);
        ok({ url: m[1], pid: proc.pid });
      }
    });
    proc.once('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`coordinator exited with ${String(code)}: ${log}`));
    });
  });
}

/** utime + stime of a process, in seconds. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${String(pid)}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}

/** SIGTERM, then SIGKILL after 10 s; resolves once the child has exited. */
export function stop(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
  return new Promise((ok) => {
    const kill = setTimeout(() => proc.kill('SIGKILL'), 10_000);
    proc.once('exit', () => {
      clearTimeout(kill);
      ok();
    });
    proc.kill('SIGTERM');
  });
}
