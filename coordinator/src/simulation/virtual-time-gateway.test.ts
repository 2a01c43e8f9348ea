/**
 * Tests of the virtual clock: task planning (download + train + upload, dropout, offline,
 * deadline) and the VirtualTimeGateway over a stand-in real gateway that finishes tasks in
 * the reverse of the order they were sent (outcomes must still come in virtual order).
 */
import { describe, expect, it } from 'vitest';
import type { ClientCandidate } from '@edgefed/shared';
import type { RunTasksOptions, TaskGateway, TaskOutcome, TaskSpec } from '../rounds/task-gateway.js';
import { openTaskStream } from '../rounds/task-stream.js';
import type { DeviceProfile } from './device-profiles.js';
import { planTask, uploadBytesEstimate, workExamples } from './virtual-task-plan.js';
import { VirtualTimeGateway } from './virtual-time-gateway.js';

const fast: DeviceProfile = {
  speed: 1,
  upBytesPerSecond: 1000,
  downBytesPerSecond: 2000,
  availability: undefined,
};

describe('planTask', () => {
  const base = {
    start: 100,
    profile: fast,
    workExamples: 500,
    examplesPerSecond: 100,
    downBytes: 4000,
    upBytes: 1000,
    deadlineSeconds: 60,
    dropoutRate: 0.2,
  };
  it('adds download, training and upload time', () => {
    expect(planTask({ ...base, draws: [0.5, 0] })).toEqual({
      end: 'complete',
      at: 108,
      stoppedAt: 108,
      duration: 8,
    });
  });
  it('a dropout stops the device mid-task; the server learns of it at the deadline', () => {
    expect(planTask({ ...base, draws: [0.1, 0.5] })).toEqual({
      end: 'dropout',
      at: 160,
      stoppedAt: 104,
      duration: 8,
    });
  });
  it('going offline mid-task is a dropout at the window end', () => {
    const profile = {
      ...fast,
      availability: { period: Infinity, windows: [[0, 103]] as [number, number][] },
    };
    expect(planTask({ ...base, profile, draws: [0.9, 0] })).toMatchObject({
      end: 'offline',
      at: 160,
      stoppedAt: 103,
    });
  });
  it('a task longer than the deadline is late at the deadline', () => {
    expect(planTask({ ...base, workExamples: 10_000, draws: [0.9, 0] })).toMatchObject({
      end: 'late',
      at: 160,
    });
  });
  it('estimates work and upload bytes from the task', () => {
    expect(workExamples({ epochs: 2, batchSize: 10, maxSteps: 0 }, 300)).toBe(600);
    expect(workExamples({ epochs: 2, batchSize: 10, maxSteps: 5 }, 300)).toBe(50);
    expect(uploadBytesEstimate(1000, { method: 'none' })).toBe(1000);
    expect(uploadBytesEstimate(1000, { method: 'int8' })).toBe(250);
    expect(uploadBytesEstimate(1000, { method: 'topk', fraction: 0.1 })).toBe(200);
  });
});

/** Completes every task, in the reverse of the order they were sent in a batch. */
class ReverseGateway implements TaskGateway {
  readonly sent: string[] = [];
  constructor(readonly ids: readonly string[]) {}
  get bytesDown(): number {
    return 0;
  }
  candidates(): ClientCandidate[] {
    return this.ids.map((id) => ({ id, capabilities: {} }));
  }
  async *runTasks(o: RunTasksOptions): AsyncGenerator<TaskOutcome> {
    for (const t of o.tasks) this.sent.push(t.clientId);
    await new Promise((r) => setImmediate(r));
    for (const task of [...o.tasks].reverse()) {
      if (o.signal.aborted) {
        yield { status: 'dropped', task, code: 'CANCELLED', message: 'closed', bytesUp: 0 };
        continue;
      }
      yield {
        status: 'completed',
        task,
        exampleCount: 1,
        metrics: {},
        payload: new Uint8Array(1),
        bytesUp: 1,
      };
    }
  }
}

function task(clientId: string, n: number): TaskSpec {
  return {
    taskId: `t${n}`,
    clientId,
    runId: 'r',
    round: 1,
    kind: 'fit',
    modelVersion: 0,
    modelHash: 'sha256:x',
    modelUrl: '/m',
    hyperParameters: { epochs: 1, batchSize: 10, maxSteps: 0 },
    modelSpec: '{}',
    compression: { method: 'none' },
    seed: 0,
    config: {},
    deadline: 0,
  };
}

function gateway(speeds: number[], o: { dropoutRate?: number; deadline?: number; offline?: number[] } = {}) {
  const ids = speeds.map((_, k) => `c${String(k)}`);
  const inner = new ReverseGateway(ids);
  const profiles = speeds.map((speed, k): DeviceProfile => ({
    speed,
    upBytesPerSecond: Infinity,
    downBytesPerSecond: Infinity,
    availability: o.offline?.includes(k) === true ? { period: 1000, windows: [[500, 600]] } : undefined,
  }));
  const g = new VirtualTimeGateway({
    inner,
    profiles,
    exampleCounts: speeds.map(() => 100),
    examplesPerSecond: 10,
    dropoutRate: o.dropoutRate ?? 0,
    deadlineSeconds: o.deadline ?? 60,
    modelBytes: 0,
    minOnline: 1,
    seed: 1,
  });
  g.bindClients(ids);
  return { g, inner, ids };
}

async function collect(it: AsyncIterable<TaskOutcome>, after?: (o: TaskOutcome, i: number) => void) {
  const out: TaskOutcome[] = [];
  for await (const o of it) {
    out.push(o);
    after?.(o, out.length);
  }
  return out;
}

describe('VirtualTimeGateway', () => {
  it('hands outcomes out in virtual-time order and advances the clock', async () => {
    const { g } = gateway([1, 4, 0.5, 2]); // 10 s, 2.5 s, 20 s, 5 s
    const tasks = ['c0', 'c1', 'c2', 'c3'].map(task);
    const seen: [string, number][] = [];
    await collect(g.runTasks({ tasks, signal: new AbortController().signal }), (o) =>
      seen.push([o.task.clientId, g.now]),
    );
    expect(seen).toEqual([
      ['c1', 2.5],
      ['c3', 5],
      ['c0', 10],
      ['c2', 20],
    ]);
  });

  it('closes a round at the target like over-selection: the rest are dropped, the clock stays', async () => {
    const { g } = gateway([1, 4, 0.5, 2]);
    const close = new AbortController();
    const outs = await collect(
      g.runTasks({ tasks: ['c0', 'c1', 'c2', 'c3'].map(task), signal: close.signal }),
      (_o, n) => {
        if (n === 2) close.abort(Object.assign(new Error('enough'), { code: 'CANCELLED' }));
      },
    );
    expect(outs.map((o) => [o.task.clientId, o.status])).toEqual([
      ['c1', 'completed'],
      ['c3', 'completed'],
      ['c0', 'dropped'],
      ['c2', 'dropped'],
    ]);
    expect(g.now).toBe(5);
    expect(g.candidates('r').map((c) => c.id)).toEqual(['c0', 'c1', 'c2', 'c3']);
  });

  it('drops vanished and too-slow devices at the deadline without sending them the task', async () => {
    const { g, inner } = gateway([1, 1, 1, 1, 0.1], { dropoutRate: 0.5, deadline: 60 });
    const outs = await collect(
      g.runTasks({ tasks: ['c0', 'c1', 'c2', 'c3', 'c4'].map(task), signal: new AbortController().signal }),
    );
    const dropped = outs.filter((o) => o.status === 'dropped');
    expect(dropped.length).toBeGreaterThan(0); // c4 needs 100 s
    for (const o of dropped)
      expect(['UNAVAILABLE', 'DEADLINE_EXCEEDED']).toContain(o.status === 'dropped' ? o.code : '');
    expect(inner.sent).toEqual(
      outs
        .filter((o) => o.status === 'completed')
        .map((o) => o.task.clientId)
        .sort(),
    );
    expect(g.now).toBe(60); // the round waited for the silent ones until the deadline
  });

  it('is deterministic under the seed', async () => {
    const run = async () => {
      const { g } = gateway([1, 2, 3, 0.7, 1.5, 0.9], { dropoutRate: 0.4 });
      const outs = await collect(
        g.runTasks({
          tasks: ['c0', 'c1', 'c2', 'c3', 'c4', 'c5'].map(task),
          signal: new AbortController().signal,
        }),
      );
      return [outs.map((o) => [o.task.clientId, o.status]), g.now];
    };
    expect(await run()).toEqual(await run());
  });

  it('offline clients are not candidates; with none online the clock jumps to the next window', () => {
    const { g } = gateway([1, 1], { offline: [0, 1] });
    expect(g.candidates('r').map((c) => c.id)).toEqual(['c0', 'c1']);
    expect(g.now).toBe(500);
  });

  it('streams (FedBuff): a task sent later that finishes sooner comes out first; busy clients are not candidates', async () => {
    const { g } = gateway([1, 1, 10]);
    const s = openTaskStream(g);
    s.send(task('c0', 0)); // 10 s
    expect(g.candidates('r').map((c) => c.id)).toEqual(['c1', 'c2']);
    s.send(task('c2', 1)); // 1 s
    const signal = new AbortController().signal;
    const first = await s.next(signal);
    expect([first.task.clientId, g.now]).toEqual(['c2', 1]);
    s.send(task('c1', 2)); // 1 + 10 s
    const second = await s.next(signal);
    expect([second.task.clientId, g.now]).toEqual(['c0', 10]);
    const third = await s.next(signal);
    expect([third.task.clientId, g.now]).toEqual(['c1', 11]);
    expect(s.open).toBe(0);
    await expect(s.next(signal)).rejects.toMatchObject({ code: 'FAILED_PRECONDITION' });
  });
});
