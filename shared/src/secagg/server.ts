/**
 * SecAggServer: the coordinator's side of one SecAgg+ round. It routes encrypted shares it cannot
 * read, adds masked inputs into one running sum as they arrive (memory O(model), never one
 * client's unmasked input), asks survivors for shares, rebuilds survivors' self-mask seeds and
 * dropped clients' mask keys, and removes the masks that did not cancel. Transport-agnostic:
 * the wiring calls one method per phase, in order, and owns the deadlines.
 */
import { EdgefedError } from '../errors.js';
import { MIN_SECAGG_CLIENTS, resolveSecAggParams } from './config.js';
import { derivePairKey, importPrivate, KEY_BYTES, publicKeyOf } from './keys.js';
import { addMask, applyMask, maskKey } from './prg.js';
import { SHARE_BYTES, shamirCombine } from './shamir.js';
import type {
  AdvertiseKeys,
  EncryptedShare,
  MaskedInput,
  Roster,
  SecAggConfig,
  SecAggParams,
  SecAggResult,
  SecAggServerApi,
  SecAggServerOptions,
  UnmaskRequest,
  UnmaskResponse,
} from './types.js';

type Phase = 'advertise' | 'share' | 'upload' | 'unmask' | 'done' | 'failed';

const bad = (message: string): EdgefedError => new EdgefedError('SECAGG_BAD_MESSAGE', message);
const byId = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** The server's state machine for one secure round. */
export class SecAggServer implements SecAggServerApi {
  private phase: Phase = 'advertise';
  private readonly config: SecAggConfig;
  private readonly round: number;
  private readonly seed: Uint8Array;
  private readonly adverts = new Map<string, AdvertiseKeys>();
  private fixedRoster: Roster | undefined;
  /** Clients that shared keys (U2). */
  private readonly sharers = new Set<string>();
  /** Who holds whose shares: client → the clients its shares were routed to (both ways). */
  private readonly routed = new Map<string, Set<string>>();
  /** Running sum of masked inputs, mod 2^32. */
  private sum: Uint32Array | undefined;
  private readonly uploaders = new Set<string>();
  private request: UnmaskRequest | undefined;
  private readonly responders = new Set<string>();
  /** Shares received, per client whose secret they are: responder → share. */
  private readonly selfMaskShares = new Map<string, Map<string, Uint8Array>>();
  private readonly keyShares = new Map<string, Map<string, Uint8Array>>();

  constructor(options: SecAggServerOptions) {
    if (options.seed.length !== 32) throw new EdgefedError('INVALID_ARGUMENT', 'The round seed has 32 bytes');
    if (!Number.isSafeInteger(options.round) || options.round < 0) {
      throw new EdgefedError('INVALID_ARGUMENT', `Bad round ${options.round}`);
    }
    this.config = options.config;
    this.round = options.round;
    this.seed = options.seed.slice();
  }

  /** The round's parameters (after {@link roster}). */
  get params(): SecAggParams {
    return this.requireRoster().params;
  }

  addAdvertise(advertise: AdvertiseKeys): void {
    this.expectPhase('advertise');
    if (advertise.clientId.length === 0) throw bad('Empty client id');
    if (this.adverts.has(advertise.clientId)) throw bad(`${advertise.clientId} advertised twice`);
    if (advertise.cPublicKey.length !== KEY_BYTES || advertise.sPublicKey.length !== KEY_BYTES) {
      throw bad(`${advertise.clientId} advertised a key that is not 32 bytes`);
    }
    this.adverts.set(advertise.clientId, {
      clientId: advertise.clientId,
      cPublicKey: advertise.cPublicKey.slice(),
      sPublicKey: advertise.sPublicKey.slice(),
    });
  }

  roster(): Roster {
    if (this.fixedRoster !== undefined) return this.fixedRoster;
    this.expectPhase('advertise');
    const clients = [...this.adverts.values()].sort((a, b) => byId(a.clientId, b.clientId));
    const params = resolveSecAggParams(this.config, clients.length);
    this.fixedRoster = { round: this.round, seed: this.seed, params, clients };
    this.phase = 'share';
    return this.fixedRoster;
  }

  routeShares(shares: readonly EncryptedShare[]): Map<string, EncryptedShare[]> {
    this.expectPhase('share');
    const roster = this.requireRoster();
    const known = new Set(roster.clients.map((c) => c.clientId));
    const pairs = new Set<string>();
    for (const share of shares) {
      if (!known.has(share.from) || !known.has(share.to)) {
        throw bad(`Share ${share.from} → ${share.to}: not in the roster`);
      }
      if (share.from === share.to) throw bad(`${share.from} sent a share to itself`);
      const pair = JSON.stringify([share.from, share.to]);
      if (pairs.has(pair)) throw bad(`Two shares ${share.from} → ${share.to}`);
      pairs.add(pair);
    }
    // Only pairs that sent each other shares are routed: a client pairs masks with exactly the
    // clients whose shares it receives, so both ends of every pair mask (or neither), and the
    // coordinator knows who holds whose shares without computing the graph.
    const inboxes = new Map<string, EncryptedShare[]>();
    for (const share of shares) {
      if (!pairs.has(JSON.stringify([share.to, share.from]))) continue;
      const holders = this.routed.get(share.from) ?? new Set<string>();
      holders.add(share.to);
      this.routed.set(share.from, holders);
      this.sharers.add(share.from);
      const inbox = inboxes.get(share.to) ?? [];
      inbox.push(share);
      inboxes.set(share.to, inbox);
    }
    this.phase = 'upload';
    return inboxes;
  }

  addMaskedInput(input: MaskedInput): void {
    this.expectPhase('upload');
    if (!this.sharers.has(input.clientId)) throw bad(`${input.clientId} uploaded without sharing keys`);
    if (this.uploaders.has(input.clientId)) throw bad(`${input.clientId} uploaded twice`);
    if (this.sum === undefined) this.sum = new Uint32Array(input.masked.length);
    else if (input.masked.length !== this.sum.length) {
      throw bad(`${input.clientId} uploaded ${input.masked.length} words, others ${this.sum.length}`);
    }
    addMask(this.sum, input.masked);
    this.uploaders.add(input.clientId);
  }

  /**
   * Phase 3, cluster mode: a node's pre-summed masked inputs (see `masked-partial-sum.ts`).
   * Checks every listed client as {@link addMaskedInput} does (shared keys, not uploaded yet,
   * no duplicates in the list) and the vector's length, all before adding anything, then adds
   * the vector and records every listed client as a survivor. The unmasked result is the same
   * as had their inputs arrived one by one.
   */
  addMaskedPartialSum(partial: {
    readonly clientIds: readonly string[];
    readonly masked: Uint32Array;
  }): void {
    this.expectPhase('upload');
    if (partial.clientIds.length === 0) throw bad('A masked partial sum without clients');
    const listed = new Set<string>();
    for (const id of partial.clientIds) {
      if (!this.sharers.has(id)) throw bad(`${id} uploaded without sharing keys`);
      if (this.uploaders.has(id) || listed.has(id)) throw bad(`${id} uploaded twice`);
      listed.add(id);
    }
    if (this.sum !== undefined && partial.masked.length !== this.sum.length) {
      throw bad(`A partial sum of ${partial.masked.length} words, others ${this.sum.length}`);
    }
    this.sum ??= new Uint32Array(partial.masked.length);
    addMask(this.sum, partial.masked);
    for (const id of listed) this.uploaders.add(id);
  }

  unmaskRequest(): UnmaskRequest {
    if (this.request !== undefined) return this.request;
    this.expectPhase('upload');
    if (this.uploaders.size < MIN_SECAGG_CLIENTS) {
      throw new EdgefedError(
        'SECAGG_TOO_FEW_SURVIVORS',
        `${this.uploaders.size} masked inputs; a secure round needs ${MIN_SECAGG_CLIENTS}`,
      );
    }
    const survivors = [...this.uploaders].sort(byId);
    const dropped = [...this.sharers].filter((id) => !this.uploaders.has(id)).sort(byId);
    this.request = { survivors, dropped };
    this.phase = 'unmask';
    return this.request;
  }

  addUnmaskResponse(response: UnmaskResponse): void {
    this.expectPhase('unmask');
    const from = response.clientId;
    if (!this.uploaders.has(from)) throw bad(`${from} answered the unmask request but is no survivor`);
    if (this.responders.has(from)) throw bad(`${from} answered twice`);
    const collect = (
      list: UnmaskResponse['selfMaskShares'],
      into: Map<string, Map<string, Uint8Array>>,
      allowed: (id: string) => boolean,
    ): void => {
      for (const { of, share } of list) {
        if (!allowed(of)) throw bad(`${from} sent a share of ${of} of the wrong kind`);
        if (share.length !== SHARE_BYTES) throw bad(`${from} sent a share of ${of} of ${share.length} bytes`);
        const held = into.get(of) ?? new Map<string, Uint8Array>();
        if (held.has(from)) throw bad(`${from} sent two shares of ${of}`);
        held.set(from, share);
        into.set(of, held);
      }
    };
    collect(response.selfMaskShares, this.selfMaskShares, (id) => this.uploaders.has(id));
    collect(response.keyShares, this.keyShares, (id) => this.sharers.has(id) && !this.uploaders.has(id));
    this.responders.add(from);
  }

  async finish(length: number): Promise<SecAggResult> {
    this.expectPhase('unmask');
    try {
      return await this.unmaskSum(length);
    } catch (error) {
      this.phase = 'failed';
      throw error;
    }
  }

  private async unmaskSum(length: number): Promise<SecAggResult> {
    const request = this.unmaskRequest();
    const sum = this.sum;
    if (sum === undefined || sum.length !== length + 1) {
      throw bad(`Masked inputs have ${sum?.length ?? 0} words; expected ${length + 1} (update + weight)`);
    }
    // every secret is rebuilt before any mask is removed, so a failure leaves nothing half-done
    const selfMaskSeeds = request.survivors.map((id) => this.rebuild(id, this.selfMaskShares));
    const droppedKeys = request.dropped
      .map((id) => ({
        id,
        partners: [...(this.routed.get(id) ?? [])].filter((v) => this.uploaders.has(v)).sort(byId),
      }))
      .filter((d) => d.partners.length > 0)
      .map((d) => ({ ...d, raw: this.rebuild(d.id, this.keyShares) }));
    for (const seed of selfMaskSeeds) await applyMask(sum, await maskKey(seed), -1);
    for (const dropped of droppedKeys) await this.removePairMasks(dropped, sum);
    this.phase = 'done';
    return {
      sum: sum.slice(0, length),
      weightSum: sum[length] ?? 0,
      survivors: request.survivors,
      dropped: request.dropped,
    };
  }

  /** Removes the masks that survivors added with a dropped client, from its rebuilt key. */
  private async removePairMasks(
    dropped: { id: string; partners: readonly string[]; raw: Uint8Array },
    sum: Uint32Array,
  ): Promise<void> {
    const { id, partners, raw } = dropped;
    const advertised = this.adverts.get(id);
    if (advertised === undefined) throw bad(`${id} is not in the roster`);
    const privateKey = await importPrivate(raw);
    const check = await publicKeyOf(privateKey);
    if (!check.every((b, i) => b === advertised.sPublicKey[i])) {
      throw bad(`The shares of ${id}'s mask key rebuild a key that does not match its advertised one`);
    }
    for (const partner of partners) {
      const keys = this.adverts.get(partner);
      if (keys === undefined) continue;
      const key = await derivePairKey(privateKey, keys.sPublicKey, 'mask', {
        seed: this.seed,
        round: this.round,
        a: id,
        b: partner,
      });
      // the survivor added +mask when its id sorts first, -mask otherwise: undo that
      await applyMask(sum, key, partner < id ? -1 : 1);
    }
  }

  /** Rebuilds client `id`'s secret from the shares its holders returned (`SECAGG_TOO_FEW_SURVIVORS`). */
  private rebuild(id: string, from: Map<string, Map<string, Uint8Array>>): Uint8Array {
    const holders = this.routed.get(id) ?? new Set<string>();
    const shares = [...(from.get(id) ?? new Map<string, Uint8Array>())]
      .filter(([holder]) => holders.has(holder))
      .map(([, share]) => share);
    const t = this.params.threshold;
    if (shares.length < t) {
      throw new EdgefedError(
        'SECAGG_TOO_FEW_SURVIVORS',
        `Only ${shares.length} neighbours of ${id} returned shares; ${t} are needed`,
        { details: { client: id, shares: shares.length, threshold: t } },
      );
    }
    return shamirCombine(shares, t);
  }

  private requireRoster(): Roster {
    if (this.fixedRoster === undefined) throw new EdgefedError('FAILED_PRECONDITION', 'No roster yet');
    return this.fixedRoster;
  }

  private expectPhase(phase: Phase): void {
    if (this.phase !== phase) {
      throw new EdgefedError('FAILED_PRECONDITION', `Secure round is in phase ${this.phase}, not ${phase}`);
    }
  }
}
