import { describe, expect, it } from 'vitest';
import { EdgefedError, type ErrorCode } from '../errors.js';
import { decodeTensorMap, type DecodeOptions } from './codec-decode.js';
import { encodeTensorMap, payloadChecksum } from './codec-encode.js';
import { ENTRY, HEADER } from './codec-format.js';
import type { Tensor, TensorMap } from './tensor.js';

const sample = (): Map<string, Tensor> =>
  new Map<string, Tensor>([
    ['w', { dtype: 'float32', shape: [2], data: new Float32Array([1, -2]) }],
    ['b', { dtype: 'int8', shape: [3], data: new Int8Array([1, -1, 127]), scale: 0.5 }],
  ]);

/** Applies `edit` to a fresh encoding of `map`, then fixes the checksum so structure checks run. */
function tampered(edit: (view: DataView, bytes: Uint8Array) => void, map: TensorMap = sample()): Uint8Array {
  const bytes = encodeTensorMap(map);
  const view = new DataView(bytes.buffer);
  edit(view, bytes);
  view.setUint32(HEADER.checksum, payloadChecksum(bytes), true);
  return bytes;
}

function codeOf(fn: () => unknown): ErrorCode | undefined {
  try {
    fn();
  } catch (e) {
    if (e instanceof EdgefedError) return e.code;
    throw e;
  }
  return undefined;
}

const decodeCode = (bytes: Uint8Array, options?: DecodeOptions): ErrorCode | undefined =>
  codeOf(() => decodeTensorMap(bytes, options));

const E1 = 32; // first entry
const entry1Len = 40; // 32 + 4 (one dim) + 1 ("w"), padded to 8

describe('encodeTensorMap layout', () => {
  it('writes the documented header and entry fields', () => {
    const bytes = encodeTensorMap(sample());
    const v = new DataView(bytes.buffer);
    expect([...bytes.subarray(0, 4)]).toEqual([0x45, 0x46, 0x54, 0x4d]);
    expect(v.getUint16(HEADER.version, true)).toBe(1);
    expect(v.getUint32(HEADER.tensorCount, true)).toBe(2);
    expect(v.getUint32(HEADER.headerBytes, true)).toBe(32 + 40 + 40);
    expect(v.getUint32(HEADER.dataOffset, true)).toBe(112);
    expect(v.getUint32(E1 + ENTRY.dataOffset, true)).toBe(112);
    expect(v.getUint32(E1 + entry1Len + ENTRY.dataOffset, true)).toBe(128);
    expect(v.getFloat64(E1 + entry1Len + ENTRY.scale, true)).toBe(0.5);
    expect(v.getUint32(HEADER.totalBytes, true)).toBe(131);
    expect(bytes.length).toBe(131);
    expect(v.getUint32(HEADER.checksum, true)).toBe(payloadChecksum(bytes));
  });

  it('encodes an empty map as a bare 32-byte header and decodes it back', () => {
    const bytes = encodeTensorMap(new Map());
    expect(bytes.length).toBe(32);
    expect(decodeTensorMap(bytes).size).toBe(0);
  });

  it('views the input buffer unless copy is set', () => {
    const bytes = encodeTensorMap(sample());
    expect(decodeTensorMap(bytes).get('w')?.data.buffer).toBe(bytes.buffer);
    expect(decodeTensorMap(bytes, { copy: true }).get('w')?.data.buffer).not.toBe(bytes.buffer);
  });

  it('rejects malformed tensors and names', () => {
    const enc = (t: unknown, name = 'x'): ErrorCode | undefined =>
      codeOf(() => encodeTensorMap(new Map([[name, t as Tensor]])));
    expect(enc({ dtype: 'float32', shape: [3], data: new Float32Array(2) })).toBe('SHAPE_MISMATCH');
    expect(enc({ dtype: 'float32', shape: [-1], data: new Float32Array(0) })).toBe('SHAPE_MISMATCH');
    expect(enc({ dtype: 'float32', shape: new Array(33).fill(1), data: new Float32Array(1) })).toBe(
      'SHAPE_MISMATCH',
    );
    expect(enc({ dtype: 'float32', shape: [2], data: new Float64Array(2) })).toBe('DTYPE_MISMATCH');
    expect(enc({ dtype: 'int4', shape: [2], data: new Int8Array(2) })).toBe('DTYPE_MISMATCH');
    expect(enc({ dtype: 'int8', shape: [2], data: new Int8Array(2) })).toBe('INVALID_ARGUMENT');
    expect(enc({ dtype: 'int8', shape: [2], data: new Int8Array(2), scale: NaN })).toBe('INVALID_ARGUMENT');
    expect(enc({ dtype: 'float32', shape: [0], data: new Float32Array(0), scale: 1 })).toBe(
      'INVALID_ARGUMENT',
    );
    expect(enc({ dtype: 'float32', shape: [0], data: new Float32Array(0) }, '\ud800')).toBe(
      'INVALID_ARGUMENT',
    );
    expect(enc({ dtype: 'float32', shape: [0], data: new Float32Array(0) }, 'x'.repeat(70000))).toBe(
      'INVALID_ARGUMENT',
    );
  });
});

describe('decodeTensorMap errors', () => {
  it('BAD_MAGIC, TRUNCATED_PAYLOAD, UNSUPPORTED_FORMAT_VERSION, CHECKSUM_MISMATCH', () => {
    const good = encodeTensorMap(sample());
    expect(decodeCode(new TextEncoder().encode('{"json": true}'))).toBe('BAD_MAGIC');
    expect(decodeCode(new Uint8Array(0))).toBe('TRUNCATED_PAYLOAD');
    expect(decodeCode(good.subarray(0, 31))).toBe('TRUNCATED_PAYLOAD');
    expect(decodeCode(good.subarray(0, good.length - 1))).toBe('TRUNCATED_PAYLOAD');
    expect(
      decodeCode(
        tampered((v) => {
          v.setUint16(HEADER.version, 2, true);
        }),
      ),
    ).toBe('UNSUPPORTED_FORMAT_VERSION');
    const flipped = good.slice();
    flipped[113] = (flipped[113] as number) ^ 1;
    expect(decodeCode(flipped)).toBe('CHECKSUM_MISMATCH');
    // verify: false skips only the checksum: the flipped bit shows in the data.
    expect(decodeTensorMap(flipped, { verify: false }).get('w')?.data[0]).not.toBe(1);
  });

  it('PAYLOAD_TOO_LARGE for a long input or a large declared size, before reading more', () => {
    const good = encodeTensorMap(sample());
    expect(decodeCode(good, { maxBytes: 130 })).toBe('PAYLOAD_TOO_LARGE');
    const huge = tampered((v) => {
      v.setUint32(HEADER.totalBytes + 4, 0x1000, true);
    });
    expect(decodeCode(huge)).toBe('PAYLOAD_TOO_LARGE');
  });

  it('CORRUPT_PAYLOAD for every structural inconsistency', () => {
    const cases: [string, (v: DataView, b: Uint8Array) => void][] = [
      [
        'flags',
        (v) => {
          v.setUint16(HEADER.flags, 1, true);
        },
      ],
      [
        'absurd tensor count',
        (v) => {
          v.setUint32(HEADER.tensorCount, 0xffffffff, true);
        },
      ],
      [
        'one tensor too few',
        (v) => {
          v.setUint32(HEADER.tensorCount, 1, true);
        },
      ],
      [
        'header length',
        (v) => {
          v.setUint32(HEADER.headerBytes, 128, true);
        },
      ],
      [
        'data offset',
        (v) => {
          v.setUint32(HEADER.dataOffset, 136, true);
        },
      ],
      [
        'declared size > 2^53',
        (v) => {
          v.setUint32(HEADER.totalBytes + 4, 0xffffffff, true);
        },
      ],
      [
        'unknown dtype',
        (v) => {
          v.setUint8(E1 + ENTRY.dtype, 9);
        },
      ],
      [
        'rank > 32',
        (v) => {
          v.setUint8(E1 + ENTRY.rank, 40);
        },
      ],
      [
        'name length',
        (v) => {
          v.setUint16(E1 + ENTRY.nameBytes, 300, true);
        },
      ],
      [
        'reserved field',
        (v) => {
          v.setUint32(E1 + ENTRY.reserved, 1, true);
        },
      ],
      [
        'scale on float32',
        (v) => {
          v.setFloat64(E1 + ENTRY.scale, 1, true);
        },
      ],
      [
        'NaN scale',
        (v) => {
          v.setFloat64(E1 + entry1Len + ENTRY.scale, NaN, true);
        },
      ],
      [
        'negative scale',
        (v) => {
          v.setFloat64(E1 + entry1Len + ENTRY.scale, -1, true);
        },
      ],
      [
        'shape/length mismatch',
        (v) => {
          v.setUint32(E1 + ENTRY.dims, 3, true);
        },
      ],
      [
        'absurd shape',
        (v) => {
          v.setUint32(E1 + ENTRY.dims, 0xffffffff, true);
        },
      ],
      [
        'data length',
        (v) => {
          v.setUint32(E1 + ENTRY.dataBytes, 4, true);
        },
      ],
      [
        'overlapping data',
        (v) => {
          v.setUint32(E1 + entry1Len + ENTRY.dataOffset, 112, true);
        },
      ],
      [
        'data out of range',
        (v) => {
          v.setUint32(E1 + entry1Len + ENTRY.dataOffset, 4096, true);
        },
      ],
      [
        'duplicate names',
        (_, b) => {
          b.set([0x77], E1 + entry1Len + ENTRY.dims + 4);
        },
      ],
      [
        'invalid UTF-8 name',
        (_, b) => {
          b.set([0xff], E1 + ENTRY.dims + 4);
        },
      ],
      [
        'non-zero entry padding',
        (_, b) => {
          b.set([1], E1 + ENTRY.dims + 5);
        },
      ],
      [
        'non-zero data padding',
        (_, b) => {
          b.set([1], 120);
        },
      ],
    ];
    for (const [what, edit] of cases) {
      expect([what, decodeCode(tampered(edit))]).toEqual([what, 'CORRUPT_PAYLOAD']);
    }
  });

  it('INVALID_ARGUMENT for a non-Uint8Array or a bad limit', () => {
    expect(decodeCode([1, 2, 3] as unknown as Uint8Array)).toBe('INVALID_ARGUMENT');
    expect(decodeCode(encodeTensorMap(sample()), { maxBytes: -1 })).toBe('INVALID_ARGUMENT');
  });
});
