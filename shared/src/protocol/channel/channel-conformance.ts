/**
 * One conformance suite for every Channel adapter (socket.io, MessagePort, and any third
 * party's): ordering, acknowledgements, binary payloads, oversize messages, validation, and
 * a close while an acknowledgement is pending. Runner-agnostic, like the strategy suite:
 * returns named async cases that throw on failure; register them with your test runner.
 */
import { EdgefedError } from '../../errors.js';
import type { ClientMessage, ServerMessage } from '../messages.js';
import {
  DISCONNECT_REASONS,
  type ChannelLimits,
  type CoordinatorChannel,
  type Inbound,
  type ParticipantChannel,
} from './channel.js';

/** A connected pair of channel ends. */
export interface ChannelPair {
  readonly coordinator: CoordinatorChannel;
  readonly participant: ParticipantChannel;
  /** Releases whatever the pair holds (servers, ports); the channels may be open or closed. */
  dispose(): Promise<void> | void;
}

/** Limits per end, for the oversize cases. */
export interface ChannelPairLimits {
  readonly coordinator?: ChannelLimits;
  readonly participant?: ChannelLimits;
}

/** Opens a fresh, connected pair with the given limits. */
export type ChannelPairFactory = (limits: ChannelPairLimits) => Promise<ChannelPair>;

/** One named conformance check. */
export interface ChannelConformanceCase {
  readonly name: string;
  readonly run: () => Promise<void>;
}

function check(condition: boolean, what: string): asserts condition {
  if (!condition) throw new Error(`channel conformance: ${what}`);
}

/** Collects a channel's inbound messages; `take(n)` resolves once n have arrived. */
function collect<M>(channel: { onMessage(l: (i: Inbound<M>) => void): () => void }) {
  const seen: Inbound<M>[] = [];
  let waiter: { n: number; resolve: () => void } | undefined;
  channel.onMessage((inbound) => {
    seen.push(inbound);
    if (waiter !== undefined && seen.length >= waiter.n) waiter.resolve();
  });
  return {
    seen,
    take(n: number): Promise<Inbound<M>[]> {
      if (seen.length >= n) return Promise.resolve(seen.slice(0, n));
      return new Promise((resolve) => {
        waiter = { n, resolve: () => resolve(seen.slice(0, n)) };
      });
    },
  };
}

function closedWith(channel: { onClose(l: (r: string) => void): unknown }): Promise<string> {
  return new Promise((resolve) => {
    channel.onClose(resolve);
  });
}

async function expectCode(promise: Promise<unknown>, code: string, what: string): Promise<void> {
  try {
    await promise;
  } catch (error) {
    check(
      error instanceof EdgefedError && error.code === code,
      `${what}: expected ${code}, got ${String(error)}`,
    );
    return;
  }
  throw new Error(`channel conformance: ${what}: expected ${code}, but it succeeded`);
}

function chunk(data: Uint8Array, index = 0) {
  return {
    type: 'upload-chunk' as const,
    taskId: 't1',
    payloadId: 'p1',
    index,
    count: 1_000,
    chunkBytes: Math.max(1, data.byteLength),
    totalBytes: Math.max(1, data.byteLength) * 1_000,
    checksum: 'crc32c:00000000',
    payloadChecksum: 'crc32c:00000000',
    data,
  };
}

const pattern = (n: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i * 31 + 7) & 255);

async function withPair(
  factory: ChannelPairFactory,
  limits: ChannelPairLimits,
  body: (p: ChannelPair) => Promise<void>,
) {
  const pair = await factory(limits);
  try {
    await body(pair);
  } finally {
    pair.coordinator.close();
    pair.participant.close();
    await pair.dispose();
  }
}

/** The conformance cases for the adapter `name`, each on a fresh pair from `factory`. */
export function channelConformance(name: string, factory: ChannelPairFactory): ChannelConformanceCase[] {
  const cases: [string, ChannelPairLimits, (p: ChannelPair) => Promise<void>][] = [
    [
      'delivers messages in order, both ways',
      {},
      async ({ coordinator, participant }) => {
        const atCoordinator = collect<ClientMessage>(coordinator);
        const atParticipant = collect<ServerMessage>(participant);
        for (let i = 0; i < 100; i++) {
          if (i % 3 === 0) participant.send({ type: 'progress', taskId: 't1', step: i });
          else participant.send({ type: 'heartbeat', sentAt: i });
          coordinator.send({ type: 'heartbeat', sentAt: i });
        }
        const up = await atCoordinator.take(100);
        const down = await atParticipant.take(100);
        up.forEach((inbound, i) => {
          check(inbound.ok, `message ${i} arrived invalid`);
          const m = inbound.message;
          check(
            m.type === 'progress' ? m.step === i : m.type === 'heartbeat' && m.sentAt === i,
            `order at ${i}`,
          );
        });
        down.forEach((inbound, i) => {
          check(
            inbound.ok && inbound.message.type === 'heartbeat' && inbound.message.sentAt === i,
            `order down ${i}`,
          );
        });
      },
    ],
    [
      'acknowledgements: ok resolves, an error rejects with its code',
      {},
      async ({ coordinator, participant }) => {
        coordinator.onMessage((inbound) => {
          if (!inbound.ok || inbound.message.type !== 'upload-chunk') return;
          const { index } = inbound.message;
          check(inbound.reply !== undefined, 'an acked message carries a reply');
          if (index === 0) inbound.reply({ ok: true });
          else
            inbound.reply({
              ok: false,
              error: { code: 'STALE_ROUND', message: 'stale', details: { index } },
            });
          inbound.reply({ ok: true }); // a second answer is ignored
        });
        await participant.request(chunk(pattern(16), 0));
        await expectCode(participant.request(chunk(pattern(16), 1)), 'STALE_ROUND', 'refused ack');
      },
    ],
    [
      'an unanswered request times out with TIMEOUT',
      {},
      async ({ participant }) => {
        await expectCode(participant.request(chunk(pattern(4)), { timeoutMs: 30 }), 'TIMEOUT', 'no ack');
        check(participant.open, 'a timeout leaves the channel open');
      },
    ],
    [
      'binary payloads arrive byte for byte',
      {},
      async ({ coordinator, participant }) => {
        const at = collect<ClientMessage>(coordinator);
        const sizes = [1, 1000, 256 * 1024];
        for (const [i, n] of sizes.entries()) participant.send(chunk(pattern(n), i));
        const got = await at.take(sizes.length);
        got.forEach((inbound, i) => {
          check(inbound.ok && inbound.message.type === 'upload-chunk', `chunk ${i} valid`);
          const data = inbound.message.data;
          const want = pattern(sizes[i] ?? 0);
          check(data instanceof Uint8Array && data.byteLength === want.byteLength, `chunk ${i} length`);
          check(
            data.every((b, j) => b === want[j]),
            `chunk ${i} bytes`,
          );
        });
      },
    ],
    [
      'an oversize send is refused with PAYLOAD_TOO_LARGE',
      { participant: { maxSendBytes: 4096 } },
      async ({ coordinator, participant }) => {
        const at = collect<ClientMessage>(coordinator);
        await expectCode(participant.request(chunk(pattern(8192))), 'PAYLOAD_TOO_LARGE', 'request');
        let thrown: unknown;
        try {
          participant.send(chunk(pattern(8192)));
        } catch (error) {
          thrown = error;
        }
        check(
          thrown instanceof EdgefedError && thrown.code === 'PAYLOAD_TOO_LARGE',
          'send throws PAYLOAD_TOO_LARGE',
        );
        participant.send({ type: 'heartbeat', sentAt: 1 });
        const [first] = await at.take(1);
        check(first?.ok === true && first.message.type === 'heartbeat', 'nothing oversize reached the peer');
      },
    ],
    [
      'an oversize arrival is delivered invalid with PAYLOAD_TOO_LARGE',
      { coordinator: { maxReceiveBytes: 4096 } },
      async ({ coordinator, participant }) => {
        coordinator.onMessage((inbound) => {
          if (inbound.ok) inbound.reply?.({ ok: true });
          else inbound.reply?.({ ok: false, error: inbound.error.toWire() });
        });
        await expectCode(participant.request(chunk(pattern(8192))), 'PAYLOAD_TOO_LARGE', 'receiver refuses');
        await participant.request(chunk(pattern(1024)));
      },
    ],
    [
      'invalid outbound messages are refused before sending',
      {},
      async ({ coordinator, participant }) => {
        const bad = { type: 'heartbeat', sentAt: -1 } as unknown as Parameters<typeof participant.send>[0];
        let thrown: unknown;
        try {
          participant.send(bad);
        } catch (error) {
          thrown = error;
        }
        check(thrown instanceof EdgefedError && thrown.code === 'INVALID_MESSAGE', 'INVALID_MESSAGE');
        const unknown = { type: 'welcome' } as unknown as Parameters<typeof participant.send>[0];
        try {
          participant.send(unknown);
          thrown = undefined;
        } catch (error) {
          thrown = error;
        }
        check(
          thrown instanceof EdgefedError && thrown.code === 'UNKNOWN_MESSAGE_TYPE',
          'UNKNOWN_MESSAGE_TYPE',
        );
        const at = collect<ClientMessage>(coordinator);
        participant.send({ type: 'heartbeat', sentAt: 2 });
        const [first] = await at.take(1);
        check(first?.ok === true && first.message.type === 'heartbeat', 'the invalid ones were not sent');
      },
    ],
    [
      'a close during an acknowledgement rejects it with UNAVAILABLE',
      {},
      async ({ coordinator, participant }) => {
        const participantClosed = closedWith(participant);
        const coordinatorClosed = closedWith(coordinator);
        let late: ((r: { ok: true }) => void) | undefined;
        coordinator.onMessage((inbound) => {
          late = inbound.reply;
          coordinator.close();
        });
        await expectCode(participant.request(chunk(pattern(64))), 'UNAVAILABLE', 'pending request');
        late?.({ ok: true }); // answering after close does nothing
        check((await coordinatorClosed) === DISCONNECT_REASONS.coordinatorClosedHere, 'coordinator reason');
        check((await participantClosed) === DISCONNECT_REASONS.coordinatorClosedThere, 'participant reason');
        check(!participant.open && !coordinator.open, 'both closed');
        check(!participant.send({ type: 'heartbeat', sentAt: 3 }), 'send after close returns false');
        await expectCode(participant.request(chunk(pattern(4))), 'UNAVAILABLE', 'request after close');
      },
    ],
    [
      "the participant's close reaches the coordinator",
      {},
      async ({ coordinator, participant }) => {
        const coordinatorClosed = closedWith(coordinator);
        participant.close();
        check(participant.closeReason === DISCONNECT_REASONS.participantClosedHere, 'participant reason');
        check((await coordinatorClosed) === DISCONNECT_REASONS.participantClosedThere, 'coordinator reason');
        let calls = 0;
        coordinator.onClose(() => calls++);
        check(calls === 1, 'onClose after close is called at once');
      },
    ],
  ];
  return cases.map(([caseName, limits, body]) => ({
    name: `${name}: ${caseName}`,
    run: () => withPair(factory, limits, body),
  }));
}
