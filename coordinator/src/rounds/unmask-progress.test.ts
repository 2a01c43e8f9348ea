/**
 * UnmaskProgress: when the unmask phase of a secure round is decided — every secret has t
 * shares in hand, or some secret can no longer get them — with holders taken from the
 * routed inboxes.
 */
import { describe, expect, it } from 'vitest';
import type { EncryptedShare } from '@edgefed/shared';
import { UnmaskProgress } from './unmask-progress.js';

/** Inboxes of a complete graph over `ids`: everyone holds a share of everyone else. */
function complete(ids: readonly string[]): Map<string, EncryptedShare[]> {
  const inboxes = new Map<string, EncryptedShare[]>();
  for (const to of ids) {
    inboxes.set(
      to,
      ids.filter((f) => f !== to).map((from) => ({ from, to, ciphertext: new Uint8Array(98) })),
    );
  }
  return inboxes;
}

const others = (me: string, ids: readonly string[]): string[] => ids.filter((i) => i !== me);

describe('UnmaskProgress', () => {
  const ids = ['a', 'b', 'c', 'd', 'e'];

  it('is decided once the answers in hand give every secret t shares, without the last one', () => {
    const p = new UnmaskProgress(complete(ids), { survivors: ids, dropped: [] }, 3);
    for (const id of ['a', 'b', 'd']) p.answer({ clientId: id, of: others(id, ids) });
    // a, b, d answered: c and e have 3 shares, but a, b and d only 2 each
    expect(p.suffices()).toBe(false);
    expect(p.decided()).toBe(false);
    p.answer({ clientId: 'e', of: others('e', ids) });
    // c is silent, yet every secret now has 3 shares: no need to wait for it
    expect(p.allHeard()).toBe(false);
    expect(p.suffices()).toBe(true);
    expect(p.decided()).toBe(true);
  });

  it('is decided as failed once too many holders are gone', () => {
    const four = ['a', 'b', 'c', 'd'];
    const p = new UnmaskProgress(complete(four), { survivors: four, dropped: [] }, 2);
    p.answer({ clientId: 'a', of: others('a', four) });
    p.answer({ clientId: 'b', of: others('b', four) });
    expect(p.decided()).toBe(false); // a's secret has one share; c or d may still answer
    p.gone('c');
    expect(p.decided()).toBe(false);
    p.gone('d');
    expect(p.cannotSuffice()).toBe(true);
    expect(p.suffices()).toBe(false);
    expect(p.decided()).toBe(true);
  });

  it("needs a dropped client's key only when a survivor paired with it", () => {
    // x shared keys with a and b only, then dropped; y shared with nobody who survived
    const inboxes = complete(['a', 'b', 'c']);
    inboxes.get('a')?.push({ from: 'x', to: 'a', ciphertext: new Uint8Array(98) });
    inboxes.get('b')?.push({ from: 'x', to: 'b', ciphertext: new Uint8Array(98) });
    inboxes.set('x', [{ from: 'a', to: 'x', ciphertext: new Uint8Array(98) }]);
    const p = new UnmaskProgress(inboxes, { survivors: ['a', 'b', 'c'], dropped: ['x', 'y'] }, 2);
    p.answer({ clientId: 'a', of: ['b', 'c', 'x'] });
    p.answer({ clientId: 'c', of: ['a', 'b'] });
    expect(p.suffices()).toBe(false); // x's key has one share (a's), c's self mask one
    p.answer({ clientId: 'b', of: ['a', 'c', 'x'] });
    expect(p.suffices()).toBe(true);
  });

  it('ignores shares from clients that do not hold them, and gone after answering', () => {
    const three = ['a', 'b', 'c'];
    const p = new UnmaskProgress(complete(three), { survivors: three, dropped: [] }, 2);
    p.answer({ clientId: 'a', of: ['a', 'b', 'c'] }); // a holds no share of itself
    p.gone('a');
    p.answer({ clientId: 'b', of: ['a', 'c'] });
    expect(p.allHeard()).toBe(false);
    p.answer({ clientId: 'c', of: ['a', 'b'] });
    expect(p.allHeard()).toBe(true);
    expect(p.suffices()).toBe(true);
  });
});
