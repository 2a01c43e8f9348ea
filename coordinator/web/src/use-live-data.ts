/**
 * A hook that loads data, and loads it again (throttled) whenever a live event says it may
 * have changed, and after every reconnection; optionally also every `pollMs` while the page
 * is visible (for what no live event announces, like the cluster's node heartbeats). A failed
 * load keeps the last data and sets `error`; the next good load clears it.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { describeError } from './api.js';
import { subscribe, throttle, type HubEvent } from './hub.js';

/** What {@link useLiveData} returns. */
export interface LiveData<T> {
  readonly data: T | undefined;
  readonly error: string;
  /** Load again now (after an action). */
  readonly reload: () => void;
}

/**
 * Loads with `load()` at first and when `relevant(event)` is true (at most every `ms`), and
 * every `pollMs` when given (skipped while the document is hidden, caught up when it shows
 * again); `deps` restart it (e.g. another run id).
 */
export function useLiveData<T>(
  load: () => Promise<T>,
  relevant: (e: HubEvent) => boolean,
  deps: readonly unknown[],
  ms = 250,
  pollMs?: number,
): LiveData<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState('');
  const loadRef = useRef(load);
  loadRef.current = load;
  const relevantRef = useRef(relevant);
  relevantRef.current = relevant;
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let cancelled = false;
    let seq = 0;
    const run = (): void => {
      const mine = ++seq;
      loadRef
        .current()
        .then((d) => {
          if (cancelled || mine !== seq) return;
          setData(d);
          setError('');
        })
        .catch((e: unknown) => {
          if (!cancelled && mine === seq) setError(describeError(e));
        });
    };
    const t = throttle(run, ms);
    run();
    const unsub = subscribe((e) => {
      if (e.kind === 'resync' || relevantRef.current(e)) t.trigger();
    });
    const poll = (): void => {
      if (document.visibilityState === 'visible') t.trigger();
    };
    const timer = pollMs === undefined ? undefined : setInterval(poll, pollMs);
    if (timer !== undefined) document.addEventListener('visibilitychange', poll);
    return () => {
      cancelled = true;
      t.cancel();
      unsub();
      if (timer !== undefined) {
        clearInterval(timer);
        document.removeEventListener('visibilitychange', poll);
      }
    };
  }, [...deps, tick, ms, pollMs]);
  return { data, error, reload: () => setTick((x) => x + 1) };
}
