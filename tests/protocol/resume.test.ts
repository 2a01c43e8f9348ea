import { connect } from '@edgefed/client';
import type { ClientExpiredEvent, ClientResumedEvent } from '@edgefed/coordinator';
import { afterEach, describe, expect, it } from 'vitest';
import {
  capabilities,
  GOOD_TOKEN,
  GRACE_MS,
  greet,
  nextEvent,
  nextOf,
  rawClient,
  recordEvents,
  startCoordinator,
  type Harness,
  type TestPrincipal,
} from './harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** Fast, deterministic reconnects for tests. */
const reconnect = { initialDelayMs: 5, maxDelayMs: 20, jitter: 0 };

/** Drops the client's transport from the server side, like a network failure. */
function dropConnection(harness: Harness, clientId: string): void {
  const socketId = harness.registry.get(clientId)?.connectionId;
  harness.io.sockets.sockets.get(socketId!)!.conn.close();
}

describe('resume', () => {
  it('keeps the client id when the connection comes back within grace', async () => {
    h = await startCoordinator();
    const harness = h;
    const conn = await connect({ url: harness.url, token: GOOD_TOKEN, capabilities, reconnect });
    try {
      const firstId = conn.clientId;
      const left = nextOf(harness.plane.onClientLeft);
      const serverResumed = nextOf<ClientResumedEvent<TestPrincipal>>(harness.plane.onClientResumed);
      const clientResumed = nextOf<{ clientId: string }>((l) => conn.on('resumed', l));
      dropConnection(harness, firstId);
      expect((await left).clientId).toBe(firstId);
      harness.clock.advance(GRACE_MS - 1);
      expect(await clientResumed).toEqual({ clientId: firstId });
      expect(await serverResumed).toMatchObject({ clientId: firstId, replacedConnection: false });
      expect(harness.registry.get(firstId)?.resumeCount).toBe(1);
      expect(conn.welcome.resumed).toBe(true);
      harness.clock.advance(GRACE_MS * 10);
      expect(harness.registry.get(firstId)).toBeDefined();
    } finally {
      await conn.close();
    }
  });

  it('gives a new id when the client returns after grace', async () => {
    let resumes = 0;
    h = await startCoordinator({
      onAuthenticate: (_token, hello) => {
        // The reconnect's hello is being handled: let the grace period run out first.
        if (hello.resumeToken !== undefined && resumes++ === 0) h?.clock.advance(GRACE_MS);
        return { subject: 'tester' };
      },
    });
    const harness = h;
    const conn = await connect({ url: harness.url, token: GOOD_TOKEN, capabilities, reconnect });
    try {
      const firstId = conn.clientId;
      const expired = nextOf<ClientExpiredEvent<TestPrincipal>>(harness.plane.onClientExpired);
      const rejoined = nextOf<{ clientId: string; previousClientId: string }>((l) => conn.on('rejoined', l));
      const joinedAgain = nextOf(harness.plane.onClientJoined);
      dropConnection(harness, firstId);
      expect(await expired).toMatchObject({ reason: 'grace-elapsed', record: { clientId: firstId } });
      const event = await rejoined;
      expect(event.previousClientId).toBe(firstId);
      expect(event.clientId).not.toBe(firstId);
      expect((await joinedAgain).clientId).toBe(event.clientId);
      expect(conn.welcome.resumed).toBe(false);
      expect(harness.registry.get(firstId)).toBeUndefined();
    } finally {
      await conn.close();
    }
  });

  it('gives a new id to a raw resume after grace (token no longer valid)', async () => {
    h = await startCoordinator();
    const first = await rawClient(h.url);
    const welcome = await greet(first);
    const left = nextOf(h.plane.onClientLeft);
    first.disconnect();
    await left;
    h.clock.advance(GRACE_MS);
    const second = await rawClient(h.url);
    const again = await greet(second, { resumeToken: welcome.resumeToken });
    expect(again.resumed).toBe(false);
    expect(again.clientId).not.toBe(welcome.clientId);
    second.disconnect();
  });

  it('hands the identity to a newer connection and closes the old one with CONFLICT', async () => {
    h = await startCoordinator();
    const harness = h;
    const older = await rawClient(harness.url);
    const welcome = await greet(older);
    const seen = recordEvents(older);
    const gone = nextEvent(older, 'disconnect');
    const resumed = nextOf<ClientResumedEvent<TestPrincipal>>(harness.plane.onClientResumed);
    let leftCount = 0;
    harness.plane.onClientLeft(() => {
      leftCount++;
    });
    const newer = await rawClient(harness.url);
    const again = await greet(newer, { resumeToken: welcome.resumeToken });
    await gone;
    expect(again).toMatchObject({ clientId: welcome.clientId, resumed: true });
    expect(again.resumeToken).not.toBe(welcome.resumeToken);
    expect(seen[0]?.value).toMatchObject({ code: 'CONFLICT' });
    expect(await resumed).toMatchObject({ clientId: welcome.clientId, replacedConnection: true });
    expect(harness.plane.isConnected(welcome.clientId as string)).toBe(true);
    expect(leftCount).toBe(0);
    newer.disconnect();
  });
});
