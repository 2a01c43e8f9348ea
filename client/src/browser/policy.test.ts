import { describe, expect, it } from 'vitest';
import { evaluatePolicy, type DeviceConditions } from './policy.js';

const visible: DeviceConditions = { visible: true, idleForMs: 0 };
const code = (c: string) => expect.objectContaining({ code: c }) as unknown;

describe('evaluatePolicy', () => {
  it('requires consent before anything else', () => {
    expect(evaluatePolicy({ consent: false }, visible)).toEqual({
      allowed: false,
      reasons: ['the user has not consented'],
    });
    expect(evaluatePolicy({ consent: true }, visible)).toEqual({ allowed: true, reasons: [] });
  });

  it('page conditions: visible, idle, either, any', () => {
    const hiddenBusy = { visible: false, idleForMs: 1000 };
    const hiddenIdle = { visible: false, idleForMs: 120_000 };
    expect(evaluatePolicy({ consent: true }, hiddenBusy).reasons).toEqual(['the page is hidden']);
    expect(evaluatePolicy({ consent: true, page: 'idle' }, visible).reasons).toEqual(['the user is active']);
    expect(evaluatePolicy({ consent: true, page: 'idle' }, hiddenIdle).allowed).toBe(true);
    expect(evaluatePolicy({ consent: true, page: 'idle', idleMs: 500 }, hiddenBusy).allowed).toBe(true);
    expect(evaluatePolicy({ consent: true, page: 'visible-or-idle' }, hiddenBusy).allowed).toBe(false);
    expect(evaluatePolicy({ consent: true, page: 'visible-or-idle' }, hiddenIdle).allowed).toBe(true);
    expect(evaluatePolicy({ consent: true, page: 'any' }, hiddenBusy).allowed).toBe(true);
  });

  it('battery, charging and network, with unknown values allowed or denied', () => {
    const policy = { consent: true, requireCharging: true, requireUnmetered: true, minBatteryLevel: 0.5 };
    expect(evaluatePolicy(policy, visible).allowed).toBe(true);
    expect(evaluatePolicy({ ...policy, whenUnknown: 'deny' }, visible).reasons).toEqual([
      'charging state unknown',
      'network type unknown',
      'battery level unknown',
    ]);
    const onBattery = { ...visible, charging: false, batteryLevel: 0.3, metered: true };
    expect(evaluatePolicy(policy, onBattery).reasons).toEqual([
      'not charging',
      'the network is metered',
      'battery at 30% (< 50%)',
    ]);
    // The minimum level does not apply while charging.
    const low = { ...visible, charging: true, batteryLevel: 0.1, metered: false };
    expect(evaluatePolicy(policy, low).allowed).toBe(true);
  });

  it('rejects invalid policies', () => {
    expect(() => evaluatePolicy({ consent: true, minBatteryLevel: 2 }, visible)).toThrow(
      code('INVALID_ARGUMENT'),
    );
    expect(() => evaluatePolicy({ consent: true, idleMs: -1 }, visible)).toThrow(code('INVALID_ARGUMENT'));
    expect(() => evaluatePolicy({ consent: true, page: 'never' as 'any' }, visible)).toThrow(
      code('INVALID_ARGUMENT'),
    );
  });
});
