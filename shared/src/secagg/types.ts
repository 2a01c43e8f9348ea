/**
 * SecAgg+ (Bell et al. 2020; Bonawitz et al. 2017 when every client is a neighbour): the
 * transport-agnostic messages and the public API of the client and server state machines.
 *
 * A round has four phases, each driven by the wiring layer (coordinator / participant):
 *
 * 1. advertise: every client sends {@link AdvertiseKeys} (two fresh X25519 public keys);
 *    the server answers with a {@link Roster} (round, seed, resolved params, everybody's keys).
 * 2. share keys: every client sends one {@link EncryptedShare} per neighbour (its Shamir
 *    shares of its self-mask seed and of its mask private key, AES-GCM encrypted for that
 *    neighbour); the server routes them into one inbox per recipient.
 * 3. masked upload: every client sends a {@link MaskedInput}: its quantized update plus its
 *    weight word, plus its self mask, plus/minus the pairwise masks with its neighbours.
 * 4. unmask: the server sends an {@link UnmaskRequest} (who uploaded, who did not) and every
 *    survivor answers with an {@link UnmaskResponse}: shares of survivors' self-mask seeds and
 *    of dropped clients' mask keys, never both for one client.
 *
 * Binary fields are `Uint8Array`/`Uint32Array` (socket.io carries them as binary). Every value
 * that crosses the wire is checked by the schemas in `schemas.ts` before it reaches this API.
 */

/**
 * Resolved parameters of one secure round (what the {@link Roster} carries). Produced by
 * `resolveSecAggParams(config, n)` from a {@link SecAggConfig} and the roster size `n`.
 */
export interface SecAggParams {
  /** k: neighbours per client (`n - 1` is full SecAgg). */
  readonly neighbours: number;
  /** t: Shamir threshold, 2 <= t <= k: shares needed to rebuild a client's secret. */
  readonly threshold: number;
  /** Every update coordinate is clipped to [-clipRange, clipRange] before quantization. */
  readonly clipRange: number;
  /** The FedAvg weight (example count) is rounded and clipped to [0, maxWeight]. */
  readonly maxWeight: number;
  /** Most clients whose quantized inputs may be summed without overflowing Z_{2^32}. */
  readonly maxClients: number;
}

/** A run's `secureAggregation` block after validation (see `secAggConfigSchema`). */
export interface SecAggConfig {
  /** k, or `'auto'`: see `resolveSecAggParams`. */
  readonly neighbours: number | 'auto';
  /** t, or `'auto'`: see `resolveSecAggParams`. */
  readonly threshold: number | 'auto';
  readonly clipRange: number;
  readonly maxWeight: number;
  readonly maxClients: number;
}

/** Phase 1, client → server: the client's two fresh X25519 public keys (32 raw bytes each). */
export interface AdvertiseKeys {
  readonly clientId: string;
  /** Channel key: ECDH with a neighbour's channel key keys the AES-GCM share encryption. */
  readonly cPublicKey: Uint8Array;
  /** Mask key: ECDH with a neighbour's mask key seeds their pairwise mask. */
  readonly sPublicKey: Uint8Array;
}

/** Phase 1, server → clients: every client that advertised, and the round's parameters. */
export interface Roster {
  readonly round: number;
  /** 32 public random bytes: seed of the neighbour graph and salt of every key derivation. */
  readonly seed: Uint8Array;
  readonly params: SecAggParams;
  /** Sorted by clientId, no duplicates. */
  readonly clients: readonly AdvertiseKeys[];
}

/**
 * Phase 2, client → server → client: `from`'s shares for `to`. `ciphertext` is
 * `iv (12 bytes) || AES-GCM(plaintext) (with its 16-byte tag)`; the associated data binds
 * the round, `from` and `to`, so a share replayed to another recipient or round fails.
 */
export interface EncryptedShare {
  readonly from: string;
  readonly to: string;
  readonly ciphertext: Uint8Array;
}

/**
 * Phase 3, client → server: `update.length + 1` words of Z_{2^32}. Words `0..length-1` are the
 * quantized weighted update, the last word is the quantized weight; all are masked.
 */
export interface MaskedInput {
  readonly clientId: string;
  readonly masked: Uint32Array;
}

/** Phase 4, server → surviving clients. The two lists must be disjoint. */
export interface UnmaskRequest {
  /** Clients whose masked input the server holds: it needs their self-mask seeds. */
  readonly survivors: readonly string[];
  /** Clients that shared keys but sent no masked input: it needs their mask private keys. */
  readonly dropped: readonly string[];
}

/** One Shamir share of one client's secret, as a neighbour holds it (see `shamir.ts`). */
export interface ShareOf {
  /** The client whose secret this is a share of. */
  readonly of: string;
  /** Encoded share: 2-byte big-endian x, then the 33-byte big-endian field element y. */
  readonly share: Uint8Array;
}

/** Phase 4, client → server. */
export interface UnmaskResponse {
  readonly clientId: string;
  /** Shares of the self-mask seeds b_u of survivors that are this client's neighbours. */
  readonly selfMaskShares: readonly ShareOf[];
  /** Shares of the mask private keys of dropped clients that are this client's neighbours. */
  readonly keyShares: readonly ShareOf[];
}

/** What the server returns when a round unmasks. */
export interface SecAggResult {
  /** Sum over survivors of the quantized weighted updates, mod 2^32 (`length` words). */
  readonly sum: Uint32Array;
  /** Sum of the survivors' clipped integer weights (the masked weight words, unmasked). */
  readonly weightSum: number;
  /** Clients whose inputs are in the sum, sorted. */
  readonly survivors: readonly string[];
  /** Clients that shared keys but whose inputs are not in the sum, sorted. */
  readonly dropped: readonly string[];
}

/**
 * The client's side of one round (implemented by `SecAggClient`). One instance per round;
 * each method is called once, in order (`unmask` may be repeated with the same request).
 * Errors are `EdgefedError`s: `SECAGG_BAD_MESSAGE` (malformed roster or inbox),
 * `SECAGG_DECRYPT_FAILED` (tampered or misrouted share), `SECAGG_TOO_FEW_SURVIVORS`,
 * `SECAGG_CONFLICTING_REQUEST`, `FAILED_PRECONDITION` (called out of order).
 */
export interface SecAggClientApi {
  readonly clientId: string;
  /** Phase 1: this client's public keys. */
  advertise(): AdvertiseKeys;
  /** Phase 2: checks the roster and returns one encrypted share per neighbour. */
  shareKeys(roster: Roster): Promise<EncryptedShare[]>;
  /** Phase 2: decrypts and keeps the shares addressed to this client. */
  receiveShares(inbox: readonly EncryptedShare[]): Promise<void>;
  /**
   * Optional, between phases 2 and 3: computes the round's combined mask for `parameters`
   * coordinates ahead (while the model trains), so `maskInput` only adds one vector.
   */
  prepareMask(parameters: number): Promise<void>;
  /** Phase 3: quantizes, weights and masks the update (see `quantize`). */
  maskInput(update: Float32Array, weight: number): Promise<MaskedInput>;
  /** Phase 4: shares for the server; refuses a conflicting or too-small request. */
  unmask(request: UnmaskRequest): Promise<UnmaskResponse>;
}

/**
 * The server's side of one round (implemented by `SecAggServer`). It never sees an
 * unmasked individual input: `finish` only ever forms the masked sum and removes masks.
 */
export interface SecAggServerApi {
  /** Phase 1: records a client's keys (`SECAGG_BAD_MESSAGE` on a duplicate or bad key). */
  addAdvertise(advertise: AdvertiseKeys): void;
  /** Closes phase 1 and returns the roster (`SECAGG_TOO_FEW_SURVIVORS` below the minimum). */
  roster(): Roster;
  /** Phase 2: routes each client's shares into one inbox per recipient. */
  routeShares(shares: readonly EncryptedShare[]): Map<string, EncryptedShare[]>;
  /** Phase 3: records a masked input (from a client that shared keys). */
  addMaskedInput(input: MaskedInput): void;
  /**
   * Phase 3, cluster mode: a node's sum (mod 2^32) of its clients' masked inputs, with their
   * ids; the same checks as {@link addMaskedInput} for every listed client, all or nothing.
   */
  addMaskedPartialSum(partial: { readonly clientIds: readonly string[]; readonly masked: Uint32Array }): void;
  /** Closes phase 3 and returns the one unmask request every survivor gets. */
  unmaskRequest(): UnmaskRequest;
  /** Phase 4: records a survivor's shares. */
  addUnmaskResponse(response: UnmaskResponse): void;
  /** Rebuilds the secrets, removes the masks, returns the sum (`SECAGG_TOO_FEW_SURVIVORS`). */
  finish(length: number): Promise<SecAggResult>;
}

/** Options of `new SecAggServer(...)`. */
export interface SecAggServerOptions {
  readonly config: SecAggConfig;
  readonly round: number;
  /** 32 random bytes, fresh per round (`secureRandomBytes(32)`); public, but never reused. */
  readonly seed: Uint8Array;
}

/** Neighbours of each client: symmetric, no self-loops, each list sorted. */
export type NeighbourGraph = ReadonlyMap<string, readonly string[]>;

/** Signatures of the pure helpers, exported from `shared/src/index.ts`. */
export interface SecAggHelpers {
  /** Resolves `'auto'` neighbours / threshold for a roster of `n` clients. */
  resolveSecAggParams(config: SecAggConfig, n: number): SecAggParams;
  /** Deterministic SecAgg+ graph (Harary graph over a seeded permutation). */
  neighbourGraph(ids: readonly string[], k: number, seed: Uint8Array): Promise<NeighbourGraph>;
  /** Clipped, weighted, quantized update: `update.length + 1` words (last: the weight). */
  quantize(update: Float32Array, weight: number, params: SecAggParams): Uint32Array;
  /** Weighted mean from the unmasked sum of `survivors` quantized inputs. */
  dequantizeMean(sum: Uint32Array, weightSum: number, survivors: number, params: SecAggParams): Float32Array;
  /** `length` pseudo-random words: AES-256-CTR keyed by the 32-byte seed over zeros. */
  expandMask(seed: Uint8Array, length: number): Promise<Uint32Array>;
  /** Shamir-splits a 32-byte secret into `xs.length` shares, any `threshold` of which rebuild it. */
  shamirSplit(secret: Uint8Array, threshold: number, xs: readonly number[]): Uint8Array[];
  /** Rebuilds the 32-byte secret (`SECAGG_TOO_FEW_SHARES` with fewer than `threshold`). */
  shamirCombine(shares: readonly Uint8Array[], threshold: number): Uint8Array;
}
