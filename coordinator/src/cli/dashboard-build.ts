/**
 * Makes sure the dashboard page exists before `edgefed serve` / `edgefed demo` start. A
 * published package ships it prebuilt (`dist-web/`, built by `prepack`); a clone builds it
 * here once, with the Vite that `npm install` brought (about a second), so the README's serve
 * command gives the dashboard without a separate build step. When Vite is not installed the
 * coordinator still runs and `/` answers 503 with the build command.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BUILD_WEB_COMMAND, DEFAULT_DASHBOARD_DIR } from '../admin/dashboard-static.js';

/** What {@link ensureDashboardBuilt} found or did. */
export type DashboardBuildResult =
  | { readonly status: 'present' | 'built'; readonly dir: string }
  | { readonly status: 'unavailable'; readonly dir: string; readonly reason: string };

/** Options of {@link ensureDashboardBuilt}. */
export interface EnsureDashboardOptions {
  /** Output folder (default: the folder the coordinator serves). */
  readonly dir?: string;
  /** Progress lines (default: stderr). */
  readonly log?: (line: string) => void;
}

const VITE_CONFIG = fileURLToPath(new URL('../../vite.config.ts', import.meta.url));

function viteBin(): string | undefined {
  try {
    // vite's `exports` do not list its bin, so go through package.json.
    return join(dirname(createRequire(import.meta.url).resolve('vite/package.json')), 'bin', 'vite.js');
  } catch {
    return undefined;
  }
}

/**
 * Builds the page into `dir` when `dir/index.html` is missing. Never throws: a failed or
 * impossible build is reported as `unavailable` with the reason (and the coordinator's `/`
 * then says how to build it).
 */
export function ensureDashboardBuilt(o: EnsureDashboardOptions = {}): DashboardBuildResult {
  const dir = o.dir ?? DEFAULT_DASHBOARD_DIR;
  const log = o.log ?? ((line: string) => void process.stderr.write(`${line}\n`));
  if (existsSync(`${dir}/index.html`)) return { status: 'present', dir };
  const vite = viteBin();
  if (vite === undefined || !existsSync(VITE_CONFIG)) {
    const reason = `the dashboard is not built and Vite is not installed; run ${BUILD_WEB_COMMAND}`;
    log(`edgefed: ${reason}`);
    return { status: 'unavailable', dir, reason };
  }
  log('edgefed: building the dashboard once (vite build) ...');
  const r = spawnSync(
    process.execPath,
    [vite, 'build', '--config', VITE_CONFIG, '--outDir', dir, '--logLevel', 'error'],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
      encoding: 'utf8',
    },
  );
  if (r.status !== 0 || !existsSync(`${dir}/index.html`)) {
    const reason = `vite build failed (${r.stderr.trim().split('\n').at(-1) ?? `exit ${String(r.status)}`}); run ${BUILD_WEB_COMMAND}`;
    log(`edgefed: ${reason}`);
    return { status: 'unavailable', dir, reason };
  }
  return { status: 'built', dir };
}
