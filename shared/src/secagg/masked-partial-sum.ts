/**
 * MaskedPartialSum: hierarchical aggregation under SecAgg+ (issue #16). Masked inputs are
 * words of Z_{2^32} and the server only ever adds them, so a cluster node can pre-add its own
 * clients' masked inputs (mod 2^32) and send the leader one vector plus the list of client ids
 * it holds. The leader's {@link SecAggServer.addMaskedPartialSum} adds that vector to its
 * running sum and records every listed client as having uploaded, exactly as if each masked
 * input had arrived one by one: the unmask phase and its result do not change. A node learns
 * nothing it did not before (a sum of masked vectors is still masked unless every mask of the
 * listed clients cancels, which takes the survivors' shares the leader alone collects).
 */
import { EdgefedError } from '../errors.js';
import { addMask } from './prg.js';
import type { MaskedInput } from './types.js';

const bad = (message: string): EdgefedError => new EdgefedError('SECAGG_BAD_MESSAGE', message);

/** A node's pre-summed masked inputs: the sum mod 2^32 and who is in it. */
export interface MaskedPartial {
  /** The round's masked-vector length (`update.length + 1`, the weight word last). */
  readonly masked: Uint32Array;
  /** The clients whose masked inputs `masked` adds up, sorted, no duplicates. */
  readonly clientIds: readonly string[];
}

/**
 * Pre-sums masked inputs on a node. {@link add} refuses a client twice and a vector of
 * another length (`SECAGG_BAD_MESSAGE`), leaving the sum unchanged; {@link merge} refuses two
 * partials that share a client id (`DUPLICATE_RESULT`). Memory: one vector of the model's size.
 */
export class MaskedPartialSum {
  #sum: Uint32Array | undefined;
  readonly #ids = new Set<string>();

  /** Number of masked inputs in the sum. */
  get contributors(): number {
    return this.#ids.size;
  }

  /** Adds one client's masked input (mod 2^32). */
  add(input: MaskedInput): void {
    this.addVector([input.clientId], input.masked);
  }

  /** Adds another node's partial (mod 2^32). */
  merge(other: MaskedPartial): void {
    this.addVector(other.clientIds, other.masked);
  }

  private addVector(ids: readonly string[], masked: Uint32Array): void {
    if (ids.length === 0) throw bad('A masked partial without clients');
    const seen = new Set<string>();
    const shared: string[] = [];
    for (const id of ids) {
      if (typeof id !== 'string' || id.length === 0) throw bad('Empty client id');
      if (seen.has(id)) throw bad(`${id} is listed twice`);
      seen.add(id);
      if (this.#ids.has(id)) shared.push(id);
    }
    if (shared.length > 0) {
      throw new EdgefedError(
        'DUPLICATE_RESULT',
        `${shared.length} client(s) already in the masked sum (${shared.slice(0, 5).join(', ')})`,
        { details: { clients: shared.slice(0, 100) } },
      );
    }
    if (this.#sum !== undefined && masked.length !== this.#sum.length) {
      throw bad(`A masked vector of ${masked.length} words; the sum has ${this.#sum.length}`);
    }
    this.#sum ??= new Uint32Array(masked.length);
    addMask(this.#sum, masked);
    for (const id of ids) this.#ids.add(id);
  }

  /** The partial to send to the leader (a copy); `FAILED_PRECONDITION` when empty. */
  result(): MaskedPartial {
    if (this.#sum === undefined) throw new EdgefedError('FAILED_PRECONDITION', 'No masked input was added');
    return {
      masked: this.#sum.slice(),
      clientIds: [...this.#ids].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)),
    };
  }
}
