/**
 * SecAggClient: one client's side of one SecAgg+ round (see types.ts for the phases). It keeps
 * its secrets (the channel and mask private keys, the self-mask seed b) in memory for the round
 * only, and remembers which secret of each neighbour it has revealed, so no sequence of unmask
 * requests gets both the self-mask share and the mask-key share of one client out of it.
 */
import { EdgefedError } from '../errors.js';
import { neighbourGraph } from './graph.js';
import {
  derivePairKey,
  exportPrivate,
  generateX25519,
  openShare,
  sealShare,
  type X25519Pair,
} from './keys.js';
import { defaultKeystream, type KeystreamEngine } from './keystream.js';
import { addMask, applyMasks, maskKey, type MaskTerm } from './prg.js';
import { quantize } from './quantize.js';
import { checkRoster } from './roster-check.js';
import { decodeShare, SHARE_BYTES, shamirSplit } from './shamir.js';
import type {
  AdvertiseKeys,
  EncryptedShare,
  MaskedInput,
  Roster,
  SecAggClientApi,
  SecAggConfig,
  SecAggParams,
  ShareOf,
  UnmaskRequest,
  UnmaskResponse,
} from './types.js';
import { randomBytes, type CryptoKeyLike } from './webcrypto.js';

/** Shares one neighbour holds of this client's two secrets. */
interface HeldShares {
  readonly selfMask: Uint8Array;
  readonly key: Uint8Array;
}

/** The round state once the roster is known. */
interface RoundState {
  readonly roster: Roster;
  readonly params: SecAggParams;
  readonly neighbours: readonly string[];
  readonly keysOf: ReadonlyMap<string, { c: Uint8Array; s: Uint8Array }>;
}

type Revealed = 'self-mask' | 'key';

/** Options of {@link SecAggClient.create}. */
export interface SecAggClientOptions {
  /** Where mask keystreams come from (default: node:crypto in Node, Web Crypto elsewhere; same bytes). */
  readonly keystream?: KeystreamEngine;
}

/** The round's combined mask, computed ahead by `prepareMask`. */
interface PreparedMask {
  readonly words: number;
  readonly mask: Promise<Uint32Array>;
}

const conflict = (message: string): EdgefedError => new EdgefedError('SECAGG_CONFLICTING_REQUEST', message);
const bad = (message: string): EdgefedError => new EdgefedError('SECAGG_BAD_MESSAGE', message);

/** One client's state machine for one secure round. */
export class SecAggClient implements SecAggClientApi {
  private state: RoundState | undefined;
  /** Shares received from each neighbour that shared keys (phase 2). */
  private readonly held = new Map<string, HeldShares>();
  /** Phase 2 progress: a failed inbox leaves the client out of the round for good. */
  private inbox: 'none' | 'opening' | 'done' | 'failed' = 'none';
  private uploaded = false;
  private readonly revealed = new Map<string, Revealed>();
  /** Derived pair keys by purpose and neighbour (the channel key is used twice). */
  private readonly pairKeys = new Map<string, Promise<CryptoKeyLike>>();
  private prepared: PreparedMask | undefined;

  private constructor(
    readonly clientId: string,
    private readonly config: SecAggConfig,
    private readonly channel: X25519Pair,
    private readonly mask: X25519Pair,
    private readonly selfMaskSeed: Uint8Array,
    private readonly keystream: KeystreamEngine,
  ) {}

  /** A client with fresh keys and self-mask seed for one round of a run with `config`. */
  static async create(
    clientId: string,
    config: SecAggConfig,
    options: SecAggClientOptions = {},
  ): Promise<SecAggClient> {
    if (clientId.length === 0) throw new EdgefedError('INVALID_ARGUMENT', 'Empty client id');
    const [channel, mask] = await Promise.all([generateX25519(), generateX25519()]);
    const keystream = options.keystream ?? defaultKeystream();
    return new SecAggClient(clientId, config, channel, mask, randomBytes(32), keystream);
  }

  advertise(): AdvertiseKeys {
    return { clientId: this.clientId, cPublicKey: this.channel.publicKey, sPublicKey: this.mask.publicKey };
  }

  async shareKeys(roster: Roster): Promise<EncryptedShare[]> {
    if (this.state !== undefined)
      throw new EdgefedError('FAILED_PRECONDITION', 'shareKeys was already called');
    checkRoster(roster, this.config, this.advertise());
    const graph = await neighbourGraph(
      roster.clients.map((c) => c.clientId),
      roster.params.neighbours,
      roster.seed,
    );
    const neighbours = graph.get(this.clientId) ?? [];
    const keysOf = new Map(roster.clients.map((c) => [c.clientId, { c: c.cPublicKey, s: c.sPublicKey }]));
    this.state = { roster, params: roster.params, neighbours, keysOf };
    const t = roster.params.threshold;
    if (neighbours.length < t) {
      throw new EdgefedError('SECAGG_TOO_FEW_SURVIVORS', `${neighbours.length} neighbours, threshold ${t}`);
    }
    const xs = neighbours.map((_, i) => i + 1);
    const selfMaskShares = shamirSplit(this.selfMaskSeed, t, xs);
    const keyShares = shamirSplit(await exportPrivate(this.mask.privateKey), t, xs);
    return Promise.all(
      neighbours.map(async (to, i) => {
        const channelKey = await this.pairKey(to, 'channel');
        const plaintext = new Uint8Array(2 * SHARE_BYTES);
        plaintext.set(selfMaskShares[i] ?? new Uint8Array(0), 0);
        plaintext.set(keyShares[i] ?? new Uint8Array(0), SHARE_BYTES);
        const ciphertext = await sealShare(channelKey, plaintext, {
          round: roster.round,
          from: this.clientId,
          to,
        });
        return { from: this.clientId, to, ciphertext };
      }),
    );
  }

  async receiveShares(inbox: readonly EncryptedShare[]): Promise<void> {
    const state = this.requireState();
    if (this.inbox !== 'none')
      throw new EdgefedError('FAILED_PRECONDITION', 'receiveShares was already called');
    this.inbox = 'opening';
    try {
      await this.openInbox(state, inbox);
      this.inbox = 'done';
    } catch (error) {
      this.inbox = 'failed';
      this.held.clear();
      throw error;
    }
  }

  private async openInbox(state: RoundState, inbox: readonly EncryptedShare[]): Promise<void> {
    const neighbours = new Set(state.neighbours);
    const seen = new Set<string>();
    for (const share of inbox) {
      if (share.to !== this.clientId) throw bad(`A share for ${share.to} reached ${this.clientId}`);
      if (!neighbours.has(share.from)) throw bad(`${share.from} is not a neighbour of ${this.clientId}`);
      if (seen.has(share.from)) throw bad(`Two shares from ${share.from}`);
      seen.add(share.from);
    }
    const opened = await Promise.all(
      inbox.map(async (share) => {
        const key = await this.pairKey(share.from, 'channel');
        const bind = { round: state.roster.round, from: share.from, to: this.clientId };
        return { from: share.from, plain: await openShare(key, share.ciphertext, bind) };
      }),
    );
    for (const { from, plain } of opened) {
      if (plain.length !== 2 * SHARE_BYTES) throw bad(`The share from ${from} has the wrong size`);
      const selfMask = plain.slice(0, SHARE_BYTES);
      const key = plain.slice(SHARE_BYTES);
      decodeShare(selfMask);
      decodeShare(key);
      this.held.set(from, { selfMask, key });
    }
    if (this.held.size < state.params.threshold) {
      throw new EdgefedError(
        'SECAGG_TOO_FEW_SURVIVORS',
        `Only ${this.held.size} neighbours shared keys; the threshold is ${state.params.threshold}`,
      );
    }
  }

  /**
   * Computes the round's combined mask (self-mask plus the signed pairwise masks of every neighbour
   * that shared keys) for an update of `parameters` coordinates, ahead of {@link maskInput}: the
   * seeds are known once the inbox is open, so this can run while the model trains, and
   * `maskInput` then only adds one vector. Resolves when the mask is ready; `maskInput` waits for
   * it either way. `FAILED_PRECONDITION` before a successful `receiveShares`, after `maskInput`
   * or when called twice; `INVALID_ARGUMENT` for a bad count.
   */
  async prepareMask(parameters: number): Promise<void> {
    if (!Number.isSafeInteger(parameters) || parameters < 0) {
      throw new EdgefedError('INVALID_ARGUMENT', `Bad parameter count ${parameters}`);
    }
    this.requireInbox();
    if (this.prepared !== undefined)
      throw new EdgefedError('FAILED_PRECONDITION', 'prepareMask was already called');
    const words = parameters + 1;
    const mask = this.maskTerms().then(async (terms) => {
      const out = new Uint32Array(words);
      await applyMasks(out, terms, this.keystream, { yieldEveryMs: 10 }); // leave training room
      return out;
    });
    this.prepared = { words, mask };
    await mask;
  }

  async maskInput(update: Float32Array, weight: number): Promise<MaskedInput> {
    const state = this.requireInbox();
    const prepared = this.prepared;
    if (prepared !== undefined && prepared.words !== update.length + 1) {
      throw new EdgefedError(
        'SHAPE_MISMATCH',
        `The mask was prepared for ${prepared.words - 1} parameters, the update has ${update.length}`,
      );
    }
    const masked = quantize(update, weight, state.params);
    this.uploaded = true;
    this.prepared = undefined;
    if (prepared === undefined) await applyMasks(masked, await this.maskTerms(), this.keystream);
    else addMask(masked, await prepared.mask);
    return { clientId: this.clientId, masked };
  }

  /** The state once the inbox is open and before the upload (`FAILED_PRECONDITION` otherwise). */
  private requireInbox(): RoundState {
    const state = this.requireState();
    if (this.inbox !== 'done') {
      throw new EdgefedError('FAILED_PRECONDITION', 'Masking needs a successfully received inbox');
    }
    if (this.uploaded) throw new EdgefedError('FAILED_PRECONDITION', 'maskInput was already called');
    return state;
  }

  /** The self-mask (+) and each key-sharing neighbour's pairwise mask (+ towards larger ids). */
  private async maskTerms(): Promise<MaskTerm[]> {
    const others = [...this.held.keys()].sort();
    const keys = await Promise.all(others.map((other) => this.pairKey(other, 'mask')));
    const pairs = others.map((other, i): MaskTerm => {
      const key = keys[i];
      if (key === undefined) throw new EdgefedError('INTERNAL', 'A pair key went missing');
      return { key, sign: this.clientId < other ? 1 : -1 };
    });
    return [{ key: await maskKey(this.selfMaskSeed), sign: 1 }, ...pairs];
  }

  unmask(request: UnmaskRequest): Promise<UnmaskResponse> {
    try {
      return Promise.resolve(this.answerUnmask(request));
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  private answerUnmask(request: UnmaskRequest): UnmaskResponse {
    const state = this.requireState();
    if (!this.uploaded) throw new EdgefedError('FAILED_PRECONDITION', 'unmask before maskInput');
    const survivors = new Set(request.survivors);
    const dropped = new Set(request.dropped);
    if (survivors.size !== request.survivors.length || dropped.size !== request.dropped.length) {
      throw bad('The unmask request lists a client twice');
    }
    for (const id of survivors)
      if (dropped.has(id)) throw conflict(`${id} is listed as both survivor and dropped`);
    if (!survivors.has(this.clientId)) {
      throw conflict(`${this.clientId} uploaded its masked input but is not listed as a survivor`);
    }
    const near = state.neighbours.filter((id) => survivors.has(id)).length + 1;
    if (near < state.params.threshold) {
      throw new EdgefedError(
        'SECAGG_TOO_FEW_SURVIVORS',
        `Only ${near} survivors in the neighbourhood of ${this.clientId}; the threshold is ${state.params.threshold}`,
      );
    }
    const wanted = new Map<string, Revealed>();
    for (const id of this.held.keys()) {
      if (survivors.has(id)) wanted.set(id, 'self-mask');
      else if (dropped.has(id)) wanted.set(id, 'key');
    }
    for (const [id, kind] of wanted) {
      const before = this.revealed.get(id);
      if (before !== undefined && before !== kind) {
        throw conflict(`The ${before} share of ${id} was already revealed; refusing its ${kind} share`);
      }
    }
    const selfMaskShares: ShareOf[] = [];
    const keyShares: ShareOf[] = [];
    for (const [id, kind] of [...wanted].sort(([a], [b]) => (a < b ? -1 : 1))) {
      this.revealed.set(id, kind);
      const held = this.held.get(id);
      if (held === undefined) continue;
      if (kind === 'self-mask') selfMaskShares.push({ of: id, share: held.selfMask });
      else keyShares.push({ of: id, share: held.key });
    }
    return { clientId: this.clientId, selfMaskShares, keyShares };
  }

  private requireState(): RoundState {
    if (this.state === undefined)
      throw new EdgefedError('FAILED_PRECONDITION', 'No roster yet: call shareKeys');
    return this.state;
  }

  private pairKey(other: string, purpose: 'channel' | 'mask'): Promise<CryptoKeyLike> {
    const cacheKey = `${purpose}:${other}`;
    let key = this.pairKeys.get(cacheKey);
    if (key === undefined) {
      key = this.derivePairKey(other, purpose);
      this.pairKeys.set(cacheKey, key);
    }
    return key;
  }

  private async derivePairKey(other: string, purpose: 'channel' | 'mask'): Promise<CryptoKeyLike> {
    const state = this.requireState();
    const keys = state.keysOf.get(other);
    if (keys === undefined) throw bad(`${other} is not in the roster`);
    const own = purpose === 'channel' ? this.channel : this.mask;
    return derivePairKey(own.privateKey, purpose === 'channel' ? keys.c : keys.s, purpose, {
      seed: state.roster.seed,
      round: state.roster.round,
      a: this.clientId,
      b: other,
    });
  }
}
