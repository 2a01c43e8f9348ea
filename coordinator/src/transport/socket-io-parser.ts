/**
 * The socket.io packet parser the coordinator's socket.io server uses: socket.io-parser's, with room for the
 * binary attachments of secure-aggregation messages. socket.io-parser (4.2.3+) refuses any
 * packet with more than 10 binary attachments ("parse error", the connection drops), and a
 * SecAgg+ roster carries two 32-byte public keys per client plus the seed: a secure round of
 * five clients already needs 11. Participants use the same limit
 * (client/src/participant/socket-io-parser.ts); the total size of a packet stays bounded by
 * `maxHttpBufferSize` (`limits.maxMessageBytes`).
 */
import { Decoder, Encoder } from 'socket.io-parser';

/** Most binary attachments one packet may carry: a roster of up to 4,999 clients. */
export const MAX_PACKET_ATTACHMENTS = 10_000;

/** socket.io-parser's Decoder with {@link MAX_PACKET_ATTACHMENTS}. */
class SecAggDecoder extends Decoder {
  constructor() {
    super({ maxAttachments: MAX_PACKET_ATTACHMENTS });
  }
}

/** The `parser` option of the socket.io `Server`. */
export const socketIoParser = { Encoder, Decoder: SecAggDecoder };
