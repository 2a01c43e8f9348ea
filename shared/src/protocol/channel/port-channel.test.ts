/**
 * The MessagePort adapter passes the channel conformance suite in both forms: one channel
 * over a whole port, and channels multiplexed over one port (dialer and listener).
 */
import { describe, expect, it } from 'vitest';
import { EdgefedError } from '../../errors.js';
import type { CoordinatorChannel } from './channel.js';
import { channelConformance, type ChannelPairLimits } from './channel-conformance.js';
import {
  createPortChannel,
  createPortDialer,
  createPortListener,
  type MessagePortLike,
} from './port-channel.js';

/** The platform's MessageChannel (a global in browsers and Node >= 15). */
declare const MessageChannel: new () => { port1: MessagePortLike; port2: MessagePortLike };

function single(limits: ChannelPairLimits) {
  const { port1, port2 } = new MessageChannel();
  return Promise.resolve({
    coordinator: createPortChannel(port1, 'coordinator', limits.coordinator ?? {}),
    participant: createPortChannel(port2, 'participant', limits.participant ?? {}),
    dispose: () => undefined,
  });
}

async function multiplexed(limits: ChannelPairLimits) {
  const { port1, port2 } = new MessageChannel();
  let accepted: CoordinatorChannel | undefined;
  const listener = createPortListener(port1, (c) => (accepted = c), limits.coordinator ?? {});
  const dialer = createPortDialer(port2, limits.participant ?? {});
  // a first connection, closed at once, so the pair under test is not connection 0
  (await dialer.dial()).close();
  const participant = await dialer.dial();
  if (accepted === undefined) throw new Error('listener saw no channel');
  return {
    coordinator: accepted,
    participant,
    dispose: () => {
      dialer.close();
      listener.close();
    },
  };
}

describe('MessagePort channel conformance', () => {
  for (const c of channelConformance('port', single)) it(c.name, c.run);
  for (const c of channelConformance('port-mux', multiplexed)) it(c.name, c.run);
});

describe('multiplexed ports', () => {
  it('closing the listener closes its channels with "transport close" and refuses new ones', async () => {
    const { port1, port2 } = new MessageChannel();
    const listener = createPortListener(port1, () => undefined);
    const dialer = createPortDialer(port2);
    const a = await dialer.dial();
    const b = await dialer.dial();
    expect(listener.size).toBe(2);
    const reasons = Promise.all([a, b].map((ch) => new Promise((r) => ch.onClose(r))));
    listener.close();
    expect(await reasons).toEqual(['transport close', 'transport close']);
    await expect(dialer.dial()).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    dialer.close();
  });

  it('closing the dialer closes the coordinator ends with "transport close"', async () => {
    const { port1, port2 } = new MessageChannel();
    const seen: Promise<string>[] = [];
    const listener = createPortListener(port1, (ch) => seen.push(new Promise((r) => ch.onClose(r))));
    const dialer = createPortDialer(port2);
    await dialer.dial();
    dialer.close();
    expect(await Promise.all(seen)).toEqual(['transport close']);
    expect(listener.size).toBe(0);
    await expect(dialer.dial()).rejects.toBeInstanceOf(EdgefedError);
    listener.close();
  });
});
