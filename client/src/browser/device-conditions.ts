/**
 * Reads the page's device conditions for the participation policy and reports changes:
 * page visibility (`visibilitychange`), user activity (input events, for "idle"), battery
 * (Battery Status API: `navigator.getBattery()`, where present) and network (Network
 * Information API: `navigator.connection`, where present). Main thread only: workers have
 * no `document`.
 */
import type { DeviceConditions } from './policy.js';

interface BatteryLike extends EventTarget {
  readonly charging: boolean;
  readonly level: number;
}

interface ConnectionLike extends EventTarget {
  readonly saveData?: boolean;
  readonly type?: string;
  readonly effectiveType?: string;
}

interface NavigatorLike {
  getBattery?: () => Promise<BatteryLike>;
  connection?: ConnectionLike;
}

/** A live view of the device's conditions. */
export interface ConditionsWatcher {
  current(): DeviceConditions;
  /** Stops listening (idempotent). */
  stop(): void;
}

const INPUT_EVENTS = ['pointerdown', 'pointermove', 'keydown', 'wheel', 'touchstart'] as const;

function metered(c: ConnectionLike | undefined): boolean | undefined {
  if (c === undefined) return undefined;
  if (c.saveData === true) return true;
  if (c.type === undefined) return undefined;
  return c.type === 'cellular';
}

/**
 * Starts watching. `onChange` runs after every change, and every `tickMs` (default 1,000
 * ms) so that "idle" can become true while nothing happens. Battery readings arrive
 * asynchronously: until then `charging`/`batteryLevel` are undefined (unknown).
 */
export function watchDeviceConditions(
  onChange: (c: DeviceConditions) => void,
  tickMs = 1000,
): ConditionsWatcher {
  const nav = globalThis.navigator as NavigatorLike | undefined;
  const doc = globalThis.document as Document | undefined;
  let lastInput = Date.now();
  let battery: BatteryLike | undefined;
  let stopped = false;
  const current = (): DeviceConditions => {
    const m = metered(nav?.connection);
    return {
      visible: doc === undefined ? true : doc.visibilityState === 'visible',
      idleForMs: Date.now() - lastInput,
      ...(battery === undefined ? {} : { charging: battery.charging, batteryLevel: battery.level }),
      ...(m === undefined ? {} : { metered: m }),
    };
  };
  const changed = (): void => {
    if (!stopped) onChange(current());
  };
  const onInput = (): void => {
    const wasIdle = Date.now() - lastInput > tickMs;
    lastInput = Date.now();
    if (wasIdle) changed();
  };
  doc?.addEventListener('visibilitychange', changed);
  for (const e of INPUT_EVENTS) globalThis.addEventListener(e, onInput, { passive: true });
  nav?.connection?.addEventListener('change', changed);
  nav
    ?.getBattery?.()
    .then((b) => {
      battery = b;
      b.addEventListener('chargingchange', changed);
      b.addEventListener('levelchange', changed);
      changed();
    })
    .catch(() => undefined);
  const timer = setInterval(changed, tickMs);
  return {
    current,
    stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      doc?.removeEventListener('visibilitychange', changed);
      for (const e of INPUT_EVENTS) globalThis.removeEventListener(e, onInput);
      nav?.connection?.removeEventListener('change', changed);
      battery?.removeEventListener('chargingchange', changed);
      battery?.removeEventListener('levelchange', changed);
    },
  };
}
