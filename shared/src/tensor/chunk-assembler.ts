/**
 * Reassembles a payload from chunks made by `splitIntoChunks`, arriving in any order,
 * possibly across reconnects: it knows which chunks it holds, so an interrupted upload
 * can resume by sending only the missing ones.
 */
import { EdgefedError, type ErrorCode } from '../errors.js';
import { chunkCount, type ChunkMeta, type PayloadChunk } from './chunking.js';
import { crc32c, crc32cCombine } from './crc32c.js';

/** Options for {@link ChunkAssembler}. */
export interface ChunkAssemblerOptions {
  /** Largest payload accepted; a chunk announcing more gives `PAYLOAD_TOO_LARGE`. */
  readonly maxPayloadBytes: number;
  /** When set, chunks of any other payload id are rejected (`CORRUPT_PAYLOAD`). */
  readonly payloadId?: string;
}

function fail(code: ErrorCode, message: string, details?: Record<string, unknown>): never {
  throw new EdgefedError(code, message, details === undefined ? {} : { details });
}

const isSize = (n: unknown): n is number => Number.isSafeInteger(n) && (n as number) >= 0;
const isU32 = (n: unknown): boolean => isSize(n) && n <= 0xffffffff;

/** Checks a chunk on its own: field types, index range, count and length implied by the sizes. */
function checkChunk(chunk: PayloadChunk): void {
  const { index, count, chunkBytes, totalBytes, data } = chunk;
  const typesOk =
    typeof chunk.payloadId === 'string' &&
    [index, count, chunkBytes, totalBytes].every(isSize) &&
    isU32(chunk.crc32c) &&
    isU32(chunk.payloadCrc32c) &&
    data instanceof Uint8Array;
  if (!typesOk || chunkBytes < 1) fail('CORRUPT_PAYLOAD', 'Malformed chunk record');
  if (count !== chunkCount(totalBytes, chunkBytes) || index >= count) {
    fail(
      'CORRUPT_PAYLOAD',
      `Chunk ${index}/${count} does not fit ${totalBytes} bytes in ${chunkBytes}-byte chunks`,
    );
  }
  const expected = index < count - 1 ? chunkBytes : totalBytes - (count - 1) * chunkBytes;
  if (data.length !== expected) {
    fail('CORRUPT_PAYLOAD', `Chunk ${index} has ${data.length} bytes, expected ${expected}`, { index });
  }
}

const SAME_FIELDS = ['payloadId', 'count', 'chunkBytes', 'totalBytes', 'payloadCrc32c'] as const;

/**
 * Collects the chunks of one payload. The first accepted chunk fixes the payload's id,
 * size, chunk size and checksum; the buffer is allocated then, after the size limit is
 * checked. `add` throws, and keeps nothing from the rejected chunk, for: a malformed or
 * inconsistent chunk (`CORRUPT_PAYLOAD`), a payload over the limit (`PAYLOAD_TOO_LARGE`),
 * a repeated index (`DUPLICATE_CHUNK`) and a chunk whose bytes fail their CRC32C
 * (`CHECKSUM_MISMATCH`; it may be sent again). Not thread-safe; one payload per instance.
 */
export class ChunkAssembler {
  readonly #maxPayloadBytes: number;
  readonly #payloadId: string | undefined;
  #meta: ChunkMeta | undefined;
  #buffer: Uint8Array | undefined;
  #have: Uint8Array | undefined;
  #crcs: Uint32Array | undefined;
  #received = 0;

  /** Throws `INVALID_ARGUMENT` for a negative or fractional `maxPayloadBytes`. */
  constructor(options: ChunkAssemblerOptions) {
    if (!isSize(options.maxPayloadBytes)) fail('INVALID_ARGUMENT', 'maxPayloadBytes must be an integer >= 0');
    this.#maxPayloadBytes = options.maxPayloadBytes;
    this.#payloadId = options.payloadId;
  }

  /** Adds one chunk; returns true when the payload is complete. See the class doc for errors. */
  add(chunk: PayloadChunk): boolean {
    checkChunk(chunk);
    if (chunk.totalBytes > this.#maxPayloadBytes) {
      fail('PAYLOAD_TOO_LARGE', `Payload of ${chunk.totalBytes} bytes exceeds ${this.#maxPayloadBytes}`, {
        maxBytes: this.#maxPayloadBytes,
      });
    }
    if (this.#payloadId !== undefined && chunk.payloadId !== this.#payloadId) {
      fail('CORRUPT_PAYLOAD', `Chunk of payload "${chunk.payloadId}" is not for "${this.#payloadId}"`);
    }
    const meta = this.#meta;
    const differs = meta === undefined ? undefined : SAME_FIELDS.find((f) => meta[f] !== chunk[f]);
    if (differs !== undefined) fail('CORRUPT_PAYLOAD', `Chunk ${chunk.index} disagrees on ${differs}`);
    if (this.#have?.[chunk.index] === 1) {
      fail('DUPLICATE_CHUNK', `Chunk ${chunk.index} was already received`, { index: chunk.index });
    }
    if (crc32c(chunk.data) !== chunk.crc32c) {
      fail('CHECKSUM_MISMATCH', `Chunk ${chunk.index} fails its checksum`, { index: chunk.index });
    }
    if (meta === undefined) {
      const { data: _data, ...rest } = chunk;
      this.#meta = rest;
    }
    this.#buffer ??= new Uint8Array(chunk.totalBytes);
    this.#have ??= new Uint8Array(chunk.count);
    this.#crcs ??= new Uint32Array(chunk.count);
    this.#crcs[chunk.index] = chunk.crc32c;
    this.#buffer.set(chunk.data, chunk.index * chunk.chunkBytes);
    this.#have[chunk.index] = 1;
    this.#received++;
    return this.isComplete;
  }

  /** True once every chunk has arrived (false before the first). */
  get isComplete(): boolean {
    return this.#meta !== undefined && this.#received === this.#meta.count;
  }

  /** Bytes of the payload buffer allocated so far: 0 until a first chunk is accepted. */
  get allocatedBytes(): number {
    return this.#buffer?.byteLength ?? 0;
  }

  /** Metadata fixed by the first chunk, or undefined before it. */
  get meta(): ChunkMeta | undefined {
    return this.#meta;
  }

  /** Number of distinct chunks received. */
  get receivedCount(): number {
    return this.#received;
  }

  /** True when chunk `index` has been received. */
  has(index: number): boolean {
    return this.#have?.[index] === 1;
  }

  /** Indices received so far, ascending (for resuming an upload). */
  receivedIndices(): number[] {
    return this.#indices(1);
  }

  /** Indices still missing, ascending; empty before the first chunk (the count is unknown). */
  missingIndices(): number[] {
    return this.#indices(0);
  }

  #indices(state: 0 | 1): number[] {
    const out: number[] = [];
    this.#have?.forEach((v, i) => {
      if (v === state) out.push(i);
    });
    return out;
  }

  /**
   * The reassembled payload. Throws `MISSING_CHUNK` (details: `missing`, the first 1,000
   * missing indices, or none before any chunk) until complete, and `CHECKSUM_MISMATCH`
   * when the whole payload fails its CRC32C (chunks checked alone can still be from two
   * different payloads with the same id). Returns the same buffer on every call.
   *
   * The whole-payload CRC is combined from the verified chunk CRCs (no second pass over
   * the bytes), so an assembled encoded TensorMap may be decoded with `verify: false`.
   */
  assemble(): Uint8Array {
    const meta = this.#meta;
    if (meta === undefined || this.#buffer === undefined || !this.isComplete) {
      const missing = this.missingIndices();
      fail(
        'MISSING_CHUNK',
        `Payload incomplete: ${meta === undefined ? 'no chunks' : `${missing.length} missing`}`,
        {
          missing: missing.slice(0, 1000),
        },
      );
    }
    if (this.#payloadCrc(meta) !== meta.payloadCrc32c) {
      fail('CHECKSUM_MISMATCH', `Payload "${meta.payloadId}" fails its checksum`);
    }
    return this.#buffer;
  }

  /** CRC32C of the whole payload, combined from the per-chunk CRCs checked on arrival. */
  #payloadCrc(meta: ChunkMeta): number {
    let crc = 0;
    for (let i = 0; i < meta.count; i++) {
      const length =
        i < meta.count - 1 ? meta.chunkBytes : meta.totalBytes - (meta.count - 1) * meta.chunkBytes;
      crc = crc32cCombine(crc, this.#crcs?.[i] ?? 0, length);
    }
    return crc;
  }
}

/**
 * Reassembles a complete set of chunks (any order) in one call; throws like
 * {@link ChunkAssembler}, and `MISSING_CHUNK` when some are absent.
 */
export function assembleChunks(chunks: Iterable<PayloadChunk>, options: ChunkAssemblerOptions): Uint8Array {
  const assembler = new ChunkAssembler(options);
  for (const chunk of chunks) assembler.add(chunk);
  return assembler.assemble();
}
