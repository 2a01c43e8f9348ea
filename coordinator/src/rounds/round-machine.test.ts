/**
 * Every (phase, event) pair of the round state machine: the valid ones lead where the
 * lifecycle says, with the effects the runner relies on; every other pair is refused with
 * `FAILED_PRECONDITION`.
 */
import { describe, expect, it } from 'vitest';
import { EdgefedError } from '@edgefed/shared';
import { RUN_PHASES, type RunPhase } from './run-events.js';
import { ROUND_EVENTS, transition, type RoundEvent } from './round-machine.js';

/** The expected lifecycle, written out independently of the table: "phase event" -> next phase. */
const EXPECTED: Record<string, RunPhase> = {};
const allow = (from: RunPhase[], event: RoundEvent, to: RunPhase): void => {
  for (const f of from) EXPECTED[`${f} ${event}`] = to;
};
const live: RunPhase[] = [
  'idle',
  'waiting-for-clients',
  'configuring',
  'training',
  'aggregating',
  'checkpointed',
  'evaluating',
];
const inAttempt: RunPhase[] = ['configuring', 'training', 'aggregating'];
allow(['idle', 'checkpointed', 'evaluating', 'paused'], 'round-begin', 'waiting-for-clients');
allow(['waiting-for-clients'], 'clients-ready', 'configuring');
allow(['configuring'], 'planned', 'training');
allow(['training'], 'results-in', 'aggregating');
allow(['aggregating'], 'committed', 'checkpointed');
allow(inAttempt, 'attempt-failed', 'waiting-for-clients');
allow(inAttempt, 'attempts-exhausted', 'failed');
allow(['checkpointed'], 'evaluate', 'evaluating');
allow(['idle', 'checkpointed', 'evaluating', 'paused'], 'finish', 'completed');
allow(live, 'pause', 'paused');
allow([...live, 'paused'], 'stop', 'stopped');
allow([...live, 'paused'], 'fail', 'failed');

describe('round state machine', () => {
  for (const phase of RUN_PHASES) {
    for (const event of ROUND_EVENTS) {
      const expected = EXPECTED[`${phase} ${event}`];
      if (expected !== undefined) {
        it(`${phase} --${event}--> ${expected}`, () => {
          const t = transition(phase, event);
          expect(t.to).toBe(expected);
          expect(t.effects.filter((e) => e === 'emit-phase')).toHaveLength(1);
        });
      } else {
        it(`${phase} --${event}--> refused`, () => {
          let caught: unknown;
          try {
            transition(phase, event);
          } catch (err) {
            caught = err;
          }
          expect(caught).toBeInstanceOf(EdgefedError);
          expect((caught as EdgefedError).code).toBe('FAILED_PRECONDITION');
          expect((caught as EdgefedError).details).toEqual({ phase, event });
        });
      }
    }
  }

  it('counts each ended attempt exactly once, where the table says', () => {
    const counted = (phase: RunPhase, event: RoundEvent): readonly string[] =>
      transition(phase, event).effects.filter((e) => e.startsWith('count-'));
    expect(counted('aggregating', 'committed')).toEqual(['count-round-completed']);
    for (const p of inAttempt) {
      expect(counted(p, 'attempt-failed')).toEqual(['count-round-failed']);
      expect(counted(p, 'attempts-exhausted')).toEqual(['count-round-failed']);
      expect(counted(p, 'pause')).toEqual([]);
    }
  });

  it('stores the status before announcing the phase, and the round after it', () => {
    expect(transition('evaluating', 'finish').effects).toEqual(['set-status-completed', 'emit-phase']);
    expect(transition('training', 'pause').effects).toEqual(['set-status-paused', 'emit-phase']);
    expect(transition('configuring', 'planned').effects).toEqual(['record-round', 'emit-phase']);
    expect(transition('aggregating', 'committed').effects).toEqual([
      'count-round-completed',
      'emit-phase',
      'emit-round-completed',
    ]);
  });
});
