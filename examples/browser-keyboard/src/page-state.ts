/**
 * The keyboard page's state (also `window.edgefedExample`, read by the end-to-end tests) and
 * how the participant's events update it and the status cards: task progress, local
 * evaluations, the "what left this device" table from the transparency log, and a callback
 * after each completed fit (a new global model is then in this device's cache).
 */
import type { BrowserParticipant, LocalEvaluation, SentRecord } from '@edgefed/client/browser';
import { appendSent, el, formatBytes, text } from '../../common/ui.js';
import { appendQuality } from './keyboard-view.js';

/** What the page shows. */
export interface KeyboardState {
  status: 'loading' | 'ready' | 'joining' | 'joined' | 'stopped' | 'failed';
  error?: string;
  president?: string;
  /** Characters in the text box (saved in IndexedDB only). */
  typedChars: number;
  /** Typed characters in the training data of the current participant. */
  trainedOnTypedChars: number;
  /** Participants started so far (a new one takes over when the typed text grew). */
  sessions: { clientId: string; resumedIdentity: boolean; typedChars: number }[];
  currentTask?: { taskId: string; round: number; kind: string; step: number };
  backend?: string;
  backendReason?: string;
  tasksCompleted: number;
  tasksFailed: { taskId: string; code: string }[];
  evaluations: LocalEvaluation[];
  sent: SentRecord[];
  bytesSent: number;
  /** Global models used for suggestions, with their top-3 next-key accuracy on held-out text. */
  models: { round: number; hash: string; heldOutTop3: number }[];
  /**
   * The suggestions on screen and the text they were made for, with the attention weight
   * the next-character prediction gave each of the context's last characters.
   */
  suggestions?: {
    context: string;
    words: string[];
    nextChars: string[];
    attention: { chars: string[]; weights: number[] };
  };
}

/** The page's state. */
export const state: KeyboardState = {
  status: 'loading',
  typedChars: 0,
  trainedOnTypedChars: 0,
  sessions: [],
  tasksCompleted: 0,
  tasksFailed: [],
  evaluations: [],
  sent: [],
  bytesSent: 0,
  models: [],
};
(globalThis as { edgefedExample?: KeyboardState }).edgefedExample = state;

/** Hooks of {@link wireParticipant}. */
export interface WireHooks {
  /**
   * After a fit task of `round` completed (its global model is cached on the device): loads
   * it for suggestions; resolves to the new entry of `models`, or undefined if nothing new.
   */
  onModel(round: number): Promise<KeyboardState['models'][number] | undefined>;
}

function wireLog(p: BrowserParticipant): () => void {
  let shown = 0;
  const earlier = state.sent.slice();
  const earlierBytes = state.bytesSent;
  const refresh = (): void => {
    const entries = p.log.entries();
    for (const r of entries.slice(shown)) appendSent(r);
    shown = entries.length;
    state.sent = [...earlier, ...entries];
    state.bytesSent = earlierBytes + p.log.totalBytes;
    text('bytes', formatBytes(state.bytesSent));
  };
  const offs = (['uploaded', 'task-completed', 'task-failed'] as const).map((e) =>
    p.on(e, () => setTimeout(refresh, 0)),
  );
  const timer = setInterval(refresh, 1000);
  return () => {
    refresh();
    clearInterval(timer);
    for (const off of offs) off();
  };
}

/**
 * Connects the participant's events to the state and the cards. Returns a function that
 * disconnects them (when a new participant takes over; the table keeps its rows).
 */
export function wireParticipant(p: BrowserParticipant, hooks: WireHooks): () => void {
  const offs: (() => void)[] = [];
  const on: BrowserParticipant['on'] = (event, handler) => {
    const off = p.on(event, handler);
    offs.push(off);
    return off;
  };
  on('task-started', (t) => {
    state.currentTask = { taskId: t.taskId, round: t.round, kind: t.kind, step: 0 };
    text('progress-text', `round ${t.round}: ${t.kind} started`);
  });
  on('progress', (g) => {
    if (state.currentTask?.taskId === g.taskId) state.currentTask.step = g.step;
    const bar = el('progress', HTMLProgressElement);
    bar.max = g.totalSteps ?? Math.max(bar.max, g.step);
    bar.value = g.step;
    text('progress-text', `step ${g.step}${g.loss === undefined ? '' : `, loss ${g.loss.toFixed(3)}`}`);
  });
  on('task-completed', (c) => {
    state.tasksCompleted++;
    text('progress-text', `${state.tasksCompleted} round(s) done`);
    // A task that started before the page was listening has no currentTask: count instead.
    const round = state.currentTask?.taskId === c.taskId ? state.currentTask.round : state.models.length + 1;
    const after = state.evaluations.at(-1)?.after.accuracy;
    if (c.kind === 'fit')
      hooks
        .onModel(round)
        .then((m) => {
          if (m !== undefined) appendQuality(m.round, m.heldOutTop3, after);
        })
        .catch((e: unknown) => {
          state.error = String(e);
        });
  });
  on('task-failed', (f) => {
    state.tasksFailed.push({ taskId: f.taskId, code: f.error.code });
    text('progress-text', `task failed: ${f.error.code}`);
  });
  on('local-evaluation', (e: LocalEvaluation) => {
    state.evaluations.push(e);
    const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;
    text('accuracy', `global ${pct(e.before.accuracy)} → after local training ${pct(e.after.accuracy)}`);
  });
  on('policy', (v) => {
    if (!v.allowed) text('status', `paused: ${v.reasons.join('; ')}`);
    else if (state.status === 'joined') text('status', 'joined');
  });
  on('stopped', () => {
    state.status = 'stopped';
    text('status', 'stopped');
  });
  const offLog = wireLog(p);
  return () => {
    offLog();
    for (const off of offs) off();
  };
}
