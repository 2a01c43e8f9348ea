/**
 * Messages between the page (main-thread proxy) and the participant host (in a Web Worker,
 * or on a MessageChannel when the app opts out of the worker). Every message has a
 * string-literal `type`; errors cross as their wire form and become EdgefedErrors again.
 */
import { EdgefedError, isErrorCode, type Dataset, type WireError } from '@edgefed/shared';
import type { ParticipantEventMap } from '../participant/participant-events.js';
import type { SentRecord } from '../participant/transparency-log.js';
import type { BackendPreference } from './backend-choice.js';
import type { DeviceIdentity } from './device-store.js';
import type { LocalEvaluation } from './evaluating-engine.js';
import type { PolicyVerdict } from './policy.js';

/** What the host needs to start a participant (structured-cloneable). */
export interface HostStartOptions {
  readonly url: string;
  readonly token: string;
  readonly train: Dataset;
  /** Held-out local data (federated evaluation and local accuracy). */
  readonly test?: Dataset;
  readonly backend: BackendPreference;
  readonly wasmPaths?: string;
  readonly wasmThreads?: number;
  /** IndexedDB database name, or `false` for no persistence. */
  readonly store: string | false;
  readonly verdict: PolicyVerdict;
  readonly evaluateLocally: boolean;
  readonly transports?: readonly ('websocket' | 'polling')[];
  readonly progressIntervalMs?: number;
  /** Announced device class (default `desktop`; `mobile` for phones and tablets). */
  readonly deviceClass?: 'desktop' | 'mobile' | 'unknown';
}

/** Page -> host. */
export type ToHost =
  | { readonly type: 'start'; readonly options: HostStartOptions }
  | { readonly type: 'policy'; readonly verdict: PolicyVerdict }
  | { readonly type: 'stop' };

/** A participant event as it crosses the boundary (errors in wire form). */
export type WireEvent = {
  [K in keyof ParticipantEventMap]: {
    readonly type: 'event';
    readonly event: K;
    readonly value: ParticipantEventMap[K] extends EdgefedError
      ? WireError
      : ParticipantEventMap[K] extends { error: EdgefedError }
        ? Omit<ParticipantEventMap[K], 'error'> & { readonly error: WireError }
        : ParticipantEventMap[K];
  };
}[keyof ParticipantEventMap];

/** What `ready` reports about the started participant. */
export interface HostReady {
  readonly clientId: string;
  /** The coordinator's current resume token (also saved in the device store). */
  readonly resumeToken: string;
  /** True when a saved resume token brought back the client id this device had before. */
  readonly resumedIdentity: boolean;
  readonly backend: 'webgpu' | 'wasm';
  readonly backendReason: string;
  readonly backendFailures: Readonly<Record<string, string>>;
  readonly identity?: DeviceIdentity;
  /** Global models already cached on this device when it started. */
  readonly cachedModels: readonly string[];
}

/** Host -> page. */
export type FromHost =
  | ({ readonly type: 'ready' } & HostReady)
  | { readonly type: 'start-failed'; readonly error: WireError }
  | WireEvent
  | { readonly type: 'sent'; readonly record: SentRecord }
  | { readonly type: 'resume-token'; readonly token: string }
  | { readonly type: 'local-evaluation'; readonly value: LocalEvaluation };

/** The part of Worker, DedicatedWorkerGlobalScope and MessagePort both sides use. */
export interface MessageEndpoint {
  postMessage(message: unknown): void;
  addEventListener(type: 'message', listener: (event: MessageEvent) => void): void;
  removeEventListener(type: 'message', listener: (event: MessageEvent) => void): void;
}

/** An EdgefedError's wire form (unknown values become INTERNAL). */
export function toWire(e: EdgefedError): WireError {
  return e.toWire();
}

/** Rebuilds an EdgefedError from its wire form; an unknown code becomes INTERNAL. */
export function fromWire(w: WireError): EdgefedError {
  return new EdgefedError(isErrorCode(w.code) ? w.code : 'INTERNAL', w.message, {
    ...(w.details === undefined ? {} : { details: w.details }),
  });
}
