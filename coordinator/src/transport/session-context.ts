/**
 * What a {@link SocketSession} needs from the control plane: limits, clock, logger, the
 * registry, and callbacks to admit a client, announce it, dispatch its messages and
 * release it. Keeps sessions free of the plane's bookkeeping.
 */
import type { ClientMessage, ErrorCode, HelloMessage, Limits } from '@edgefed/shared';
import type { Admission, ClientRegistry } from '../registry/client-registry.js';
import type { Clock } from '../registry/clock.js';
import type { Authenticate, ControlPlaneLimits, ControlPlaneLogger } from './control-plane-types.js';
import type { EdgefedError } from '@edgefed/shared';
import type { SocketSession } from './socket-session.js';

/** Arguments of {@link SessionContext.admit}. */
export interface AdmitArgs<P> {
  readonly session: SocketSession<P>;
  readonly hello: HelloMessage;
  readonly principal: P;
}

/** The control plane as a session sees it. */
export interface SessionContext<P> {
  readonly limits: ControlPlaneLimits;
  readonly welcomeLimits: Limits;
  readonly clock: Clock;
  readonly logger: ControlPlaneLogger;
  readonly registry: ClientRegistry<P>;
  readonly authenticate: Authenticate<P>;
  countRejection(code: ErrorCode): void;
  /** Registers or resumes the client and binds it to `session` (closing a replaced one). */
  admit(args: AdmitArgs<P>): Admission<P>;
  /** Emits joined / resumed for an admission after `welcome` went out. */
  announce(admission: Admission<P>): void;
  /**
   * Hands a validated message to its subscribers; resolves to their errors. With
   * `needsHandler`, having no subscriber is itself an error (UNAVAILABLE).
   */
  dispatch(
    clientId: string,
    message: Exclude<ClientMessage, HelloMessage>,
    needsHandler: boolean,
  ): Promise<unknown[]>;
  /** Turns a subscriber's error into what the client is told (EdgefedError kept, else INTERNAL). */
  toClientError(error: unknown): EdgefedError;
  /** The session's socket closed. */
  release(session: SocketSession<P>, reason: string): void;
}
