/** Shamir sharing: any t shares rebuild, t - 1 fail and are consistent with every secret. */
import { describe, expect, it } from 'vitest';
import {
  decodeShare,
  encodeShare,
  interpolateAt,
  SHAMIR_PRIME,
  shamirCombine,
  shamirSplit,
} from './shamir.js';
import { codeOf } from './test-util.js';
import { randomBytes } from './webcrypto.js';

const xs = (k: number): number[] => Array.from({ length: k }, (_, i) => i + 1);

describe('shamir', () => {
  it('rebuilds the secret from any t of k shares, and from more', () => {
    const secret = randomBytes(32);
    const shares = shamirSplit(secret, 4, xs(7));
    expect(shares).toHaveLength(7);
    expect(shamirCombine(shares.slice(0, 4), 4)).toEqual(secret);
    expect(
      shamirCombine(
        [shares[6], shares[2], shares[4], shares[1]].filter((s) => s !== undefined),
        4,
      ),
    ).toEqual(secret);
    expect(shamirCombine(shares, 4)).toEqual(secret);
    // the extremes of the secret space
    for (const edge of [new Uint8Array(32), new Uint8Array(32).fill(255)]) {
      expect(shamirCombine(shamirSplit(edge, 3, xs(5)).slice(2), 3)).toEqual(edge);
    }
  });

  it('fails with SECAGG_TOO_FEW_SHARES below the threshold', async () => {
    const shares = shamirSplit(randomBytes(32), 5, xs(9));
    expect(await codeOf(() => shamirCombine(shares.slice(0, 4), 5))).toBe('SECAGG_TOO_FEW_SHARES');
    // a repeated share is not a new one
    expect(await codeOf(() => shamirCombine([...shares.slice(0, 4), shares[0] ?? new Uint8Array()], 5))).toBe(
      'SECAGG_TOO_FEW_SHARES',
    );
  });

  it('t - 1 shares are consistent with every secret (they carry no information)', () => {
    const t = 4;
    const secret = randomBytes(32);
    const known = shamirSplit(secret, t, xs(6))
      .slice(0, t - 1)
      .map(decodeShare);
    for (const candidate of [randomBytes(32), new Uint8Array(32), secret]) {
      // the unique degree t-1 polynomial through (0, candidate) and the t-1 known shares...
      let c = 0n;
      for (const b of candidate) c = (c << 8n) | BigInt(b);
      const points = [{ x: 0, y: c }, ...known];
      // ...gives a full, valid share set that rebuilds the candidate, not the real secret
      const forged = [4, 5].map((x) => encodeShare(x, interpolateAt(points, x)));
      const shares = [...known.map((p) => encodeShare(p.x, p.y)), ...forged];
      expect(shamirCombine(shares.slice(0, t), t)).toEqual(candidate);
      expect(shamirCombine(shares.slice(1, 1 + t), t)).toEqual(candidate);
    }
  });

  it('uses fresh random coefficients: two splits of one secret differ', () => {
    const secret = randomBytes(32);
    expect(shamirSplit(secret, 3, xs(4))).not.toEqual(shamirSplit(secret, 3, xs(4)));
  });

  it('rejects malformed shares and arguments', async () => {
    const shares = shamirSplit(randomBytes(32), 2, xs(3));
    expect(await codeOf(() => shamirCombine([new Uint8Array(34), ...shares], 2))).toBe('SECAGG_BAD_MESSAGE');
    expect(await codeOf(() => shamirCombine([encodeShare(1, SHAMIR_PRIME - 1n), ...shares], 2))).toBe(
      'SECAGG_BAD_MESSAGE',
    );
    expect(await codeOf(() => decodeShare(encodeShare(0, 1n)))).toBe('SECAGG_BAD_MESSAGE');
    expect(await codeOf(() => shamirSplit(new Uint8Array(31), 2, xs(3)))).toBe('INVALID_ARGUMENT');
    expect(await codeOf(() => shamirSplit(new Uint8Array(32), 2, [1, 1, 2]))).toBe('INVALID_ARGUMENT');
    expect(await codeOf(() => shamirSplit(new Uint8Array(32), 4, xs(3)))).toBe('SECAGG_TOO_FEW_SHARES');
  });
});
