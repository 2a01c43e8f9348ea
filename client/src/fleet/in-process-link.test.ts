/**
 * InProcessLink / InProcessClientSocket: socket.io-client semantics over frames. The far
 * end is driven by hand here (the coordinator's hub is tested against a real coordinator
 * in coordinator/src/simulation/in-process-hub.test.ts).
 */
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { LinkFrame } from './in-process-frames.js';
import { InProcessLink } from './in-process-link.js';
import type { InProcessClientSocket } from './in-process-socket.js';

let far: MessagePort;
let link: InProcessLink;

function setup(): LinkFrame[] {
  const channel = new MessageChannel();
  far = channel.port1;
  link = new InProcessLink(channel.port2);
  const seen: LinkFrame[] = [];
  far.on('message', (f: LinkFrame) => {
    seen.push(f);
    if (f.k === 'open') far.postMessage({ k: 'opened', c: f.c });
  });
  return seen;
}

afterEach(() => {
  vi.useRealTimers();
  link.close();
  far.close();
});

function connected(socket: InProcessClientSocket): Promise<void> {
  return new Promise((resolve) => {
    socket.on('connect', () => {
      resolve();
    });
    socket.connect();
  });
}

describe('in-process link', () => {
  it('carries events both ways on one port and routes acks to their callbacks', async () => {
    const seen = setup();
    const a = link.socket();
    const b = link.socket();
    await Promise.all([connected(a), connected(b)]);
    expect(link.size).toBe(2);
    const got = new Promise<unknown[]>((resolve) => b.onAny((...args: unknown[]) => resolve(args)));
    far.postMessage({ k: 'ev', c: 1, e: 'task', p: { type: 'task' } });
    expect(await got).toEqual(['task', { type: 'task' }]);
    const acked = new Promise<unknown>((resolve) => {
      a.timeout(10_000).emit('result', { type: 'result' }, (err, r) => resolve(err ?? r));
    });
    await vi.waitFor(() => {
      expect(seen.some((f) => f.k === 'ev' && f.e === 'result')).toBe(true);
    });
    const ev = seen.find((f) => f.k === 'ev' && f.e === 'result') as Extract<LinkFrame, { k: 'ev' }>;
    far.postMessage({ k: 'ack', c: ev.c, a: ev.a, r: { ok: true } });
    expect(await acked).toEqual({ ok: true });
  });

  it('fails pending acks at once when the coordinator closes the connection', async () => {
    setup();
    const s = link.socket();
    await connected(s);
    const reason = new Promise<unknown>((resolve) => s.on('disconnect', resolve));
    const acked = new Promise<unknown>((resolve) => {
      s.timeout(60_000).emit('upload-chunk', {}, (err) => resolve(err));
    });
    far.postMessage({ k: 'close', c: 0, reason: 'io server disconnect' });
    expect(await reason).toBe('io server disconnect');
    expect(await acked).toBeInstanceOf(Error);
    expect(s.connected).toBe(false);
    expect(link.size).toBe(0);
  });

  it('times out an ack that never comes', async () => {
    setup();
    const s = link.socket();
    await connected(s);
    vi.useFakeTimers();
    const acked = new Promise<unknown>((resolve) => {
      s.timeout(500).emit('result', {}, (err) => resolve(err));
    });
    vi.advanceTimersByTime(501);
    expect(String(await acked)).toContain('timed out');
    expect(s.connected).toBe(true);
  });

  it('reports connect_error on a closed link and disconnects open sockets with transport close', async () => {
    setup();
    const s = link.socket();
    await connected(s);
    const reason = new Promise<unknown>((resolve) => s.on('disconnect', resolve));
    link.close();
    expect(await reason).toBe('transport close');
    const late = link.socket();
    const error = new Promise<unknown>((resolve) => late.on('connect_error', resolve));
    late.connect();
    expect(String(await error)).toContain('closed');
  });
});
