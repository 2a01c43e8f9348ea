import type { Capabilities } from '@edgefed/shared';
import { describe, expect, it } from 'vitest';
import { ClientRegistry, type ClientExpiredEvent } from './client-registry.js';
import { ManualClock } from './clock.js';
import { hashResumeToken } from './resume-token.js';

const caps: Capabilities = {
  runtime: 'node',
  backend: 'node',
  exampleCount: 5,
  deviceClass: 'virtual',
  eligible: true,
  clientVersion: '0.1.0',
};

function setup(resumeGraceMs = 1_000) {
  const clock = new ManualClock();
  const registry = new ClientRegistry<string>({ resumeGraceMs, clock });
  const expired: ClientExpiredEvent<string>[] = [];
  registry.onExpired((e) => {
    expired.push(e);
  });
  return { clock, registry, expired };
}

describe('ClientRegistry', () => {
  it('registers clients with distinct url-safe ids and secret tokens', () => {
    const { registry } = setup();
    const a = registry.register({ principal: 'p', capabilities: caps, connectionId: 's1' });
    const b = registry.register({ principal: 'p', capabilities: caps, connectionId: 's2' });
    expect(a.record.clientId).not.toBe(b.record.clientId);
    expect(a.record.clientId).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(a.resumeToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(JSON.stringify(registry.list())).not.toContain(a.resumeToken);
    expect(registry.size).toBe(2);
  });

  it('updates lastSeen on touch, only while connected', () => {
    const { clock, registry } = setup();
    const { record } = registry.register({ principal: 'p', capabilities: caps, connectionId: 's1' });
    clock.advance(250);
    expect(registry.touch(record.clientId)).toBe(true);
    expect(registry.get(record.clientId)?.lastSeen).toBe(record.registeredAt + 250);
    registry.disconnect(record.clientId, 's1');
    expect(registry.touch(record.clientId)).toBe(false);
    expect(registry.touch('nobody')).toBe(false);
  });

  it('keeps the identity on resume within grace and rotates the token', () => {
    const { clock, registry, expired } = setup();
    const first = registry.register({ principal: 'p', capabilities: caps, connectionId: 's1' });
    expect(registry.disconnect(first.record.clientId, 's1')).toBe(true);
    clock.advance(999);
    const again = registry.resume(first.resumeToken, {
      principal: 'p',
      capabilities: caps,
      connectionId: 's2',
    });
    expect(again?.record.clientId).toBe(first.record.clientId);
    expect(again?.resumed).toBe(true);
    expect(again?.record.resumeCount).toBe(1);
    expect(again?.resumeToken).not.toBe(first.resumeToken);
    clock.advance(10_000);
    expect(expired).toEqual([]);
    expect(
      registry.resume(first.resumeToken, { principal: 'p', capabilities: caps, connectionId: 's3' }),
    ).toBe(undefined);
  });

  it('forgets a client after grace and emits expiry', () => {
    const { clock, registry, expired } = setup();
    const first = registry.register({ principal: 'p', capabilities: caps, connectionId: 's1' });
    registry.disconnect(first.record.clientId, 's1');
    clock.advance(1_000);
    expect(expired.map((e) => [e.record.clientId, e.reason])).toEqual([
      [first.record.clientId, 'grace-elapsed'],
    ]);
    expect(registry.get(first.record.clientId)).toBeUndefined();
    expect(
      registry.resume(first.resumeToken, { principal: 'p', capabilities: caps, connectionId: 's2' }),
    ).toBe(undefined);
    expect(clock.pendingTimers).toBe(0);
  });

  it('forgets at once with zero grace', () => {
    const { registry, expired } = setup(0);
    const first = registry.register({ principal: 'p', capabilities: caps, connectionId: 's1' });
    registry.disconnect(first.record.clientId, 's1');
    expect(expired).toHaveLength(1);
  });

  it('ignores a stale connection closing after a takeover', () => {
    const { registry } = setup();
    const first = registry.register({ principal: 'p', capabilities: caps, connectionId: 's1' });
    const again = registry.resume(first.resumeToken, {
      principal: 'q',
      capabilities: caps,
      connectionId: 's2',
    });
    expect(again?.replacedConnectionId).toBe('s1');
    expect(registry.disconnect(first.record.clientId, 's1')).toBe(false);
    expect(registry.get(first.record.clientId)).toMatchObject({ connectionId: 's2', principal: 'q' });
  });

  it('removes clients on demand and stores only token hashes', () => {
    const { registry, expired } = setup();
    const first = registry.register({ principal: 'p', capabilities: caps, connectionId: 's1' });
    expect(hashResumeToken(first.resumeToken)).toMatch(/^[0-9a-f]{64}$/);
    expect(registry.remove(first.record.clientId)).toBe(true);
    expect(registry.remove(first.record.clientId)).toBe(false);
    expect(expired.map((e) => e.reason)).toEqual(['removed']);
  });

  it('restores a persisted identity that resumes under its old id, or expires after grace', () => {
    const { clock, registry, expired } = setup();
    const token = 'old-token-from-a-previous-process';
    expect(registry.knowsResumeToken(token)).toBe(false);
    const restored = registry.restore({
      clientId: 'c_old',
      resumeTokenHash: hashResumeToken(token),
      registeredAt: 42,
      principal: 'p0',
      capabilities: caps,
    });
    expect(restored).toBe(true);
    expect(registry.knowsResumeToken(token)).toBe(true);
    expect(registry.get('c_old')).toMatchObject({ connectionId: undefined, disconnectedAt: clock.now() });
    clock.advance(999);
    const admission = registry.resume(token, { principal: 'p1', capabilities: caps, connectionId: 's9' });
    expect(admission?.record).toMatchObject({ clientId: 'c_old', registeredAt: 42, principal: 'p1' });
    expect(admission?.resumed).toBe(true);
    expect(admission?.replacedConnectionId).toBeUndefined();
    expect(registry.knowsResumeToken(token)).toBe(false);
    clock.advance(10_000);
    expect(expired).toEqual([]);

    const other = {
      clientId: 'c_gone',
      resumeTokenHash: 'h',
      registeredAt: 1,
      principal: 'p',
      capabilities: caps,
    };
    expect(registry.restore(other)).toBe(true);
    clock.advance(1_000);
    expect(expired.map((e) => [e.record.clientId, e.reason])).toEqual([['c_gone', 'grace-elapsed']]);
  });

  it('never restores over a live identity', () => {
    const { registry } = setup();
    const live = registry.register({ principal: 'p', capabilities: caps, connectionId: 's1' });
    const base = { registeredAt: 1, principal: 'q', capabilities: caps };
    const liveHash = hashResumeToken(live.resumeToken);
    expect(registry.restore({ ...base, clientId: live.record.clientId, resumeTokenHash: 'other' })).toBe(
      false,
    );
    expect(registry.restore({ ...base, clientId: 'c_x', resumeTokenHash: liveHash })).toBe(false);
    expect(registry.get(live.record.clientId)?.connectionId).toBe('s1');
    expect(registry.size).toBe(1);
  });

  it('gives a client it holds disconnected the newer persisted token (it moved to another node)', () => {
    const { registry } = setup();
    const first = registry.register({ principal: 'p', capabilities: caps, connectionId: 's1' });
    const id = first.record.clientId;
    registry.disconnect(id, 's1');
    // another node resumed the client and rotated its token to `newer`
    const newer = 'r_issued-by-another-node';
    const base = { registeredAt: 1, principal: 'p', capabilities: caps };
    expect(registry.restore({ ...base, clientId: id, resumeTokenHash: hashResumeToken(newer) })).toBe(true);
    expect(registry.knowsResumeToken(first.resumeToken)).toBe(false);
    const back = registry.resume(newer, { principal: 'p', capabilities: caps, connectionId: 's2' });
    expect(back?.record.clientId).toBe(id);
    expect(registry.size).toBe(1);
  });

  it('forgets a restored identity at once with zero grace', () => {
    const { registry, expired } = setup(0);
    const args = {
      clientId: 'c_z',
      resumeTokenHash: 'h',
      registeredAt: 1,
      principal: 'p',
      capabilities: caps,
    };
    expect(registry.restore(args)).toBe(true);
    expect(registry.size).toBe(0);
    expect(expired).toHaveLength(1);
  });

  it('rejects a negative grace period', () => {
    expect(() => new ClientRegistry({ resumeGraceMs: -1 })).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    );
  });
});
