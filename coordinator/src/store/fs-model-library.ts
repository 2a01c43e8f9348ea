/**
 * The durable ModelLibrary backend: a model's bytes go to the coordinator's BlobStore
 * (content-addressed, fsynced) and its entry to `<dir>/<hex>.json`, written to a temp file,
 * fsynced and renamed into place (then the directory fsynced), so an upload that `add`
 * acknowledged survives a restart or crash. An entry whose blob is missing or corrupt is
 * skipped on open (logged by the caller through `onSkipped`), never served.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { BlobStore } from './blob-store.js';
import { openModelLibrary, type ModelEntry, type ModelLibrary } from './model-library.js';

/** Options of {@link openFsModelLibrary}. */
export interface FsModelLibraryOptions {
  /** Directory of the entries (created if missing), e.g. `<dataDir>/models`. */
  readonly dir: string;
  /** Where the ONNX bytes live (the coordinator's blob store). */
  readonly blobs: BlobStore;
  /** Told about entries that could not be loaded. */
  readonly onSkipped?: (file: string, error: unknown) => void;
}

const ENTRY = /^[0-9a-f]{64}\.json$/;

async function syncPath(path: string): Promise<void> {
  const h = await open(path, 'r');
  try {
    await h.sync();
  } finally {
    await h.close();
  }
}

async function writeDurably(dir: string, name: string, text: string): Promise<void> {
  const tmp = join(dir, `.tmp-${randomBytes(6).toString('hex')}`);
  const h = await open(tmp, 'w');
  try {
    await h.writeFile(text);
    await h.sync();
  } finally {
    await h.close();
  }
  try {
    await rename(tmp, join(dir, name));
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
  await syncPath(dir);
}

/** Opens the file-backed library (loads every entry and its bytes). */
export async function openFsModelLibrary(o: FsModelLibraryOptions): Promise<ModelLibrary> {
  await mkdir(o.dir, { recursive: true });
  return openModelLibrary({
    load: async (known) => {
      const out: { entry: ModelEntry; bytes: Uint8Array }[] = [];
      const files = (await readdir(o.dir)).filter(
        (f) => ENTRY.test(f) && known?.has(`sha256:${f.slice(0, 64)}`) !== true,
      );
      for (const file of files.sort()) {
        try {
          const entry = JSON.parse(await readFile(join(o.dir, file), 'utf8')) as ModelEntry;
          out.push({ entry, bytes: await o.blobs.get(file.slice(0, 64)) });
        } catch (err) {
          o.onSkipped?.(file, err);
        }
      }
      return out;
    },
    save: async (entry, bytes) => {
      await o.blobs.put(bytes);
      await writeDurably(o.dir, `${entry.hash.slice(7)}.json`, JSON.stringify(entry));
      return undefined;
    },
  });
}
