/**
 * Wire-level helpers of the participant connection: which coordinator errors end the
 * connection, validation of inbound events, and acked sends.
 */
import {
  ackResponseSchema,
  EdgefedError,
  fromWireError,
  isServerMessageType,
  parseMessage,
  type ErrorCode,
  type ServerMessage,
} from '@edgefed/shared';

/** Errors before `welcome` after which a retry can help; any other one ends the connection. */
const RETRYABLE_BEFORE_WELCOME: ReadonlySet<ErrorCode> = new Set([
  'TIMEOUT',
  'UNAVAILABLE',
  'INTERNAL',
  'RATE_LIMITED',
]);
/** Errors after `welcome` that end the connection (the coordinator closes it too). */
const FATAL_AFTER_WELCOME: ReadonlySet<ErrorCode> = new Set([
  'CONFLICT',
  'UNAUTHORIZED',
  'FORBIDDEN',
  'PROTOCOL_VERSION',
]);

/**
 * Whether an `error` from the coordinator ends the connection for good (no reconnect):
 * before `welcome` every code but the retryable ones; after it, the fatal ones.
 */
export function endsConnection(code: ErrorCode, greeted: boolean): boolean {
  return greeted ? FATAL_AFTER_WELCOME.has(code) : !RETRYABLE_BEFORE_WELCOME.has(code);
}

/** What socket.io's emitters look like without the typed event maps. */
interface UntypedEmitter {
  emit(event: string, ...args: unknown[]): unknown;
}

/** The socket parts the helpers use (a socket.io-client Socket fits). */
export interface AckSocket {
  readonly connected: boolean;
  timeout(ms: number): unknown;
}

/** Emits an already validated message (the typed emit cannot take a union of events). */
export function emitUntyped(socket: unknown, type: string, message: unknown): void {
  (socket as UntypedEmitter).emit(type, message);
}

/** Arguments of {@link emitWithAck}. */
export interface EmitWithAckArgs {
  readonly socket: AckSocket;
  readonly type: string;
  readonly message: unknown;
  readonly timeoutMs: number;
}

/**
 * Emits `message` with an ack and waits for `{ ok: true }`.
 * @throws EdgefedError `TIMEOUT` (no ack in time), `UNAVAILABLE` (disconnected first), the
 *   coordinator's code for `{ ok: false }`, or `INVALID_MESSAGE` with `details.invalidAck`
 *   for a malformed ack.
 */
export async function emitWithAck(args: EmitWithAckArgs): Promise<void> {
  const { socket, type, message, timeoutMs } = args;
  const raw = await new Promise<unknown>((resolve, reject) => {
    (socket.timeout(timeoutMs) as UntypedEmitter).emit(
      type,
      message,
      (error: Error | null, response: unknown) => {
        if (error === null) resolve(response);
        else if (socket.connected)
          reject(new EdgefedError('TIMEOUT', `No ack for ${type} in ${timeoutMs} ms`));
        else reject(new EdgefedError('UNAVAILABLE', `Disconnected before ${type} was acknowledged`));
      },
    );
  });
  const ack = ackResponseSchema.safeParse(raw);
  if (!ack.success) {
    throw new EdgefedError('INVALID_MESSAGE', `Invalid ack for ${type}`, { details: { invalidAck: true } });
  }
  if (!ack.data.ok) throw wireError(ack.data.error);
}

/** Rebuilds an EdgefedError from a parsed wire error (absent details stay absent). */
export function wireError(wire: {
  code: ErrorCode;
  message: string;
  details?: Record<string, unknown> | undefined;
}): EdgefedError {
  const { code, message, details } = wire;
  return fromWireError(details === undefined ? { code, message } : { code, message, details });
}

/** Validates one inbound event: a known type, one argument, `type` equal to the event name. */
export function validateInbound(event: string, args: unknown[]): ServerMessage {
  const shown = event.slice(0, 64);
  if (!isServerMessageType(event)) {
    throw new EdgefedError('UNKNOWN_MESSAGE_TYPE', `Unknown event "${shown}"`, { details: { type: shown } });
  }
  const raw = args[0];
  const type = typeof raw === 'object' && raw !== null ? (raw as { type?: unknown }).type : undefined;
  if (args.length !== 1 || type !== event) {
    throw new EdgefedError('INVALID_MESSAGE', `Event "${shown}" must carry one message of that type`, {
      details: {
        type: shown,
        issues: [{ path: 'type', code: 'mismatch', message: 'type must equal the event name' }],
      },
    });
  }
  return parseMessage('server-to-client', raw);
}
