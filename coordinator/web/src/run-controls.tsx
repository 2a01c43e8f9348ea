/** Pause, resume, start and stop buttons for a run; errors from the API shown inline. */
import { useState } from 'preact/hooks';
import { api, describeError } from './api.js';
import type { ApiRun } from './types.js';

type Action = 'start' | 'pause' | 'resume' | 'stop';

function actionsFor(run: ApiRun): Action[] {
  switch (run.status) {
    case 'created':
      return ['start', 'stop'];
    case 'running':
      return ['pause', 'stop'];
    case 'paused':
      return ['resume', 'stop'];
    default:
      return [];
  }
}

const LABEL: Record<Action, string> = { start: 'Start', pause: 'Pause', resume: 'Resume', stop: 'Stop' };

/** The control bar; calls `onChanged` with the updated run after each action. */
export function RunControls({ run, onChanged }: { run: ApiRun; onChanged: (run: ApiRun) => void }) {
  const [busy, setBusy] = useState<Action | null>(null);
  const [error, setError] = useState('');
  const act = (a: Action): void => {
    if (a === 'stop' && !window.confirm(`Stop run "${run.name}"? A stopped run cannot be resumed.`)) return;
    setBusy(a);
    setError('');
    api<ApiRun>('POST', `/api/runs/${encodeURIComponent(run.id)}/${a}`)
      .then(onChanged)
      .catch((e: unknown) => {
        setError(describeError(e));
      })
      .finally(() => {
        setBusy(null);
      });
  };
  const actions = actionsFor(run);
  return (
    <div class="controls">
      {actions.map((a) => (
        <button
          key={a}
          type="button"
          class={a === 'stop' ? 'danger' : ''}
          disabled={busy !== null}
          onClick={() => act(a)}
        >
          {busy === a ? `${LABEL[a]}…` : LABEL[a]}
        </button>
      ))}
      {actions.length === 0 ? <span class="muted">This run has ended.</span> : null}
      {error === '' ? null : (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}
