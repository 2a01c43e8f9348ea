/**
 * The file a centralized text-parity run hands to PyTorch (bench/baselines/text_parity.py):
 * everything both sides must share, taken from edgefed's own data pipeline and
 * initialisation, so the two trainings differ only in the engine.
 *
 * Layout (little-endian): the 8 bytes `EFPAR01\n`, a uint32 header length, the header
 * (UTF-8 JSON, {@link ParityHeader}), zero padding to a multiple of 4, then the arrays the
 * header lists, each at its `offset` (bytes from the start of the data block) and each a
 * multiple of 4 bytes long:
 * - `train_x`, `train_y`: int32 `[steps * batch, T]`, the training windows in the exact
 *   order they are trained on (batch `s` = rows `s*B .. s*B+B-1`); y = -1 is ignored.
 * - `test_x`, `test_y`: int32 `[n, T]`, the held-out windows.
 * - one float32 array per parameter, under its edgefed name (PyTorch's layout: LSTM gate
 *   order i, f, g, o; Linear weight `[out, in]`), holding the initial values.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { EdgefedError, type ModelSpec } from '@edgefed/shared';

/** The file's first bytes. */
export const PARITY_MAGIC = 'EFPAR01\n';

/** Where one array lies in the data block. */
export interface ParityArray {
  readonly name: string;
  readonly dtype: 'int32' | 'float32';
  readonly shape: readonly number[];
  readonly offset: number;
}

/** The JSON header. */
export interface ParityHeader {
  readonly format: 1;
  /** The edgefed preset name (`char-lstm`, `char-transformer`). */
  readonly model: string;
  readonly spec: ModelSpec;
  readonly vocabularySize: number;
  readonly sequenceLength: number;
  readonly batchSize: number;
  readonly steps: number;
  readonly optimizer: { readonly type: 'adam' | 'sgd'; readonly lr: number };
  readonly seed: number;
  /** How the windows were chosen (documentation only; the arrays are the truth). */
  readonly data: Readonly<Record<string, unknown>>;
  readonly arrays: readonly ParityArray[];
}

/** One array of a parity file. */
export type ParityData = Int32Array | Float32Array;

/** What {@link writeParityFile} takes and {@link readParityFile} returns. */
export interface ParityFile {
  readonly header: Omit<ParityHeader, 'arrays' | 'format'>;
  /** Arrays by name with their shapes (the data length must match the shape). */
  readonly arrays: ReadonlyMap<string, { readonly shape: readonly number[]; readonly data: ParityData }>;
}

const size = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** Encodes a parity file (see the file comment). Throws `SHAPE_MISMATCH` for an array whose length does not match its shape. */
export function encodeParityFile(f: ParityFile): Uint8Array {
  const arrays: ParityArray[] = [];
  let offset = 0;
  for (const [name, a] of f.arrays) {
    if (a.data.length !== size(a.shape))
      throw new EdgefedError(
        'SHAPE_MISMATCH',
        `${name}: ${a.data.length} values for shape [${a.shape.join(', ')}]`,
      );
    arrays.push({ name, dtype: a.data instanceof Int32Array ? 'int32' : 'float32', shape: a.shape, offset });
    offset += a.data.length * 4;
  }
  const header: ParityHeader = { format: 1, ...f.header, arrays };
  const json = new TextEncoder().encode(JSON.stringify(header));
  const start = Math.ceil((8 + 4 + json.length) / 4) * 4;
  const out = new Uint8Array(start + offset);
  out.set(new TextEncoder().encode(PARITY_MAGIC), 0);
  new DataView(out.buffer).setUint32(8, json.length, true);
  out.set(json, 12);
  for (const a of arrays) {
    const data = f.arrays.get(a.name)?.data;
    if (data === undefined) continue;
    out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), start + a.offset);
  }
  return out;
}

/** Decodes a parity file. Throws `CORRUPT_PAYLOAD` for anything that is not one. */
export function decodeParityFile(bytes: Uint8Array): ParityFile {
  const magic = new TextDecoder().decode(bytes.subarray(0, 8));
  if (bytes.length < 12 || magic !== PARITY_MAGIC)
    throw new EdgefedError('CORRUPT_PAYLOAD', 'not an edgefed parity file (bad magic)');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const len = view.getUint32(8, true);
  if (12 + len > bytes.length) throw new EdgefedError('CORRUPT_PAYLOAD', 'parity file header is truncated');
  let raw: { readonly format?: unknown; readonly arrays?: unknown };
  try {
    raw = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + len))) as typeof raw;
  } catch (e) {
    throw new EdgefedError('CORRUPT_PAYLOAD', `parity file header is not JSON: ${String(e)}`, { cause: e });
  }
  if (raw.format !== 1 || !Array.isArray(raw.arrays))
    throw new EdgefedError('CORRUPT_PAYLOAD', `unsupported parity file format ${String(raw.format)}`);
  const header = raw as ParityHeader;
  const start = Math.ceil((12 + len) / 4) * 4;
  const arrays = new Map<string, { shape: readonly number[]; data: ParityData }>();
  for (const a of header.arrays) {
    const n = size(a.shape);
    const from = start + a.offset;
    if (from + n * 4 > bytes.length)
      throw new EdgefedError('CORRUPT_PAYLOAD', `parity file array ${a.name} is truncated`);
    const copy = bytes.slice(from, from + n * 4);
    const data = a.dtype === 'int32' ? new Int32Array(copy.buffer) : new Float32Array(copy.buffer);
    arrays.set(a.name, { shape: a.shape, data });
  }
  const { arrays: _listed, format: _format, ...rest } = header;
  return { header: rest, arrays };
}

/** Writes {@link encodeParityFile}'s bytes to `path`. */
export async function writeParityFile(path: string, f: ParityFile): Promise<void> {
  await writeFile(path, encodeParityFile(f));
}

/** Reads a parity file written by {@link writeParityFile}. */
export async function readParityFile(path: string): Promise<ParityFile> {
  return decodeParityFile(new Uint8Array(await readFile(path)));
}
