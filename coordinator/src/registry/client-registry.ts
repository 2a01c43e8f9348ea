/**
 * The client registry: who is connected, under which id, with which capabilities, and who
 * may still come back. Pure logic over an injectable {@link Clock}: no sockets, no I/O.
 *
 * Lifecycle: `register` (new identity) or `resume` (known resume token, within grace)
 * -> `touch` on heartbeats -> `disconnect` starts the grace period -> after
 * `resumeGraceMs` without a resume the client is forgotten and `onExpired` fires.
 * Only SHA-256 hashes of resume tokens are stored; every resume rotates the token.
 */
import type { Capabilities } from '@edgefed/shared';
import { EdgefedError } from '@edgefed/shared';
import { ListenerSet, type Listener, type Unsubscribe } from '../transport/listener-set.js';
import { systemClock, type Clock } from './clock.js';
import { hashResumeToken, newClientId, newResumeToken } from './resume-token.js';

/** What the registry knows about one client (a snapshot; mutate through the registry). */
export interface ClientRecord<P = unknown> {
  readonly clientId: string;
  /** Whatever `authenticate` returned for the latest hello. */
  readonly principal: P;
  readonly capabilities: Capabilities;
  /** First registration time. */
  readonly registeredAt: number;
  /** Last hello, heartbeat or message. */
  readonly lastSeen: number;
  /** The current connection, or undefined while disconnected (in grace). */
  readonly connectionId: string | undefined;
  /** When the client went offline; undefined while connected. */
  readonly disconnectedAt: number | undefined;
  /** How many times this identity was resumed. */
  readonly resumeCount: number;
}

/** Why a client was forgotten. */
export type ExpiryReason = 'grace-elapsed' | 'removed';

/** Fired when a client is forgotten. */
export interface ClientExpiredEvent<P = unknown> {
  readonly record: ClientRecord<P>;
  readonly reason: ExpiryReason;
}

/** Options for {@link ClientRegistry}. */
export interface ClientRegistryOptions {
  /** How long a disconnected client may resume (ms, >= 0; 0 = forget at once). */
  readonly resumeGraceMs: number;
  /** Defaults to {@link systemClock}. */
  readonly clock?: Clock;
  /** Sees errors thrown by `onExpired` listeners. */
  readonly onListenerError?: (error: unknown) => void;
}

/** Arguments of {@link ClientRegistry.register} and {@link ClientRegistry.resume}. */
export interface ConnectArgs<P> {
  readonly principal: P;
  readonly capabilities: Capabilities;
  /** The transport's id for this connection (socket id). */
  readonly connectionId: string;
}

/** The result of registering or resuming: the record and the new resume token (plaintext). */
export interface Admission<P> {
  readonly record: ClientRecord<P>;
  readonly resumeToken: string;
  readonly resumed: boolean;
  /** The connection this one replaced (the same client was still connected), if any. */
  readonly replacedConnectionId: string | undefined;
}

/** A persisted identity to bring back with {@link ClientRegistry.restore}. */
export interface RestoreArgs<P> {
  readonly clientId: string;
  /** Hex SHA-256 of the client's current resume token (as persisted). */
  readonly resumeTokenHash: string;
  /** When the identity was first registered (e.g. the stored session's first-seen time). */
  readonly registeredAt: number;
  readonly principal: P;
  readonly capabilities: Capabilities;
}

interface Entry<P> {
  record: ClientRecord<P>;
  tokenHash: string;
  cancelExpiry: (() => void) | undefined;
}

/** In-memory client registry. Not shared between processes. */
export class ClientRegistry<P = unknown> {
  readonly #clock: Clock;
  readonly #graceMs: number;
  readonly #entries = new Map<string, Entry<P>>();
  readonly #byTokenHash = new Map<string, string>();
  readonly #expired: ListenerSet<ClientExpiredEvent<P>>;

  /** @throws EdgefedError `INVALID_ARGUMENT` when `resumeGraceMs` is negative or not finite. */
  constructor(options: ClientRegistryOptions) {
    if (!Number.isFinite(options.resumeGraceMs) || options.resumeGraceMs < 0) {
      throw new EdgefedError('INVALID_ARGUMENT', 'resumeGraceMs must be a finite number >= 0', {
        details: { resumeGraceMs: options.resumeGraceMs },
      });
    }
    this.#graceMs = options.resumeGraceMs;
    this.#clock = options.clock ?? systemClock;
    this.#expired = new ListenerSet(options.onListenerError);
  }

  /** The grace period in ms. */
  get resumeGraceMs(): number {
    return this.#graceMs;
  }

  /** Number of known clients, connected or in grace. */
  get size(): number {
    return this.#entries.size;
  }

  /** Gives a new identity to a freshly authenticated connection. */
  register(args: ConnectArgs<P>): Admission<P> {
    const now = this.#clock.now();
    let clientId = newClientId();
    while (this.#entries.has(clientId)) clientId = newClientId();
    const resumeToken = newResumeToken();
    const record: ClientRecord<P> = {
      clientId,
      principal: args.principal,
      capabilities: args.capabilities,
      registeredAt: now,
      lastSeen: now,
      connectionId: args.connectionId,
      disconnectedAt: undefined,
      resumeCount: 0,
    };
    const tokenHash = hashResumeToken(resumeToken);
    this.#entries.set(clientId, { record, tokenHash, cancelExpiry: undefined });
    this.#byTokenHash.set(tokenHash, clientId);
    return { record, resumeToken, resumed: false, replacedConnectionId: undefined };
  }

  /**
   * Resumes the identity that `resumeToken` belongs to, rotating the token. Returns undefined
   * when the token is unknown or its client expired (the caller then registers anew). When
   * the client is still connected elsewhere, the old connection is reported as replaced.
   */
  resume(resumeToken: string, args: ConnectArgs<P>): Admission<P> | undefined {
    const oldHash = hashResumeToken(resumeToken);
    const clientId = this.#byTokenHash.get(oldHash);
    const entry = clientId === undefined ? undefined : this.#entries.get(clientId);
    if (entry === undefined) return undefined;
    entry.cancelExpiry?.();
    entry.cancelExpiry = undefined;
    const replaced = entry.record.connectionId;
    const token = newResumeToken();
    this.#byTokenHash.delete(oldHash);
    entry.tokenHash = hashResumeToken(token);
    this.#byTokenHash.set(entry.tokenHash, entry.record.clientId);
    entry.record = {
      ...entry.record,
      principal: args.principal,
      capabilities: args.capabilities,
      lastSeen: this.#clock.now(),
      connectionId: args.connectionId,
      disconnectedAt: undefined,
      resumeCount: entry.record.resumeCount + 1,
    };
    return { record: entry.record, resumeToken: token, resumed: true, replacedConnectionId: replaced };
  }

  /** Whether `resumeToken` (plaintext) is the current token of a known client. */
  knowsResumeToken(resumeToken: string): boolean {
    return this.#byTokenHash.has(hashResumeToken(resumeToken));
  }

  /**
   * Brings back an identity that a previous process issued (after a coordinator restart),
   * or that another node of a cluster rotated, as a disconnected client in its grace period,
   * so that `resume` with the matching token re-admits it under its old id. A client this
   * registry still holds *disconnected* (in grace, with the older token it issued: the client
   * went to another node since) takes the persisted token hash, which is the newer one.
   * Returns false and changes nothing when the token hash is already known, or the client id
   * is connected here (a live identity always wins over a persisted one).
   */
  restore(args: RestoreArgs<P>): boolean {
    if (this.#byTokenHash.has(args.resumeTokenHash)) return false;
    const held = this.#entries.get(args.clientId);
    if (held !== undefined) {
      if (held.record.connectionId !== undefined) return false;
      this.#byTokenHash.delete(held.tokenHash);
      held.tokenHash = args.resumeTokenHash;
      this.#byTokenHash.set(args.resumeTokenHash, args.clientId);
      return true;
    }
    const now = this.#clock.now();
    const entry: Entry<P> = {
      record: {
        clientId: args.clientId,
        principal: args.principal,
        capabilities: args.capabilities,
        registeredAt: args.registeredAt,
        lastSeen: now,
        connectionId: undefined,
        disconnectedAt: now,
        resumeCount: 0,
      },
      tokenHash: args.resumeTokenHash,
      cancelExpiry: undefined,
    };
    this.#entries.set(args.clientId, entry);
    this.#byTokenHash.set(args.resumeTokenHash, args.clientId);
    this.#startGrace(entry);
    return true;
  }

  /** Records activity (heartbeat, message). Returns false for an unknown or offline client. */
  touch(clientId: string): boolean {
    const entry = this.#entries.get(clientId);
    if (entry?.record.connectionId === undefined) return false;
    entry.record = { ...entry.record, lastSeen: this.#clock.now() };
    return true;
  }

  /** Replaces the stored capabilities of a known client. Returns false when unknown. */
  updateCapabilities(clientId: string, capabilities: Capabilities): boolean {
    const entry = this.#entries.get(clientId);
    if (entry === undefined) return false;
    entry.record = { ...entry.record, capabilities };
    return true;
  }

  /**
   * Marks the client offline and starts its grace period. Ignored (returns false) when the
   * client is unknown or `connectionId` is not its current connection (a stale socket
   * closing after the client already resumed elsewhere).
   */
  disconnect(clientId: string, connectionId: string): boolean {
    const entry = this.#entries.get(clientId);
    if (entry === undefined || entry.record.connectionId !== connectionId) return false;
    const now = this.#clock.now();
    entry.record = { ...entry.record, connectionId: undefined, disconnectedAt: now };
    this.#startGrace(entry);
    return true;
  }

  /** Forgets a client now (connected or not); fires `onExpired` with reason `removed`. */
  remove(clientId: string): boolean {
    const entry = this.#entries.get(clientId);
    if (entry === undefined) return false;
    this.#forget(entry, 'removed');
    return true;
  }

  /** The record of `clientId`, or undefined. */
  get(clientId: string): ClientRecord<P> | undefined {
    return this.#entries.get(clientId)?.record;
  }

  /** Snapshots of all known clients, in registration order. */
  list(): ClientRecord<P>[] {
    return [...this.#entries.values()].map((e) => e.record);
  }

  /** Subscribes to expiries; returns the unsubscribe function. */
  onExpired(listener: Listener<ClientExpiredEvent<P>>): Unsubscribe {
    return this.#expired.add(listener);
  }

  /** Cancels every grace timer and forgets everyone without firing events. */
  close(): void {
    for (const entry of this.#entries.values()) entry.cancelExpiry?.();
    this.#entries.clear();
    this.#byTokenHash.clear();
    this.#expired.clear();
  }

  #startGrace(entry: Entry<P>): void {
    if (this.#graceMs === 0) {
      this.#forget(entry, 'grace-elapsed');
    } else {
      entry.cancelExpiry = this.#clock.setTimer(() => {
        this.#forget(entry, 'grace-elapsed');
      }, this.#graceMs);
    }
  }

  #forget(entry: Entry<P>, reason: ExpiryReason): void {
    entry.cancelExpiry?.();
    entry.cancelExpiry = undefined;
    if (this.#entries.get(entry.record.clientId) !== entry) return;
    this.#entries.delete(entry.record.clientId);
    this.#byTokenHash.delete(entry.tokenHash);
    void this.#expired.emit({ record: entry.record, reason });
  }
}
