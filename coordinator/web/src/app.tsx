/**
 * The dashboard shell: session check, sign-in, the live connection, the header and
 * hash routing (`#/` runs, `#/new` create a run, `#/runs/<id>` one run, `#/cluster` the
 * cluster's nodes and run leaders; its nav link only when the coordinator is in cluster mode).
 */
import { useEffect, useState } from 'preact/hooks';
import { api, describeError, onUnauthorized, setCsrfToken } from './api.js';
import { isClusterMode } from './cluster-data.js';
import { ClusterPage } from './cluster-page.js';
import { CreateRunForm } from './create-run-form.js';
import { publish } from './hub.js';
import { connectLive, type LiveState } from './live.js';
import { RunView } from './run-view.js';
import { RunsList } from './runs-list.js';
import { SignIn } from './sign-in.js';

type Session = 'checking' | 'signed-out' | 'signed-in';

function useHashRoute(): string {
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const on = (): void => {
      setHash(location.hash);
    };
    window.addEventListener('hashchange', on);
    return () => {
      window.removeEventListener('hashchange', on);
    };
  }, []);
  return hash;
}

const LIVE_LABEL: Record<LiveState, string> = {
  connecting: 'Connecting…',
  live: 'Live',
  reconnecting: 'Reconnecting…',
  'signed-out': 'Signed out',
};

/** The whole page. */
export function App() {
  const [session, setSession] = useState<Session>('checking');
  const [live, setLive] = useState<LiveState>('connecting');
  const [error, setError] = useState('');
  const [cluster, setCluster] = useState(false);
  const hash = useHashRoute();

  useEffect(() => {
    api<{ csrfToken: string }>('GET', '/api/session')
      .then((s) => {
        setCsrfToken(s.csrfToken);
        setSession('signed-in');
      })
      .catch(() => {
        setSession('signed-out');
      });
    return onUnauthorized(() => {
      setSession('signed-out');
    });
  }, []);

  useEffect(() => {
    if (session !== 'signed-in') return undefined;
    let cancelled = false;
    isClusterMode()
      .then((c) => {
        if (!cancelled && c !== undefined) setCluster(c);
      })
      .catch(() => undefined);
    return () => {
      cancelled = true;
    };
  }, [session]);

  useEffect(() => {
    if (session !== 'signed-in') return undefined;
    return connectLive({
      onState: (s) => {
        setLive(s);
        if (s === 'signed-out') setSession('signed-out');
      },
      onRunEvent: (event) => {
        publish({ kind: 'run', event });
      },
      onClientEvent: (event) => {
        publish({ kind: 'client', event });
      },
      onResync: () => {
        publish({ kind: 'resync' });
      },
    });
  }, [session]);

  const signOut = (): void => {
    api('DELETE', '/api/session')
      .then(() => {
        setCsrfToken('');
        setSession('signed-out');
      })
      .catch((e: unknown) => {
        setError(describeError(e));
      });
  };

  if (session === 'checking')
    return (
      <main class="center" aria-busy="true">
        Loading…
      </main>
    );
  if (session === 'signed-out') {
    return (
      <SignIn
        onSignedIn={(csrf) => {
          setCsrfToken(csrf);
          setError('');
          setSession('signed-in');
        }}
      />
    );
  }
  const runMatch = /^#\/runs\/([^/]+)$/.exec(hash);
  const onCluster = hash === '#/cluster';
  return (
    <>
      <header class="topbar">
        <a class="brand" href="#/">
          edgefed
        </a>
        <nav aria-label="Main">
          <a
            href="#/"
            aria-current={runMatch === null && hash !== '#/new' && !onCluster ? 'page' : undefined}
          >
            Runs
          </a>
          <a href="#/new" aria-current={hash === '#/new' ? 'page' : undefined}>
            New run
          </a>
          {cluster ? (
            <a href="#/cluster" aria-current={onCluster ? 'page' : undefined}>
              Cluster
            </a>
          ) : null}
        </nav>
        <span class={`live live-${live}`} role="status" data-testid="live-state">
          <span class="dot" aria-hidden="true" />
          {LIVE_LABEL[live]}
        </span>
        <button type="button" class="secondary" onClick={signOut}>
          Sign out
        </button>
      </header>
      {error === '' ? null : (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <main>
        {runMatch?.[1] !== undefined ? (
          <RunView runId={decodeURIComponent(runMatch[1])} cluster={cluster} />
        ) : hash === '#/new' ? (
          <CreateRunForm />
        ) : onCluster ? (
          <ClusterPage />
        ) : (
          <RunsList />
        )}
      </main>
    </>
  );
}
