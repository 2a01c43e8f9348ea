/**
 * The round lifecycle as one explicit transition table: (phase × event) -> next phase +
 * effects. The RunRunner does the work of each phase (wait, select, train, commit,
 * evaluate) and reports what happened as an event; {@link transition} says where the run
 * goes next and which bookkeeping effects follow, so every phase change and every outcome
 * count is decided here and nowhere else. A pair missing from the table is a bug in the
 * caller: {@link transition} throws `FAILED_PRECONDITION` naming the phase and the event.
 *
 * completed, failed and stopped are final: no event leaves them.
 */
import { EdgefedError } from '@edgefed/shared';
import type { RunPhase } from './run-events.js';

/** What happened to a run, as the runner reports it. */
export const ROUND_EVENTS = [
  /** A round attempt begins (first round, next round, retry after resume). */
  'round-begin',
  /** Enough clients are connected to plan the attempt. */
  'clients-ready',
  /** The strategy chose the clients; tasks go out. */
  'planned',
  /** The fit results are in and aggregated; the commit begins. */
  'results-in',
  /** The new global model and the round are committed. */
  'committed',
  /** The attempt failed below quorum or past its deadline; another attempt follows. */
  'attempt-failed',
  /** The attempt failed and it was the last one allowed: the run fails. */
  'attempts-exhausted',
  /** Central or federated evaluation of the committed model begins. */
  'evaluate',
  /** Every round is done, or the target accuracy is reached. */
  'finish',
  /** Paused by an operator; the open attempt is cancelled. */
  'pause',
  /** Stopped by an operator; the open attempt is cancelled. */
  'stop',
  /** An unexpected error ended the loop. */
  'fail',
] as const;

/** One of {@link ROUND_EVENTS}. */
export type RoundEvent = (typeof ROUND_EVENTS)[number];

/**
 * Bookkeeping that follows a transition, carried out by the runner in the order listed:
 * - `emit-phase`: the `phase` run event (every transition has it, placed where observers
 *   expect it: after the store says so, before the round's own event);
 * - `record-round`: store the attempt as `training` with its selected count;
 * - `count-round-completed` / `count-round-failed`: the one place round outcomes are
 *   counted (round counter, round duration, per-client outcome counters);
 * - `emit-round-completed` / `emit-round-failed`: the run event for the dashboard;
 * - `set-status-<status>`: the run's stored status.
 */
export type RoundEffect =
  | 'emit-phase'
  | 'record-round'
  | 'count-round-completed'
  | 'count-round-failed'
  | 'emit-round-completed'
  | 'emit-round-failed'
  | 'set-status-completed'
  | 'set-status-failed'
  | 'set-status-paused'
  | 'set-status-stopped';

/** Where a transition leads. */
export interface Transition {
  readonly to: RunPhase;
  readonly effects: readonly RoundEffect[];
}

type Table = Readonly<Partial<Record<RunPhase, Readonly<Partial<Record<RoundEvent, Transition>>>>>>;

const go = (to: RunPhase, ...effects: RoundEffect[]): Transition => ({ to, effects });

/** The run's phases no event leaves. */
export const FINAL_PHASES: readonly RunPhase[] = ['stopped', 'completed', 'failed'];

/** An operator or an error may end any phase that is not final. */
const interrupts = {
  pause: go('paused', 'set-status-paused', 'emit-phase'),
  stop: go('stopped', 'set-status-stopped', 'emit-phase'),
  fail: go('failed', 'set-status-failed', 'emit-phase'),
};

/** An attempt in flight may fail (below quorum, past its deadline). */
const attemptEnds = {
  ...interrupts,
  'attempt-failed': go('waiting-for-clients', 'count-round-failed', 'emit-round-failed', 'emit-phase'),
  'attempts-exhausted': go(
    'failed',
    'count-round-failed',
    'emit-round-failed',
    'set-status-failed',
    'emit-phase',
  ),
};

/** The whole lifecycle. Absent pairs are invalid. */
export const ROUND_TRANSITIONS: Table = {
  idle: {
    'round-begin': go('waiting-for-clients', 'emit-phase'),
    finish: go('completed', 'set-status-completed', 'emit-phase'),
    ...interrupts,
  },
  'waiting-for-clients': { 'clients-ready': go('configuring', 'emit-phase'), ...interrupts },
  configuring: { planned: go('training', 'record-round', 'emit-phase'), ...attemptEnds },
  training: { 'results-in': go('aggregating', 'emit-phase'), ...attemptEnds },
  aggregating: {
    committed: go('checkpointed', 'count-round-completed', 'emit-phase', 'emit-round-completed'),
    ...attemptEnds,
  },
  checkpointed: {
    evaluate: go('evaluating', 'emit-phase'),
    'round-begin': go('waiting-for-clients', 'emit-phase'),
    finish: go('completed', 'set-status-completed', 'emit-phase'),
    ...interrupts,
  },
  evaluating: {
    'round-begin': go('waiting-for-clients', 'emit-phase'),
    finish: go('completed', 'set-status-completed', 'emit-phase'),
    ...interrupts,
  },
  paused: {
    'round-begin': go('waiting-for-clients', 'emit-phase'),
    finish: go('completed', 'set-status-completed', 'emit-phase'),
    stop: interrupts.stop,
    fail: interrupts.fail,
  },
  stopped: {},
  completed: {},
  failed: {},
};

/** The transition for `event` in `phase`; throws `FAILED_PRECONDITION` when there is none. */
export function transition(phase: RunPhase, event: RoundEvent): Transition {
  const t = ROUND_TRANSITIONS[phase]?.[event];
  if (t === undefined) {
    throw new EdgefedError('FAILED_PRECONDITION', `No round transition for "${event}" in phase "${phase}"`, {
      details: { phase, event },
    });
  }
  return t;
}
