/**
 * Participation policy: when a device may train. Consent is always required; the other
 * conditions (page visible or user idle, charging, unmetered network, minimum battery) are
 * checked where the browser exposes them. Pure: {@link evaluatePolicy} turns a policy and a
 * snapshot of the device's state into a verdict with every reason that failed.
 */
import { EdgefedError } from '@edgefed/shared';

/** When the page state allows training. */
export type PagePolicy = 'visible' | 'idle' | 'visible-or-idle' | 'any';

/** What an app asks before its users' devices train. */
export interface ParticipationPolicy {
  /** The user agreed to take part. Without it the participant never trains. */
  readonly consent: boolean;
  /**
   * `visible` (default): the page is visible; `idle`: the user has not interacted for
   * `idleMs`; `visible-or-idle`: either; `any`: no page condition.
   */
  readonly page?: PagePolicy;
  /** Inactivity that counts as idle (default 60,000 ms). */
  readonly idleMs?: number;
  /** Train only while charging (Battery Status API; default false). */
  readonly requireCharging?: boolean;
  /** Train only on an unmetered network (Network Information API; default false). */
  readonly requireUnmetered?: boolean;
  /** Minimum battery level in [0, 1] (default 0: no minimum; ignored while charging). */
  readonly minBatteryLevel?: number;
  /**
   * What an unreadable condition counts as (the browser lacks the API): `allow` (default,
   * most desktop browsers have no Network Information API) or `deny`.
   */
  readonly whenUnknown?: 'allow' | 'deny';
}

/** A snapshot of the device; `undefined` = the browser does not say. */
export interface DeviceConditions {
  readonly visible: boolean;
  /** Milliseconds since the last user input on the page. */
  readonly idleForMs: number;
  readonly charging?: boolean;
  /** Battery level in [0, 1]. */
  readonly batteryLevel?: number;
  /** True when the connection is metered (`saveData` or a cellular type). */
  readonly metered?: boolean;
}

/** The outcome of {@link evaluatePolicy}. */
export interface PolicyVerdict {
  readonly allowed: boolean;
  /** Every condition that failed, for people (empty when allowed). */
  readonly reasons: readonly string[];
}

/** Throws `INVALID_ARGUMENT` for a policy that cannot be evaluated (bad level, idle time, page). */
export function checkPolicy(policy: ParticipationPolicy): void {
  const level = policy.minBatteryLevel ?? 0;
  if (!Number.isFinite(level) || level < 0 || level > 1)
    throw new EdgefedError('INVALID_ARGUMENT', `minBatteryLevel must be in [0, 1], got ${level}`);
  const idle = policy.idleMs ?? 60_000;
  if (!Number.isFinite(idle) || idle < 0)
    throw new EdgefedError('INVALID_ARGUMENT', `idleMs must be a non-negative number, got ${idle}`);
  const page = policy.page ?? 'visible';
  if (!['visible', 'idle', 'visible-or-idle', 'any'].includes(page))
    throw new EdgefedError('INVALID_ARGUMENT', `Unknown page policy "${page}"`);
}

function pageReason(policy: ParticipationPolicy, c: DeviceConditions): string | undefined {
  const idle = c.idleForMs >= (policy.idleMs ?? 60_000);
  switch (policy.page ?? 'visible') {
    case 'visible':
      return c.visible ? undefined : 'the page is hidden';
    case 'idle':
      return idle ? undefined : 'the user is active';
    case 'visible-or-idle':
      return c.visible || idle ? undefined : 'the page is hidden and the user is active';
    case 'any':
      return undefined;
  }
}

/**
 * Decides whether the device may train now. Conditions the browser does not report count
 * as `policy.whenUnknown` (default allow). Throws `INVALID_ARGUMENT` for an invalid policy.
 */
export function evaluatePolicy(policy: ParticipationPolicy, c: DeviceConditions): PolicyVerdict {
  checkPolicy(policy);
  const deny = policy.whenUnknown === 'deny';
  const reasons: string[] = [];
  if (!policy.consent) reasons.push('the user has not consented');
  const page = pageReason(policy, c);
  if (page !== undefined) reasons.push(page);
  if (policy.requireCharging === true) {
    if (c.charging === undefined ? deny : !c.charging)
      reasons.push(c.charging === undefined ? 'charging state unknown' : 'not charging');
  }
  if (policy.requireUnmetered === true) {
    if (c.metered === undefined ? deny : c.metered)
      reasons.push(c.metered === undefined ? 'network type unknown' : 'the network is metered');
  }
  const min = policy.minBatteryLevel ?? 0;
  if (min > 0 && !(c.charging === true)) {
    if (c.batteryLevel === undefined ? deny : c.batteryLevel < min)
      reasons.push(
        c.batteryLevel === undefined
          ? 'battery level unknown'
          : `battery at ${Math.round(c.batteryLevel * 100)}% (< ${Math.round(min * 100)}%)`,
      );
  }
  return { allowed: reasons.length === 0, reasons };
}
