/**
 * FedBuff as a coordinator run mode over real sockets: real participants (onnxruntime-node,
 * MNIST shards) train a `mode: fedbuff` run. One test restarts the coordinator (a new
 * instance on the same SQLite file and port) in the middle of the run: it resumes from the
 * last committed version and finishes, versions contiguous and none rewritten. The other
 * makes every update but the first stale (K = 1, maxStaleness 0, 3 clients at once) and
 * checks the `STALE_UPDATE` rejections, the staleness record and `GET /api/runs/:id/fedbuff`.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Participant } from '@edgefed/client';
import {
  createCoordinator,
  createJoinToken,
  loadConfig,
  openSqliteRunStore,
  silentLogger,
  type Coordinator,
} from '@edgefed/coordinator';
import {
  ADMIN_TOKEN,
  TOKEN_SECRET,
  api,
  createRun,
  freePort,
  mnistEngines,
  startParticipants,
  tempDir,
} from '../faults/harness.js';

let participants: Participant[] = [];
const coordinators: Coordinator[] = [];

afterEach(async () => {
  await Promise.all(participants.map((p) => p.stop()));
  participants = [];
  for (const c of coordinators.splice(0)) await c.close();
});

async function start(dataDir: string, port: number): Promise<Coordinator> {
  const config = loadConfig({
    overrides: {
      server: { port, host: '127.0.0.1' },
      store: { kind: 'sqlite', dataDir },
      auth: { adminToken: ADMIN_TOKEN, tokenSecret: TOKEN_SECRET },
      log: { level: 'silent' },
    },
  });
  const c = await createCoordinator({ config, logger: silentLogger() });
  coordinators.push(c);
  await c.listen();
  return c;
}

/** Resolves once the run has committed `version` (polling the store through run events). */
function versionCommitted(c: Coordinator, runId: string, version: number): Promise<void> {
  return new Promise((ok) => {
    const off = c.onRunEvent((e) => {
      if (e.runId === runId && e.type === 'round-completed' && e.modelVersion >= version) {
        off();
        ok();
      }
    });
  });
}

function settledEvent(c: Coordinator, runId: string): Promise<string> {
  return new Promise((ok) => {
    const off = c.onRunEvent((e) => {
      if (e.runId === runId && e.type === 'phase' && (e.phase === 'completed' || e.phase === 'failed')) {
        off();
        ok(e.phase);
      }
    });
  });
}

const base = {
  model: '2nn',
  mode: 'fedbuff',
  training: { batchSize: 16, learningRate: 0.05, maxSteps: 4 },
  roundDeadlineMs: 60_000,
};

describe('FedBuff run mode (real sockets, SQLite)', () => {
  it('survives a coordinator restart: resumes from the last version and completes', async () => {
    const dataDir = tempDir('fedbuff');
    const port = await freePort();
    const first = await start(dataDir, port);
    const runId = await createRun(first.url, {
      ...base,
      rounds: 6,
      fedbuff: { bufferSize: 2, concurrency: 3, maxStaleness: 10 },
    });
    participants = await startParticipants(
      first.url,
      createJoinToken({ secret: TOKEN_SECRET, run: runId }),
      await mnistEngines(3),
    );
    await versionCommitted(first, runId, 2);
    await first.close(); // runs detach; the store still says running
    const crashed = openSqliteRunStore({ path: `${dataDir}/edgefed.db` });
    const before = await crashed.listCheckpoints(runId);
    expect((await crashed.getRun(runId)).status).toBe('running');
    await crashed.close();

    const second = await start(dataDir, port);
    const done = settledEvent(second, runId);
    expect(await done).toBe('completed');
    const run = await api<{ status: string; currentModelVersion: number }>(second.url, `/api/runs/${runId}`);
    expect(run.body).toMatchObject({ status: 'completed', currentModelVersion: 6 });
    const cps = await api<{ checkpoints: { version: number; hash: string }[] }>(
      second.url,
      `/api/runs/${runId}/checkpoints`,
    );
    expect(cps.body.checkpoints.map((c) => c.version)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    // nothing committed before the restart was rewritten
    expect(cps.body.checkpoints.slice(0, before.length).map((c) => c.hash)).toEqual(
      before.map((c) => c.hash),
    );
    const rounds = await api<{
      rounds: { round: number; state: string; trainMetrics: Record<string, number> }[];
    }>(second.url, `/api/runs/${runId}/rounds`);
    expect(rounds.body.rounds.map((r) => [r.round, r.state])).toEqual(
      [1, 2, 3, 4, 5, 6].map((v) => [v, 'completed']),
    );
    for (const r of rounds.body.rounds) expect(r.trainMetrics.updates).toBe(2);
  }, 120_000);

  it('rejects updates staler than maxStaleness with STALE_UPDATE and reports staleness', async () => {
    const c = await start(tempDir('fedbuff-stale'), 0);
    const runId = await createRun(c.url, {
      ...base,
      rounds: 4,
      fedbuff: { bufferSize: 1, concurrency: 3, maxStaleness: 0 },
    });
    const done = settledEvent(c, runId);
    participants = await startParticipants(
      c.url,
      createJoinToken({ secret: TOKEN_SECRET, run: runId }),
      await mnistEngines(3),
    );
    expect(await done).toBe('completed');
    const outcomes = await api<{
      outcomes: { outcome: string; code: string | null; metrics: Record<string, number> }[];
    }>(c.url, `/api/runs/${runId}/outcomes`);
    const stale = outcomes.body.outcomes.filter((o) => o.code === 'STALE_UPDATE');
    expect(stale.length).toBeGreaterThan(0);
    for (const o of stale) expect(o.outcome).toBe('rejected');
    // every aggregated update was on the newest version (maxStaleness 0)
    for (const o of outcomes.body.outcomes.filter((x) => x.outcome === 'completed'))
      expect(o.metrics.staleness).toBe(0);
    const stats = await api<{
      timeline: { version: number; updates: number }[];
      staleness: { staleness: number; updates: number }[];
      updatesPerMinute: { updates: number }[];
      rejectedStale: number;
    }>(c.url, `/api/runs/${runId}/fedbuff`);
    expect(stats.body.timeline.map((v) => [v.version, v.updates])).toEqual([1, 2, 3, 4].map((v) => [v, 1]));
    expect(stats.body.staleness).toEqual([{ staleness: 0, updates: 4 }]);
    expect(stats.body.updatesPerMinute.reduce((a, m) => a + m.updates, 0)).toBe(4);
    expect(stats.body.rejectedStale).toBe(stale.length);
  }, 120_000);

  it('refuses a fedbuff run with another strategy (INVALID_CONFIG)', async () => {
    const c = await start(tempDir('fedbuff-bad'), 0);
    const res = await api<{ error: { code: string } }>(c.url, '/api/runs', {
      method: 'POST',
      body: { config: { ...base, rounds: 2, strategy: { name: 'fedmedian' } } },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('INVALID_CONFIG');
  });
});
