/**
 * Starts a fleet worker thread from a module URL. A `.ts` module (development: the CLI runs
 * under `node --conditions=@edgefed/source --import tsx`, tests under vitest) is loaded
 * through a small bootstrap that registers tsx inside the worker, since `--import` hooks are
 * not inherited by worker threads on Node 20; built `.js` modules load directly. Node
 * modules are imported on call, so browser bundles of @edgefed/client never include them.
 */
import type { ResourceLimits, Worker } from 'node:worker_threads';

const SOURCE_CONDITION = '--conditions=@edgefed/source';

/** Options of {@link spawnModuleWorker}. */
export interface SpawnWorkerOptions {
  /** Extra resource limits (e.g. a heap cap) for the worker. */
  readonly resourceLimits?: ResourceLimits;
}

/** The tsx ESM API entry as a file URL (its ESM build; the CJS one breaks in eval workers). */
async function tsxApiUrl(): Promise<string> {
  const { createRequire } = await import('node:module');
  const { pathToFileURL } = await import('node:url');
  const require = createRequire(import.meta.url);
  return pathToFileURL(require.resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs')).href;
}

/**
 * A worker running `moduleUrl`. Throws `Error` from Node for a missing file only once the
 * worker starts (listen for `error`). TypeScript modules need the `tsx` package installed.
 */
export async function spawnModuleWorker(moduleUrl: URL, options: SpawnWorkerOptions = {}): Promise<Worker> {
  const { Worker } = await import('node:worker_threads');
  const limits = options.resourceLimits === undefined ? {} : { resourceLimits: options.resourceLimits };
  if (!moduleUrl.pathname.endsWith('.ts')) return new Worker(moduleUrl, { ...limits });
  const code = [
    `import(${JSON.stringify(await tsxApiUrl())})`,
    `.then((tsx) => { tsx.register(); return import(${JSON.stringify(moduleUrl.href)}); })`,
    '.catch((e) => { setImmediate(() => { throw e; }); });',
  ].join('');
  // The parent's execArgv is not reused: under vitest or tsx it names loaders that do not
  // apply to an eval worker. Sources resolve through the `@edgefed/source` condition; the
  // parent's `--cpu-prof*` flags are passed on so `node --cpu-prof` profiles workers too.
  const profiling = process.execArgv.filter((a) => a.startsWith('--cpu-prof'));
  return new Worker(code, { eval: true, execArgv: [SOURCE_CONDITION, ...profiling], ...limits });
}
