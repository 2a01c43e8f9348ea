/**
 * The binary format of one simulated user's MNIST shard, as the example's server sends it
 * to the page (only to simulate data that would already be on the user's device):
 * a 16-byte header (magic `EFSH`, count, rows, cols as little-endian u32), then
 * `count * rows * cols` pixel bytes, then `count` label bytes.
 */
import { EdgefedError, createDataset, type Dataset } from '@edgefed/shared';

/** `EFSH` as a little-endian u32. */
export const SHARD_MAGIC = 0x48534645;
const HEADER = 16;

/** Encodes examples (pixels in [0, 255], labels 0-9). Throws `SHAPE_MISMATCH` on bad lengths. */
export function encodeShard(pixels: Uint8Array, labels: Uint8Array, rows = 28, cols = 28): Uint8Array {
  const count = labels.length;
  if (pixels.length !== count * rows * cols)
    throw new EdgefedError(
      'SHAPE_MISMATCH',
      `${pixels.length} pixels for ${count} examples of ${rows}x${cols}`,
    );
  const out = new Uint8Array(HEADER + pixels.length + count);
  const view = new DataView(out.buffer);
  view.setUint32(0, SHARD_MAGIC, true);
  view.setUint32(4, count, true);
  view.setUint32(8, rows, true);
  view.setUint32(12, cols, true);
  out.set(pixels, HEADER);
  out.set(labels, HEADER + pixels.length);
  return out;
}

/** The pixel bytes of an encoded shard (a view, no copy). */
export function shardPixels(bytes: Uint8Array): Uint8Array {
  const { count, rows, cols } = shardHeader(bytes);
  return bytes.subarray(HEADER, HEADER + count * rows * cols);
}

function shardHeader(bytes: Uint8Array): { count: number; rows: number; cols: number } {
  if (bytes.byteLength < HEADER) throw new EdgefedError('TRUNCATED_PAYLOAD', 'Shard shorter than its header');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0, true) !== SHARD_MAGIC) throw new EdgefedError('BAD_MAGIC', 'Not an MNIST shard');
  const h = { count: view.getUint32(4, true), rows: view.getUint32(8, true), cols: view.getUint32(12, true) };
  if (bytes.byteLength !== HEADER + h.count * (h.rows * h.cols + 1))
    throw new EdgefedError('TRUNCATED_PAYLOAD', 'Shard length does not match its header');
  return h;
}

/**
 * Decodes a shard into train/test Datasets (features `x / 255`, shape `[1, rows, cols]`),
 * holding out the last `testFraction` (default 0.1) for local evaluation. Throws
 * `BAD_MAGIC` / `TRUNCATED_PAYLOAD` for bytes that are not a shard.
 */
export function decodeShard(bytes: Uint8Array, testFraction = 0.1): { train: Dataset; test: Dataset } {
  const { count, rows, cols } = shardHeader(bytes);
  const size = rows * cols;
  const pixels = shardPixels(bytes);
  const labels = bytes.subarray(HEADER + count * size);
  const nTest = Math.max(1, Math.floor(count * testFraction));
  const make = (from: number, to: number): Dataset => {
    const features = new Float32Array((to - from) * size);
    for (let i = 0; i < features.length; i++) features[i] = (pixels[from * size + i] ?? 0) / 255;
    return createDataset({
      features,
      labels: Int32Array.from(labels.subarray(from, to)),
      featureShape: [1, rows, cols],
      numClasses: 10,
    });
  };
  return { train: make(0, count - nTest), test: make(count - nTest, count) };
}
