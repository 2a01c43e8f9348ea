/**
 * A resume token saved from one connection resumes the identity in a later one (what a
 * reloaded browser page does with the token from its IndexedDB device store): against a
 * real control plane on a real socket.io server, with the grace period on a manual clock.
 */
import { connect, type Connection } from '@edgefed/client';
import { isEdgefedError } from '@edgefed/shared';
import { afterEach, describe, expect, it } from 'vitest';
import {
  capabilities,
  GOOD_TOKEN,
  GRACE_MS,
  nextOf,
  startCoordinator,
  type Harness,
} from '../protocol/harness.js';

let h: Harness | undefined;
const open: Connection[] = [];
afterEach(async () => {
  for (const c of open.splice(0)) await c.close();
  await h?.close();
  h = undefined;
});

/** Connects, recording every token `onResumeToken` reports. */
async function connectSaving(
  harness: Harness,
  resumeToken?: string,
): Promise<{ conn: Connection; tokens: string[] }> {
  const tokens: string[] = [];
  const conn = await connect({
    url: harness.url,
    token: GOOD_TOKEN,
    capabilities,
    ...(resumeToken === undefined ? {} : { resumeToken }),
    onResumeToken: (t) => tokens.push(t),
  });
  open.push(conn);
  return { conn, tokens };
}

/** Closes `conn` (like a page unloading) and waits until the coordinator saw it leave. */
async function leave(harness: Harness, conn: Connection): Promise<void> {
  const left = nextOf(harness.plane.onClientLeft);
  await conn.close();
  await left;
}

describe('saved resume token', () => {
  it('a new connection with the saved token keeps the client id within grace', async () => {
    h = await startCoordinator();
    const first = await connectSaving(h);
    expect(first.tokens).toEqual([first.conn.resumeToken]);
    expect(first.conn.welcome.resumed).toBe(false);
    const id = first.conn.clientId;
    await leave(h, first.conn);
    h.clock.advance(GRACE_MS - 1);

    const resumed = nextOf(h.plane.onClientResumed);
    const second = await connectSaving(h, first.conn.welcome.resumeToken);
    expect(second.conn.clientId).toBe(id);
    expect(second.conn.welcome.resumed).toBe(true);
    expect((await resumed).clientId).toBe(id);
    // The coordinator rotated the token; the new one is reported for saving.
    expect(second.tokens).toHaveLength(1);
    expect(second.tokens[0]).toBe(second.conn.resumeToken);
    expect(second.tokens[0]).not.toBe(first.tokens[0]);
  });

  it('a token used once no longer resumes (rotation), nor does one presented after grace', async () => {
    h = await startCoordinator();
    const first = await connectSaving(h);
    const stale = first.conn.resumeToken;
    await leave(h, first.conn);
    const second = await connectSaving(h, stale);
    expect(second.conn.clientId).toBe(first.conn.clientId);
    await leave(h, second.conn);

    const third = await connectSaving(h, stale);
    expect(third.conn.welcome.resumed).toBe(false);
    expect(third.conn.clientId).not.toBe(first.conn.clientId);
    await leave(h, third.conn);

    h.clock.advance(GRACE_MS);
    const fourth = await connectSaving(h, third.conn.resumeToken);
    expect(fourth.conn.welcome.resumed).toBe(false);
    expect(fourth.conn.clientId).not.toBe(third.conn.clientId);
  });

  it('rejects an empty or oversized saved token with INVALID_ARGUMENT before connecting', async () => {
    h = await startCoordinator();
    for (const resumeToken of ['', 'x'.repeat(257)]) {
      const attempt = connect({ url: h.url, token: GOOD_TOKEN, capabilities, resumeToken });
      const error: unknown = await attempt.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isEdgefedError(error) && error.code).toBe('INVALID_ARGUMENT');
    }
  });

  it('an onResumeToken that throws is reported and the connection still comes up', async () => {
    h = await startCoordinator();
    const seen: unknown[] = [];
    const conn = await connect({
      url: h.url,
      token: GOOD_TOKEN,
      capabilities,
      onResumeToken: () => {
        throw new Error('disk full');
      },
      onListenerError: (e) => seen.push(e),
    });
    open.push(conn);
    expect(conn.connected).toBe(true);
    expect(seen).toHaveLength(1);
    expect(String(seen[0])).toMatch(/disk full/);
  });
});
