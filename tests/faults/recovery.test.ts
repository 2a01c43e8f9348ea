/**
 * Crash recovery with real processes: `edgefed serve` runs as a child process on a SQLite
 * data dir; participants in this process train a run; the child is SIGKILLed in the middle
 * of round 2 (one participant is held inside its fit so the round cannot finish first);
 * a new child on the same port and data dir resumes the run from its last checkpoint, the
 * participants reconnect by themselves under their old client ids (their resume tokens are
 * found in the store by hash), and training runs to completion with no committed round lost
 * and each participant's contributions accumulating on one identity.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { LocalTrainingEngine, Participant } from '@edgefed/client';
import { openSqliteRunStore } from '@edgefed/coordinator';
import { killAfterRound, readProgress, reconnected, startCrashRun } from './crash-run.js';
import {
  api,
  mnistEngines,
  nextParticipantEvent,
  spawnCoordinator,
  tempDir,
  type ChildCoordinator,
} from './harness.js';

/** Wraps a real engine so that, while `hold` is set, fit waits for `release` first. */
function holdable(engine: LocalTrainingEngine): LocalTrainingEngine & { hold(): () => void } {
  let gate: Promise<void> | undefined;
  return {
    get backend() {
      return engine.backend;
    },
    get exampleCount() {
      return engine.exampleCount;
    },
    async fit(input) {
      if (gate !== undefined) await gate;
      return engine.fit(input);
    },
    evaluate: (input) => engine.evaluate(input),
    dispose: () => engine.dispose(),
    hold() {
      let release!: () => void;
      gate = new Promise((ok) => (release = ok));
      return () => {
        gate = undefined;
        release();
      };
    },
  };
}

const children: ChildCoordinator[] = [];
let participants: Participant[] = [];

afterAll(async () => {
  await Promise.all(participants.map((p) => p.stop()));
  for (const c of children) await c.kill('SIGKILL');
});

/** The run's progress in the SQLite database of `dataDir`. */
function readStore(dataDir: string, runId: string, clientIds: readonly string[] = []) {
  return readProgress(openSqliteRunStore({ path: `${dataDir}/edgefed.db` }), runId, clientIds);
}

describe('coordinator crash recovery (SIGKILL, real child processes)', () => {
  it('resumes the run from its last checkpoint and finishes it with the same participants', async () => {
    const dataDir = tempDir('recovery');
    const engines = (await mnistEngines(2)).map(holdable);
    const started = await startCrashRun({ dataDir, rounds: 4, maxSteps: 4, engines });
    const { port, child: first, runId } = started;
    children.push(first);
    participants = started.participants;
    const [p0, p1] = participants as [Participant, Participant];
    const firstIds = [p0.clientId, p1.clientId];

    // Round 1 commits; as soon as p0 starts round 2, hold its fit and kill the coordinator.
    let release: (() => void) | undefined;
    const offHold = p0.on('task-started', (t) => {
      if (t.round === 2 && release === undefined) release = engines[0]?.hold();
    });
    await nextParticipantEvent(p0, 'task-started', (t) => t.round === 2);
    offHold();
    await killAfterRound(first, participants, { round: 1, timeoutMs: 10_000 });

    const crashed = await readStore(dataDir, runId);
    expect(crashed.versions).toEqual([0, 1]);
    expect(crashed.rounds.map((r) => [r.round, r.attempt, r.state])).toEqual([
      [1, 1, 'completed'],
      [2, 1, 'training'],
    ]);

    const rejoined = reconnected(participants);
    const second = await spawnCoordinator({ port, dataDir });
    children.push(second);
    expect(second.url).toBe(first.url);
    expect((await second.waitForLog((l) => l.msg === 'coordinator listening', 1000)).resumed).toEqual([
      runId,
    ]);
    const connected = await rejoined;
    // A new process, but the identities live in the store: both resume under their old ids.
    expect(connected.map((c) => [c.clientId, c.resumed])).toEqual(firstIds.map((id) => [id, true]));
    expect(participants.map((p) => p.clientId)).toEqual(firstIds);
    await second.waitForLog((l) => l.msg === 'client session restored from the store', 1000);
    release?.();

    await second.waitForLog((l) => l.msg === 'run completed' && l.runId === runId, 90_000);
    const run = await api<{ status: string; currentRound: number }>(second.url, `/api/runs/${runId}`);
    expect(run.body).toMatchObject({ status: 'completed', currentRound: 4 });
    await second.kill('SIGTERM');
    expect(second.process.exitCode).toBe(0);

    const after = await readStore(dataDir, runId, firstIds);
    expect(after.versions).toEqual([0, 1, 2, 3, 4]);
    expect(after.hashes.slice(0, 2)).toEqual(crashed.hashes); // nothing committed was rewritten
    const round1 = after.rounds.find((r) => r.round === 1);
    expect(round1).toEqual(crashed.rounds[0]);
    const states = after.rounds.map((r) => [r.round, r.attempt, r.state, r.failureReason]);
    expect(states).toEqual([
      [1, 1, 'completed', null],
      [2, 1, 'failed', 'coordinator restarted'],
      [2, 2, 'completed', null],
      [3, 1, 'completed', null],
      [4, 1, 'completed', null],
    ]);
    for (const r of after.rounds.filter((x) => x.state === 'completed')) expect(r.completedCount).toBe(2);
    // Contributions keep accumulating on the same identities: round 1 before the crash, 2-4 after.
    expect(after.sessions.map((x) => [x?.clientId, x?.contributions])).toEqual(firstIds.map((id) => [id, 4]));
  });
});
