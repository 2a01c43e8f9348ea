/**
 * Live events from the coordinator's `/admin` socket.io namespace (cookie-authenticated).
 * socket.io reconnects by itself with backoff, so the page recovers when the coordinator
 * restarts; a refused handshake (UNAUTHORIZED: the session is gone) stops retrying and
 * reports it, so the page can show the sign-in form.
 */
import { io, type Socket } from 'socket.io-client';
import type { AdminClientEvent, AdminServerEvents, RunEvent } from './types.js';

/** Connection state shown in the header. */
export type LiveState = 'connecting' | 'live' | 'reconnecting' | 'signed-out';

/** Callbacks of {@link connectLive}. */
export interface LiveHandlers {
  readonly onState: (state: LiveState) => void;
  readonly onRunEvent: (event: RunEvent) => void;
  readonly onClientEvent: (event: AdminClientEvent) => void;
  /** Called after every (re)connection: refetch what may have changed meanwhile. */
  readonly onResync: () => void;
}

/** Opens the live connection; returns the function that closes it. */
export function connectLive(h: LiveHandlers): () => void {
  const socket: Socket<AdminServerEvents, Record<string, never>> = io('/admin', {
    withCredentials: true,
    reconnectionDelay: 500,
    reconnectionDelayMax: 5000,
    transports: ['websocket', 'polling'],
  });
  let everConnected = false;
  h.onState('connecting');
  socket.on('ready', () => {
    h.onState('live');
    if (everConnected) h.onResync();
    everConnected = true;
  });
  socket.on('run-event', h.onRunEvent);
  socket.on('client-event', h.onClientEvent);
  socket.on('session-ended', () => {
    h.onState('signed-out');
  });
  socket.on('disconnect', (reason) => {
    if (reason === 'io server disconnect') {
      // The server dropped us on purpose (session ended); retry once to learn whether the
      // session is still good (a restart also disconnects this way on some transports).
      socket.connect();
    }
    h.onState('reconnecting');
  });
  socket.on('connect_error', (err: Error & { data?: { code?: string } }) => {
    if (err.data?.code === 'UNAUTHORIZED' || err.data?.code === 'FORBIDDEN') {
      socket.disconnect();
      h.onState('signed-out');
      return;
    }
    h.onState('reconnecting');
  });
  return () => {
    socket.removeAllListeners();
    socket.disconnect();
  };
}
