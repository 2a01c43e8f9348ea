/**
 * The socket.io mapping of protocol v1, as types only (shared never imports socket.io).
 *
 * One socket.io event per message type: the event name equals the message's `type`, and
 * the single argument is the whole message (its `type` field included, and equal to the
 * event name). `result` and `upload-chunk` take a second argument, an acknowledgement
 * callback answered with an {@link AckResponse}. Use as
 * `Server<ClientToServerEvents, ServerToClientEvents>` and
 * `Socket<ServerToClientEvents, ClientToServerEvents>` (socket.io-client).
 */
import { z } from 'zod';
import type { WireError } from '../errors.js';
import { errorCodeSchema } from './common-messages.js';
import type {
  AckedMessageType,
  ClientMessageInputOf,
  ClientMessageType,
  ServerMessageInputOf,
  ServerMessageType,
} from './messages.js';

/** The answer to an acknowledged message: accepted, or rejected with an error. */
export type AckResponse = { readonly ok: true } | { readonly ok: false; readonly error: WireError };

/** Schema of {@link AckResponse}, for the sender to validate what came back. */
export const ackResponseSchema = z.union([
  z.object({ ok: z.literal(true) }),
  z.object({
    ok: z.literal(false),
    error: z.object({
      code: errorCodeSchema,
      message: z.string().max(4096),
      details: z.record(z.string(), z.unknown()).optional(),
    }),
  }),
]);

/** The acknowledgement callback of an acked message. */
export type AckCallback = (response: AckResponse) => void;

/** Events a participant emits (socket.io `ListenEvents` on the server). */
export type ClientToServerEvents = {
  [K in ClientMessageType]: K extends AckedMessageType
    ? (message: ClientMessageInputOf<K>, ack: AckCallback) => void
    : (message: ClientMessageInputOf<K>) => void;
};

/** Events the coordinator emits (socket.io `EmitEvents` on the server). */
export type ServerToClientEvents = {
  [K in ServerMessageType]: (message: ServerMessageInputOf<K>) => void;
};
