/**
 * Reads one IDX file from disk, gunzipping it when it starts with the gzip magic.
 */
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { EdgefedError } from '@edgefed/shared';

const gunzipAsync = promisify(gunzip);

/**
 * The decompressed bytes of `path`. Gzip is detected by content (bytes 1f 8b), not by
 * name. Throws `NOT_FOUND` (with `installHint` in the message) when the file or its
 * directory is missing, `CORRUPT_PAYLOAD` for a damaged gzip stream, and `UNAVAILABLE`
 * for other read errors (permissions, I/O).
 */
export async function readIdxFile(path: string, installHint: string): Promise<Uint8Array> {
  let raw: Uint8Array;
  try {
    raw = await readFile(path);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new EdgefedError('NOT_FOUND', `Dataset file ${path} not found; ${installHint}`, {
        cause: error,
        details: { path },
      });
    }
    throw new EdgefedError('UNAVAILABLE', `Cannot read ${path}`, { cause: error, details: { path } });
  }
  if (raw[0] !== 0x1f || raw[1] !== 0x8b) return raw;
  try {
    return await gunzipAsync(raw);
  } catch (error) {
    throw new EdgefedError('CORRUPT_PAYLOAD', `${path} is not a valid gzip file`, {
      cause: error,
      details: { path },
    });
  }
}
