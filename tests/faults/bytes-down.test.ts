/**
 * `bytesDown` of a round counts the model downloads its own tasks asked for, even one that
 * ends after the round was committed: a straggler whose task closed early downloads the
 * round-1 model while round 2 is under way, and round 1 (not round 2) gets those bytes.
 */
import { afterEach, expect, it } from 'vitest';
import type { Participant } from '@edgefed/client';
import { createJoinToken, type Coordinator } from '@edgefed/coordinator';
import { TOKEN_SECRET, createRun, mnistEngines, startInProcess, startParticipants } from './harness.js';
import { rawParticipant, type RawParticipant } from './raw-participant.js';

const token = createJoinToken({ secret: TOKEN_SECRET, run: '*' });
let coordinator: Coordinator | undefined;
let participants: Participant[] = [];
let raw: RawParticipant | undefined;

afterEach(async () => {
  await Promise.all(participants.map((p) => p.stop()));
  await raw?.close();
  await coordinator?.close();
  participants = [];
  raw = undefined;
});

function roundCompleted(c: Coordinator, round: number): Promise<void> {
  return new Promise((ok) => {
    const off = c.onRunEvent((e) => {
      if (e.type !== 'round-completed' || e.round !== round) return;
      off();
      ok();
    });
  });
}

it('counts a download in the round whose task asked for it, even after that round committed', async () => {
  coordinator = await startInProcess();
  participants = await startParticipants(coordinator.url, token, await mnistEngines(1));
  raw = await rawParticipant(coordinator.url, token);
  const firstCommitted = roundCompleted(coordinator, 1);
  const runId = await createRun(coordinator.url, {
    model: '2nn',
    rounds: 2,
    // both clients get each task; the first result closes the round
    strategy: {
      name: 'fedavg',
      fractionFit: 0.5,
      minFitClients: 1,
      overSelection: 2,
      minAvailableClients: 2,
    },
    training: { batchSize: 16, maxSteps: 2 },
    roundDeadlineMs: 30_000,
  });
  const task = await raw.nextTask();
  expect(task.round).toBe(1);
  await firstCommitted; // the participant's result closed round 1; the raw task was cancelled
  await raw.fetchModel(task); // the straggler downloads round 1's model late
  await coordinator.runs.settled(runId);
  const modelBytes = await coordinator.stores.blobs.size(task.modelHash.slice('sha256:'.length));
  const rounds = await coordinator.stores.runs.listRounds(runId);
  expect(rounds.map((r) => [r.round, r.state])).toEqual([
    [1, 'completed'],
    [2, 'completed'],
  ]);
  // round 1: the participant's download and the straggler's; round 2: the participant's only
  expect(rounds.map((r) => r.bytesDown)).toEqual([2 * modelBytes, modelBytes]);
});
