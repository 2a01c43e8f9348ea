/**
 * The binary encoding of partial aggregates, for sending them between cluster nodes (a Redis
 * stream entry or an HTTP body). Little-endian, one buffer:
 *
 *   0   "EFPA"                 magic
 *   4   u8   version           1
 *   5   u8   kind              1 = float64 sums, 2 = float32 sums, 3 = uint32 masked sum
 *   6   u16  reserved          0
 *   8   u32  round
 *   12  u32  tensor count      (0 for kind 3)
 *   16  u32  client count      (>= 1)
 *   20  u32  value count       layout size (kinds 1, 2); masked words (kind 3)
 *   24  f64  clipNorm          0 = example-weighted; > 0 = DP mode (kinds 1, 2); 0 for kind 3
 *   32  tensors   per tensor: u16 name bytes, UTF-8 name, u8 rank, u32 x rank dims
 *       clients   per client: u16 id bytes, UTF-8 id, then f64 example count (kinds 1, 2)
 *       metrics   u32 count (0 for kind 3), per key: u16 name bytes, UTF-8 name, f64 sum of
 *                 value x example count, f64 sum of the example counts
 *       zero padding to a multiple of 8
 *       values    value count x (8 | 4 | 4) bytes
 *       u32  CRC-32C of every byte before it
 *
 * float64 is the default and what the cluster sends: the sum of w x update over many clients
 * has a magnitude far above the mean it divides down to, and a float32 sum keeps only 24 bits
 * of it, so a mean with cancellation loses digits that the single-node path (which sums in
 * Float64) keeps; the tests measure it. float32 halves the bytes where that loss is accepted.
 * Decoding is strict: any malformed input throws an EdgefedError with a stable code
 * (`BAD_MAGIC`, `UNSUPPORTED_FORMAT_VERSION`, `TRUNCATED_PAYLOAD`, `CHECKSUM_MISMATCH`,
 * `CORRUPT_PAYLOAD`, `NON_FINITE`, `DUPLICATE_RESULT`), never a RangeError.
 */
import { EdgefedError, type ErrorCode } from '../errors.js';
import type { MaskedPartial } from '../secagg/masked-partial-sum.js';
import { crc32c } from '../tensor/crc32c.js';
import type { LayoutEntry, TensorLayout } from './layout.js';
import { PartialAggregate, type MetricSum } from './partial-aggregate.js';

const MAGIC = [0x45, 0x46, 0x50, 0x41]; // "EFPA"
/** The format version this build writes and reads. */
export const PARTIAL_FORMAT_VERSION = 1;
const HEADER = 32;
const MAX_NAME_BYTES = 1024;
const MAX_RANK = 16;

/** How the sums are stored. */
export type PartialSumDtype = 'float64' | 'float32';

const KIND = { float64: 1, float32: 2, masked: 3 } as const;

function fail(code: ErrorCode, message: string): never {
  throw new EdgefedError(code, `Partial aggregate: ${message}`);
}

const utf8 = new TextEncoder();
const utf8Strict = new TextDecoder('utf-8', { fatal: true });

interface Head {
  kind: number;
  round: number;
  tensors: readonly LayoutEntry[];
  clients: readonly { id: string; weight: number }[];
  values: number;
  clipNorm: number;
  metrics: ReadonlyMap<string, MetricSum>;
}

function nameBytes(s: string): Uint8Array {
  const b = utf8.encode(s);
  if (b.length === 0 || b.length > MAX_NAME_BYTES) {
    throw new EdgefedError('INVALID_ARGUMENT', `Name or id of ${b.length} bytes (1..${MAX_NAME_BYTES})`);
  }
  return b;
}

function encodeWith(head: Head, write: (view: DataView, at: number) => void, width: number): Uint8Array {
  const names = head.tensors.map((t) => nameBytes(t.name));
  const ids = head.clients.map((c) => nameBytes(c.id));
  const keys = [...head.metrics.keys()].map((k) => nameBytes(k));
  const weightBytes = head.kind === KIND.masked ? 0 : 8;
  let meta = HEADER + 4;
  keys.forEach((b) => (meta += 2 + b.length + 16));
  head.tensors.forEach((t, i) => (meta += 2 + (names[i]?.length ?? 0) + 1 + 4 * t.shape.length));
  ids.forEach((b) => (meta += 2 + b.length + weightBytes));
  const start = Math.ceil(meta / 8) * 8;
  const total = start + head.values * width + 4;
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  out.set(MAGIC, 0);
  view.setUint8(4, PARTIAL_FORMAT_VERSION);
  view.setUint8(5, head.kind);
  view.setUint32(8, head.round, true);
  view.setUint32(12, head.tensors.length, true);
  view.setUint32(16, head.clients.length, true);
  view.setUint32(20, head.values, true);
  view.setFloat64(24, head.clipNorm, true);
  let at = HEADER;
  head.tensors.forEach((t, i) => {
    const b = names[i] as Uint8Array;
    view.setUint16(at, b.length, true);
    out.set(b, at + 2);
    at += 2 + b.length;
    view.setUint8(at++, t.shape.length);
    for (const d of t.shape) {
      view.setUint32(at, d, true);
      at += 4;
    }
  });
  head.clients.forEach((c, i) => {
    const b = ids[i] as Uint8Array;
    view.setUint16(at, b.length, true);
    out.set(b, at + 2);
    at += 2 + b.length;
    if (weightBytes > 0) view.setFloat64(at, c.weight, true);
    at += weightBytes;
  });
  view.setUint32(at, keys.length, true);
  at += 4;
  [...head.metrics.values()].forEach((m, i) => {
    const b = keys[i] as Uint8Array;
    view.setUint16(at, b.length, true);
    out.set(b, at + 2);
    at += 2 + b.length;
    view.setFloat64(at, m.sum, true);
    view.setFloat64(at + 8, m.weight, true);
    at += 16;
  });
  write(view, start);
  view.setUint32(total - 4, crc32c(out.subarray(0, total - 4)), true);
  return out;
}

/**
 * Encodes a partial aggregate (sums as float64 unless `dtype` says float32; see the file
 * comment). An empty partial encodes too (client count 0 is refused only on decode of masked
 * partials).
 */
export function encodePartialAggregate(p: PartialAggregate, dtype: PartialSumDtype = 'float64'): Uint8Array {
  const clients = [...p.clients].map(([id, weight]) => ({ id, weight }));
  const sum = p.sumCopy();
  const head = {
    kind: KIND[dtype],
    round: p.round,
    tensors: p.layout.entries,
    clients,
    values: sum.length,
    clipNorm: p.clipNorm,
    metrics: p.metricSums,
  };
  const width = dtype === 'float64' ? 8 : 4;
  return encodeWith(
    head,
    (view, at) => {
      for (let i = 0; i < sum.length; i++) {
        if (width === 8) view.setFloat64(at + 8 * i, sum[i] as number, true);
        else view.setFloat32(at + 4 * i, sum[i] as number, true);
      }
    },
    width,
  );
}

/** Encodes a node's masked partial sum (kind 3); the round is the secure round's. */
export function encodeMaskedPartial(round: number, p: MaskedPartial): Uint8Array {
  const head = {
    kind: KIND.masked,
    round,
    tensors: [],
    clients: p.clientIds.map((id) => ({ id, weight: 0 })),
    values: p.masked.length,
    clipNorm: 0,
    metrics: new Map<string, MetricSum>(),
  };
  return encodeWith(
    head,
    (view, at) => {
      p.masked.forEach((w, i) => view.setUint32(at + 4 * i, w, true));
    },
    4,
  );
}

class Reader {
  at = HEADER;
  constructor(
    readonly bytes: Uint8Array,
    readonly view: DataView,
    readonly end: number,
  ) {}
  need(n: number): void {
    if (this.at + n > this.end) fail('TRUNCATED_PAYLOAD', `needs ${this.at + n - this.end} more bytes`);
  }
  u8(): number {
    this.need(1);
    return this.view.getUint8(this.at++);
  }
  u32(): number {
    this.need(4);
    const v = this.view.getUint32(this.at, true);
    this.at += 4;
    return v;
  }
  f64(): number {
    this.need(8);
    const v = this.view.getFloat64(this.at, true);
    this.at += 8;
    return v;
  }
  name(): string {
    this.need(2);
    const n = this.view.getUint16(this.at, true);
    this.at += 2;
    if (n === 0 || n > MAX_NAME_BYTES) fail('CORRUPT_PAYLOAD', `a name of ${n} bytes`);
    this.need(n);
    try {
      return utf8Strict.decode(this.bytes.subarray(this.at, this.at + n));
    } catch {
      return fail('CORRUPT_PAYLOAD', 'a name that is not UTF-8');
    } finally {
      this.at += n;
    }
  }
}

function readHead(bytes: Uint8Array): { head: Head; reader: Reader } {
  if (!(bytes instanceof Uint8Array)) fail('CORRUPT_PAYLOAD', 'not bytes');
  if (bytes.length < 4 || MAGIC.some((m, i) => bytes[i] !== m)) fail('BAD_MAGIC', 'not a partial aggregate');
  if (bytes.length < HEADER + 4) fail('TRUNCATED_PAYLOAD', `${bytes.length} bytes`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint8(4);
  if (version !== PARTIAL_FORMAT_VERSION) fail('UNSUPPORTED_FORMAT_VERSION', `version ${version}`);
  if (view.getUint32(bytes.length - 4, true) !== crc32c(bytes.subarray(0, bytes.length - 4))) {
    fail('CHECKSUM_MISMATCH', 'the CRC-32C does not match');
  }
  const kind = view.getUint8(5);
  if (kind < 1 || kind > 3) fail('CORRUPT_PAYLOAD', `unknown kind ${kind}`);
  if (view.getUint16(6, true) !== 0) fail('CORRUPT_PAYLOAD', 'reserved bits set');
  const reader = new Reader(bytes, view, bytes.length - 4);
  const head: Head = {
    kind,
    round: view.getUint32(8, true),
    tensors: readTensors(reader, view.getUint32(12, true)),
    clients: [],
    values: view.getUint32(20, true),
    clipNorm: view.getFloat64(24, true),
    metrics: new Map(),
  };
  const clientCount = view.getUint32(16, true);
  const weighted = kind !== KIND.masked;
  // each client takes at least 3 (masked) or 11 bytes: refuse a count the buffer cannot hold
  reader.need(clientCount * (weighted ? 11 : 3));
  const clients: { id: string; weight: number }[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < clientCount; i++) {
    const id = reader.name();
    if (seen.has(id)) fail('DUPLICATE_RESULT', `client "${id}" listed twice`);
    seen.add(id);
    const weight = weighted ? reader.f64() : 0;
    if (weighted && !(Number.isSafeInteger(weight) && weight > 0)) {
      fail('CORRUPT_PAYLOAD', `client "${id}" has weight ${weight}`);
    }
    clients.push({ id, weight });
  }
  head.clients = clients;
  head.metrics = readMetrics(reader, kind === KIND.masked);
  reader.at = Math.ceil(reader.at / 8) * 8;
  return { head, reader };
}

function readMetrics(reader: Reader, masked: boolean): Map<string, MetricSum> {
  const count = reader.u32();
  if (masked && count !== 0) fail('CORRUPT_PAYLOAD', 'a masked partial with metrics');
  reader.need(count * 19); // name length + 1-byte name + two f64 at least
  const out = new Map<string, MetricSum>();
  for (let i = 0; i < count; i++) {
    const key = reader.name();
    if (out.has(key)) fail('CORRUPT_PAYLOAD', `metric "${key}" listed twice`);
    const sum = reader.f64();
    const weight = reader.f64();
    if (!(Number.isFinite(sum) && Number.isFinite(weight) && weight > 0)) {
      fail('NON_FINITE', `metric "${key}" has sum ${sum} and weight ${weight}`);
    }
    out.set(key, { sum, weight });
  }
  return out;
}

function readTensors(reader: Reader, count: number): LayoutEntry[] {
  reader.need(count * 4); // name length + name + rank at least
  const entries: LayoutEntry[] = [];
  let offset = 0;
  for (let i = 0; i < count; i++) {
    const name = reader.name();
    const rank = reader.u8();
    if (rank > MAX_RANK) fail('CORRUPT_PAYLOAD', `tensor "${name}" of rank ${rank}`);
    const shape: number[] = [];
    let size = 1;
    for (let d = 0; d < rank; d++) {
      const dim = reader.u32();
      shape.push(dim);
      size *= dim;
    }
    if (!Number.isSafeInteger(size) || size > 0xffffffff)
      fail('CORRUPT_PAYLOAD', `tensor "${name}" too large`);
    entries.push({ name, shape, offset, size });
    offset += size;
  }
  return entries;
}

function finishValues(reader: Reader, head: Head, width: number): number {
  const at = reader.at;
  if (at + head.values * width !== reader.end) {
    fail(
      at + head.values * width > reader.end ? 'TRUNCATED_PAYLOAD' : 'CORRUPT_PAYLOAD',
      `${head.values} values of ${width} bytes do not fill the ${reader.end - at} bytes left`,
    );
  }
  return at;
}

/**
 * Decodes {@link encodePartialAggregate}'s bytes (float64 or float32 sums; float32 is widened).
 * Throws the codes in the file comment; a masked partial here is `CORRUPT_PAYLOAD`.
 */
export function decodePartialAggregate(bytes: Uint8Array): PartialAggregate {
  const { head, reader } = readHead(bytes);
  if (head.kind === KIND.masked) fail('CORRUPT_PAYLOAD', 'a masked partial where a plain one was expected');
  if (!(Number.isFinite(head.clipNorm) && head.clipNorm >= 0)) fail('CORRUPT_PAYLOAD', 'bad clipNorm');
  const size = head.tensors.reduce((n, t) => n + t.size, 0);
  if (size !== head.values) fail('CORRUPT_PAYLOAD', `${head.values} values for a layout of ${size}`);
  const width = head.kind === KIND.float64 ? 8 : 4;
  const at = finishValues(reader, head, width);
  const sum = new Float64Array(size);
  for (let i = 0; i < size; i++) {
    sum[i] =
      width === 8 ? reader.view.getFloat64(at + 8 * i, true) : reader.view.getFloat32(at + 4 * i, true);
  }
  const layout: TensorLayout = { entries: head.tensors, size };
  try {
    return PartialAggregate.fromParts({
      round: head.round,
      layout,
      clipNorm: head.clipNorm,
      clients: new Map(head.clients.map((c) => [c.id, c.weight])),
      sum,
      metrics: head.metrics,
    });
  } catch (err) {
    if (err instanceof EdgefedError) throw new EdgefedError(err.code, `Partial aggregate: ${err.message}`);
    throw err;
  }
}

/** Decodes {@link encodeMaskedPartial}'s bytes: the round and the masked partial. */
export function decodeMaskedPartial(bytes: Uint8Array): { round: number; partial: MaskedPartial } {
  const { head, reader } = readHead(bytes);
  if (head.kind !== KIND.masked) fail('CORRUPT_PAYLOAD', 'a plain partial where a masked one was expected');
  if (head.tensors.length !== 0 || head.clipNorm !== 0)
    fail('CORRUPT_PAYLOAD', 'masked partial with a layout');
  if (head.clients.length === 0) fail('CORRUPT_PAYLOAD', 'a masked partial without clients');
  const at = finishValues(reader, head, 4);
  const masked = new Uint32Array(head.values);
  for (let i = 0; i < masked.length; i++) masked[i] = reader.view.getUint32(at + 4 * i, true);
  const clientIds = head.clients.map((c) => c.id).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return { round: head.round, partial: { masked, clientIds } };
}
