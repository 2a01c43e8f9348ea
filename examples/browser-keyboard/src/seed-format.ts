/**
 * How the example's server hands a simulated user their earlier text (only to simulate
 * text that would already be on the device): UTF-8 JSON `{ president, text }`.
 */
import { EdgefedError } from '@edgefed/shared';

/** One simulated user's earlier text. */
export interface Seed {
  readonly president: string;
  readonly text: string;
}

/** Encodes a seed as UTF-8 JSON. */
export function encodeSeed(seed: Seed): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(seed));
}

/** Decodes {@link encodeSeed}'s bytes; throws `CORRUPT_PAYLOAD` for anything else. */
export function decodeSeed(bytes: Uint8Array): Seed {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder().decode(bytes));
  } catch (e) {
    throw new EdgefedError('CORRUPT_PAYLOAD', 'The seed is not JSON', { cause: e });
  }
  const v = value as Partial<Record<keyof Seed, unknown>> | null;
  if (typeof v?.president !== 'string' || typeof v.text !== 'string')
    throw new EdgefedError('CORRUPT_PAYLOAD', 'The seed has no president or text');
  return { president: v.president, text: v.text };
}
