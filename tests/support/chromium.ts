/**
 * The one place the tests find and launch Chromium. Every browser harness calls
 * {@link launchChromium}; the test set-up (`tests/setup/provision.ts`) calls
 * {@link findChromium} before any test starts and installs Debian's `chromium` when it can.
 *
 * Lookup order: the `EDGEFED_CHROMIUM` environment variable (a path to the binary), then the
 * usual install locations on Debian/Ubuntu, Fedora, Arch and macOS, then `chromium`,
 * `chromium-browser`, `google-chrome-stable` and `google-chrome` on `PATH`. Never downloads
 * a browser (playwright's own download is not used).
 */
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';

/** The environment variable that points the tests at a Chromium (or Chrome) binary. */
export const CHROMIUM_ENV = 'EDGEFED_CHROMIUM';

/** Well-known install locations, tried in order after {@link CHROMIUM_ENV}. */
export const CHROMIUM_CANDIDATES: readonly string[] = [
  '/usr/bin/chromium', // Debian
  '/usr/bin/chromium-browser', // Ubuntu, Fedora
  '/usr/lib/chromium/chromium', // Debian's real binary behind the wrapper
  '/usr/lib64/chromium-browser/chromium-browser', // Fedora
  '/snap/bin/chromium',
  '/usr/bin/google-chrome-stable',
  '/usr/bin/google-chrome',
  '/Applications/Chromium.app/Contents/MacOS/Chromium',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
];

const PATH_NAMES = ['chromium', 'chromium-browser', 'google-chrome-stable', 'google-chrome'];

/** Headless flags every harness uses; WebGPU (SwiftShader on a CPU) needs `--enable-unsafe-webgpu`. */
export const CHROMIUM_FLAGS: readonly string[] = [
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** Where the lookup found the browser, or what it tried. */
export type ChromiumLookup =
  | { readonly found: true; readonly path: string; readonly source: 'env' | 'known-path' | 'PATH' }
  | { readonly found: false; readonly tried: readonly string[]; readonly reason: string };

/**
 * Finds a Chromium binary (see the module comment for the order). A set but unusable
 * `EDGEFED_CHROMIUM` is reported as not found (it is never silently ignored).
 */
export function findChromium(env: NodeJS.ProcessEnv = process.env): ChromiumLookup {
  const fromEnv = env[CHROMIUM_ENV];
  if (fromEnv !== undefined && fromEnv !== '') {
    return isExecutable(fromEnv)
      ? { found: true, path: fromEnv, source: 'env' }
      : { found: false, tried: [fromEnv], reason: `${CHROMIUM_ENV}=${fromEnv} is not an executable file` };
  }
  for (const p of CHROMIUM_CANDIDATES)
    if (isExecutable(p)) return { found: true, path: p, source: 'known-path' };
  const dirs = (env.PATH ?? '').split(delimiter).filter((d) => d !== '');
  const tried = [...CHROMIUM_CANDIDATES];
  for (const name of PATH_NAMES) {
    for (const dir of dirs) {
      const p = join(dir, name);
      tried.push(p);
      if (isExecutable(p)) return { found: true, path: p, source: 'PATH' };
    }
  }
  return { found: false, tried, reason: 'no Chromium or Chrome binary found' };
}

/** How to fix a missing browser, for error messages. */
export const CHROMIUM_HINT =
  `install Chromium (Debian/Ubuntu: \`apt-get install chromium\`; Fedora: \`dnf install chromium\`; ` +
  `macOS: \`brew install --cask chromium\`) or set ${CHROMIUM_ENV}=/path/to/chromium`;

/** The binary the tests use; throws with {@link CHROMIUM_HINT} when there is none. */
export function chromiumPath(): string {
  const r = findChromium();
  if (!r.found) throw new Error(`Chromium is needed by the browser tests: ${r.reason}; ${CHROMIUM_HINT}`);
  return r.path;
}

/** Options of {@link launchChromium}. */
export interface LaunchOptions {
  /** Adds `--enable-unsafe-webgpu` (a real WebGPU adapter, SwiftShader on a CPU). Default true. */
  readonly webgpu?: boolean;
}

/** Launches headless Chromium from {@link chromiumPath}. */
export function launchChromium(options: LaunchOptions = {}): Promise<Browser> {
  const args = [...CHROMIUM_FLAGS, ...(options.webgpu === false ? [] : ['--enable-unsafe-webgpu'])];
  return chromium.launch({ executablePath: chromiumPath(), args });
}
