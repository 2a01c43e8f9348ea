/**
 * Natural partitioning: one client per value of a group key that comes with the data
 * (the speaker of a text, the writer of a digit, the device that recorded a sample).
 */
import { EdgefedError } from '../../errors.js';
import { partitionFromSizes, type Partition } from './partition.js';

/** A natural partition plus the group key of each client. */
export interface NaturalPartition extends Partition {
  /** `keys[c]` is the group value client `c` holds. */
  readonly keys: readonly (string | number)[];
}

/**
 * Gives each distinct value of `groups[i]` (the key of example `i`) its own client,
 * clients numbered in order of each key's first appearance; a client's indices are in
 * dataset order. No randomness is involved. Keys compare with SameValueZero (`1` and
 * `'1'` are different groups). Throws `INVALID_ARGUMENT` for no examples, or for a
 * key that is not a string or a finite number (`NaN`, `undefined`, objects), naming the
 * example.
 */
export function partitionNatural(groups: ArrayLike<string | number>): NaturalPartition {
  const n = groups.length;
  if (n === 0) throw new EdgefedError('INVALID_ARGUMENT', 'Cannot partition zero examples');
  const clientOf = new Map<string | number, number>();
  const assignment = new Uint32Array(n);
  const counts: number[] = [];
  for (let i = 0; i < n; i++) {
    const key = groups[i];
    if (typeof key !== 'string' && !(typeof key === 'number' && Number.isFinite(key))) {
      throw new EdgefedError('INVALID_ARGUMENT', `Group key of example ${i} is not a string or finite number`);
    }
    let c = clientOf.get(key);
    if (c === undefined) {
      c = counts.length;
      clientOf.set(key, c);
      counts.push(0);
    }
    assignment[i] = c;
    counts[c] = (counts[c] as number) + 1;
  }
  const next = new Uint32Array(counts.length);
  for (let c = 1; c < counts.length; c++) next[c] = (next[c - 1] as number) + (counts[c - 1] as number);
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const c = assignment[i] as number;
    order[next[c] as number] = i;
    next[c] = (next[c] as number) + 1;
  }
  return { ...partitionFromSizes(order, counts), keys: [...clientOf.keys()] };
}
