/**
 * The events of the `/admin` socket.io namespace, shared by the coordinator and the
 * dashboard page (types only). Everything flows server -> page; the page sends nothing.
 */
import type { RunEvent } from '../rounds/run-events.js';

/** A participant connected, came back, or went away. */
export interface AdminClientEvent {
  readonly type: 'joined' | 'resumed' | 'left';
  readonly clientId: string;
  /** socket.io's disconnect reason, for `left`. */
  readonly reason?: string;
  /** Server time in ms. */
  readonly at: number;
}

/** Why the server ended an admin socket's session. */
export interface AdminSessionEnded {
  readonly reason: 'signed-out' | 'expired';
}

/** Events the coordinator sends on `/admin`. */
export interface AdminServerEvents {
  /** Sent once after the connection is accepted. */
  ready: (info: { serverTime: number; sessionExpiresAt: number }) => void;
  /**
   * Every run event (phase, round-completed, round-failed, task-outcome, evaluated) as it
   * happens, and task-progress coalesced: each task's latest progress, about once a second.
   */
  'run-event': (event: RunEvent) => void;
  'client-event': (event: AdminClientEvent) => void;
  /** The session ended; the server disconnects right after. */
  'session-ended': (info: AdminSessionEnded) => void;
}

/** The page sends no events on `/admin`. */
export type AdminClientEvents = Record<string, never>;
