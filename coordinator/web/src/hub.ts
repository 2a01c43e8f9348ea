/**
 * An in-page event hub: the live connection publishes here, views subscribe. Each
 * subscription returns its unsubscribe function.
 */
import type { AdminClientEvent, RunEvent } from './types.js';

/** What views can listen to. */
export type HubEvent =
  | { readonly kind: 'run'; readonly event: RunEvent }
  | { readonly kind: 'client'; readonly event: AdminClientEvent }
  | { readonly kind: 'resync' };

const listeners = new Set<(e: HubEvent) => void>();

/** Sends `e` to every subscriber (a throwing subscriber does not stop the others). */
export function publish(e: HubEvent): void {
  for (const l of [...listeners]) {
    try {
      l(e);
    } catch (err) {
      console.error('dashboard listener failed', err);
    }
  }
}

/** Subscribes; returns the unsubscribe function. */
export function subscribe(listener: (e: HubEvent) => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/**
 * Calls `fn` at most once per `ms`, trailing: bursts of events (a round's many task
 * outcomes) turn into one refetch. Returns the trigger and a cancel function.
 */
export function throttle(fn: () => void, ms: number): { trigger: () => void; cancel: () => void } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let last = 0;
  return {
    trigger() {
      if (timer !== undefined) return;
      const wait = Math.max(0, last + ms - Date.now());
      timer = setTimeout(() => {
        timer = undefined;
        last = Date.now();
        fn();
      }, wait);
    },
    cancel() {
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
    },
  };
}
