/**
 * Disconnects mid-upload over real sockets (socket.io, issue #15): 10 real participants train
 * two identical runs on one coordinator; in the second, 3 of them (30%) lose their connection
 * in the middle of every upload (the coordinator closes it after their 5th chunk, before that
 * chunk's ack) and reconnect under their identity. Rounds complete on their first attempt with
 * every participant, no update is counted twice (one outcome per client per round, the same
 * bytes up as the run without faults: a retransmitted chunk is refused as a duplicate), and the
 * federated accuracy is within 1 point of the run without faults.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Participant } from '@edgefed/client';
import { createJoinToken, type Coordinator } from '@edgefed/coordinator';
import { TOKEN_SECRET, createRun, mnistEngines, startInProcess, startParticipants } from './harness.js';

const token = createJoinToken({ secret: TOKEN_SECRET, run: '*' });
let coordinator: Coordinator | undefined;
let participants: Participant[] = [];

afterEach(async () => {
  await Promise.all(participants.map((p) => p.stop()));
  await coordinator?.close();
  participants = [];
});

const run = {
  model: '2nn',
  rounds: 2,
  strategy: { name: 'fedavg', fractionFit: 1, minFitClients: 10, minAvailableClients: 10 },
  training: { batchSize: 16, learningRate: 0.1 },
  roundDeadlineMs: 60_000,
  evaluateEvery: 2,
  seed: 4,
};

interface RunView {
  rounds: { round: number; attempt: number; state: string; completedCount: number; bytesUp: number }[];
  outcomes: { round: number; clientId: string; outcome: string }[];
  accuracy: number;
}

async function runOnce(c: Coordinator): Promise<RunView> {
  const runId = await createRun(c.url, run);
  await c.runs.settled(runId);
  const store = c.stores.runs;
  const r = await store.getRun(runId);
  expect(r.status).toBe('completed');
  return {
    rounds: (await store.listRounds(runId)).map((x) => ({
      round: x.round,
      attempt: x.attempt,
      state: x.state,
      completedCount: x.completedCount,
      bytesUp: x.bytesUp,
    })),
    outcomes: await store.listClientOutcomes(runId),
    accuracy: r.bestMetrics.eval_accuracy ?? NaN,
  };
}

describe('participants disconnecting mid-upload', () => {
  it('rounds complete, nothing is counted twice, accuracy within 1 point of the run without faults', async () => {
    coordinator = await startInProcess({
      limits: { maxChunkBytes: 16 * 1024, messagesPerSecond: 10_000 },
      clients: { resumeGraceMs: 30_000 },
    });
    const c = coordinator;
    participants = await startParticipants(c.url, token, await mnistEngines(10, 1000));
    const clean = await runOnce(c);

    const victims = new Set(participants.slice(0, 3).map((p) => p.clientId));
    const cut = new Set<string>();
    let resumed = 0;
    c.plane.onClientResumed(({ clientId }) => {
      if (victims.has(clientId)) resumed++;
    });
    c.plane.onMessage('upload-chunk', ({ clientId, message }) => {
      const key = `${clientId}/${message.payloadId}`;
      if (!victims.has(clientId) || message.index !== 4 || cut.has(key)) return;
      cut.add(key);
      // close the connection before this chunk's ack leaves: the client sends it again
      setImmediate(() => c.plane.disconnect(clientId));
    });
    const faulty = await runOnce(c);

    expect(cut.size).toBe(6); // 3 participants x 2 rounds
    expect(resumed).toBeGreaterThanOrEqual(6);
    expect(faulty.rounds.map((r) => [r.round, r.attempt, r.state, r.completedCount])).toEqual(
      [1, 2].map((n) => [n, 1, 'completed', 10]),
    );
    for (const n of [1, 2]) {
      const ids = faulty.outcomes.filter((o) => o.round === n).map((o) => o.clientId);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids).toHaveLength(10);
    }
    // every chunk counted once: the same update bytes as without faults
    expect(faulty.rounds.map((r) => r.bytesUp)).toEqual(clean.rounds.map((r) => r.bytesUp));
    expect(Math.abs(faulty.accuracy - clean.accuracy)).toBeLessThanOrEqual(0.01);
    console.log(JSON.stringify({ clean: clean.accuracy, faulty: faulty.accuracy }));
  }, 180_000);
});
