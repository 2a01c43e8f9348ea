import { connect } from '@edgefed/client';
import { afterEach, describe, expect, it } from 'vitest';
import {
  capabilities,
  GOOD_TOKEN,
  nextOf,
  startCoordinator,
  type Harness,
  type TestPrincipal,
} from './harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** A coordinator whose authenticate never finishes; `helloSeen` resolves when a hello arrives. */
async function stalledCoordinator(): Promise<{ harness: Harness; helloSeen: Promise<void> }> {
  let seen!: () => void;
  const helloSeen = new Promise<void>((resolve) => (seen = resolve));
  const harness = await startCoordinator({
    onAuthenticate: () => {
      seen();
      return new Promise<TestPrincipal>(() => undefined);
    },
  });
  return { harness, helloSeen };
}

describe('participant connection', () => {
  it('rejects with ABORTED when the signal fires before welcome', async () => {
    const { harness, helloSeen } = await stalledCoordinator();
    h = harness;
    const controller = new AbortController();
    const attempt = connect({ url: harness.url, token: GOOD_TOKEN, capabilities, signal: controller.signal });
    await helloSeen;
    controller.abort();
    await expect(attempt).rejects.toMatchObject({ code: 'ABORTED' });
  });

  it('rejects at once for an already-aborted signal', async () => {
    h = await startCoordinator();
    const attempt = connect({ url: h.url, token: GOOD_TOKEN, capabilities, signal: AbortSignal.abort() });
    await expect(attempt).rejects.toMatchObject({ code: 'ABORTED' });
  });

  it('rejects with TIMEOUT when no welcome comes in time', async () => {
    const { harness } = await stalledCoordinator();
    h = harness;
    const attempt = connect({ url: harness.url, token: GOOD_TOKEN, capabilities, timeoutMs: 50 });
    await expect(attempt).rejects.toMatchObject({ code: 'TIMEOUT' });
  });

  it('gives up with UNAVAILABLE after maxAttempts when nothing listens', async () => {
    const gone = await startCoordinator();
    const url = gone.url;
    await gone.close();
    const attempt = connect({
      url,
      token: GOOD_TOKEN,
      capabilities,
      reconnect: { initialDelayMs: 1, maxDelayMs: 2, maxAttempts: 3 },
    });
    await expect(attempt).rejects.toMatchObject({ code: 'UNAVAILABLE' });
  });

  it('rejects invalid capabilities locally with INVALID_ARGUMENT', async () => {
    h = await startCoordinator();
    const bad = { ...capabilities, exampleCount: -5 };
    await expect(connect({ url: h.url, token: GOOD_TOKEN, capabilities: bad })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
  });

  it('emits closed on close() and the coordinator sees the client leave', async () => {
    h = await startCoordinator();
    const conn = await connect({ url: h.url, token: GOOD_TOKEN, capabilities });
    const closed = nextOf<{ error?: unknown }>((l) => conn.on('closed', l));
    const left = nextOf(h.plane.onClientLeft);
    await conn.close();
    expect(await closed).toEqual({});
    expect((await left).reason).toBe('client namespace disconnect');
    expect(conn.connected).toBe(false);
  });

  it('closes for good when the coordinator disconnects it with an error', async () => {
    h = await startCoordinator();
    const conn = await connect({ url: h.url, token: GOOD_TOKEN, capabilities });
    const closed = nextOf<{ error?: { code: string } }>((l) => conn.on('closed', l));
    expect(h.plane.disconnect(conn.clientId, { code: 'FORBIDDEN', message: 'Banned' })).toBe(true);
    expect((await closed).error?.code).toBe('FORBIDDEN');
  });
});
