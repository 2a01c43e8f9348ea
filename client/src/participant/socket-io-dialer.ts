/**
 * The default {@link ChannelDialer}: one socket.io-client connection per attempt (websocket
 * only unless `transports` says otherwise; socket.io's own reconnection off, since the
 * participant's connection does its own backoff and resume), wrapped in shared's socket.io
 * channel adapter.
 */
import { EdgefedError, socketIoParticipantChannel, type ParticipantChannel } from '@edgefed/shared';
import { io } from 'socket.io-client';
import type { ChannelDialer, ConnectOptions } from './connection-types.js';
import { socketIoParser } from './socket-io-parser.js';

/** A dialer to the coordinator at `options.url` (with `path`, `transports`, `ackTimeoutMs`). */
export function socketIoDialer(
  options: Pick<ConnectOptions, 'url' | 'path' | 'transports' | 'ackTimeoutMs'>,
): ChannelDialer {
  return (signal) =>
    new Promise<ParticipantChannel>((resolve, reject) => {
      const socket = io(options.url, {
        autoConnect: false,
        reconnection: false,
        forceNew: true,
        parser: socketIoParser,
        transports: [...(options.transports ?? ['websocket'])],
        ...(options.path === undefined ? {} : { path: options.path }),
      });
      const onAbort = (): void => {
        done();
        socket.disconnect();
        reject(new EdgefedError('ABORTED', 'Connection attempt aborted'));
      };
      const onConnect = (): void => {
        done();
        const ackTimeoutMs = options.ackTimeoutMs;
        resolve(socketIoParticipantChannel(socket, ackTimeoutMs === undefined ? {} : { ackTimeoutMs }));
      };
      const onError = (error: Error): void => {
        done();
        socket.disconnect();
        reject(new EdgefedError('UNAVAILABLE', error.message, { cause: error }));
      };
      function done(): void {
        signal.removeEventListener('abort', onAbort);
        socket.off('connect', onConnect);
        socket.off('connect_error', onError);
      }
      if (signal.aborted) {
        reject(new EdgefedError('ABORTED', 'Connection attempt aborted'));
        return;
      }
      signal.addEventListener('abort', onAbort, { once: true });
      socket.on('connect', onConnect);
      socket.on('connect_error', onError);
      socket.connect();
    });
}
