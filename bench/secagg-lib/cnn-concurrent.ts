/**
 * The SecAgg+ client next to real training, end to end, as the participant runs it: train the
 * CNN for 600 examples (E = 1, B = 10, onnxruntime-node, 2 threads, random MNIST-shaped data),
 * then mask the update, with the mask either computed in `maskInput` after training (`after`) or
 * prepared by `prepareMask` while training runs (`during`), against training alone (`none`). The
 * three run interleaved in a rotating order, from one trainer warmed up by a first epoch; a rep's
 * wall time runs from the first step to the masked vector. The overhead is the time added to
 * training alone, so a mask prepared during training costs whatever it slows training down by,
 * plus what is left after it. Each placement reports its fastest rep.
 */
import { loadavg } from 'node:os';
import { createDataSource, createNodeBackend, createTrainer } from '@edgefed/client';
import {
  createDataset,
  createPrng,
  MODEL_CNN,
  parseSecAggConfig,
  SecAggClient,
  SecAggServer,
  secureRandomBytes,
} from '@edgefed/shared';
import type { BenchContext } from '../harness.js';
import { timed, type Timing } from './masking.js';

/** A client of a k + 1 round with its inbox open (ready to prepare or mask). */
async function readyClient(k: number): Promise<SecAggClient> {
  const config = parseSecAggConfig({ neighbours: k, maxClients: 1000 });
  const server = new SecAggServer({ config, round: 1, seed: secureRandomBytes(32) });
  const clients = await Promise.all(
    Array.from({ length: k + 1 }, (_, i) => SecAggClient.create(`c${i}`, config)),
  );
  for (const c of clients) server.addAdvertise(c.advertise());
  const roster = server.roster();
  const inboxes = server.routeShares((await Promise.all(clients.map((c) => c.shareKeys(roster)))).flat());
  const [me] = clients;
  if (me === undefined) throw new Error('no client');
  await me.receiveShares(inboxes.get(me.clientId) ?? []);
  return me;
}

type Mask = 'none' | 'after' | 'during';

/** Best-of-`reps` wall and CPU of training 600 examples and masking, per mask placement. */
export async function concurrentOverhead(ctx: BenchContext, params: number, reps: number): Promise<void> {
  const backend = await createNodeBackend({ intraOpNumThreads: 2 });
  const trainer = await createTrainer({
    spec: MODEL_CNN,
    backend,
    compileOptions: { loss: 'softmax-cross-entropy', optimizer: { type: 'sgd' } },
  });
  const rng = createPrng(1);
  const features = Float32Array.from({ length: 600 * 784 }, () => rng.nextFloat());
  const labels = Uint8Array.from({ length: 600 }, () => rng.nextInt(10));
  const data = createDataSource(
    createDataset({ features, labels, featureShape: [1, 28, 28], numClasses: 10 }),
  );
  const fit = { batchSize: 10, learningRate: 0.01, shuffle: false } as const;
  const train = async (): Promise<void> => {
    for await (const _ of trainer.fit(data, { ...fit, epochs: 1 })) {
      // one epoch over the 600 examples
    }
  };
  await train(); // warm-up: compile, create sessions, a first epoch
  const update = Float32Array.from({ length: params }, () => rng.nextFloat() * 0.2 - 0.1);
  const best: Partial<Record<Mask, Timing>> = {};
  const walls: Record<Mask, number[]> = { none: [], after: [], during: [] };
  for (let r = 0; r < reps; r++) {
    const order = (['none', 'after', 'during'] as const).map(
      (_, i, all) => all[(i + r) % all.length] ?? 'none',
    );
    for (const mask of order) {
      const client = mask === 'none' ? undefined : await readyClient(20);
      const [, t] = await timed(async () => {
        const prepared = mask === 'during' ? client?.prepareMask(params) : undefined;
        await train();
        await prepared;
        await client?.maskInput(update, 600);
      });
      walls[mask].push(Math.round(t.wall));
      const b = (best[mask] ??= { wall: Infinity, cpu: Infinity });
      b.wall = Math.min(b.wall, t.wall);
      b.cpu = Math.min(b.cpu, t.cpu);
    }
  }
  trainer.dispose();
  const none = best.none;
  if (none === undefined) return;
  const loadAverage = loadavg()[0];
  ctx.report({
    name: 'cnn-e2e/train-600-wall',
    value: none.wall,
    unit: 'ms',
    cpuMs: none.cpu,
    walls: walls.none,
    reps,
    loadAverage,
  });
  for (const mask of ['after', 'during'] as const) {
    const t = best[mask];
    if (t === undefined) continue;
    const common = { unit: 'ratio', params, k: 20, mask, wallMs: t.wall, cpuMs: t.cpu, reps, loadAverage };
    const all = { walls: walls[mask] };
    const baseline = 'cnn-e2e/train-600-wall';
    ctx.report({ name: 'cnn-e2e/overhead-wall', value: t.wall / none.wall - 1, baseline, ...common, ...all });
    ctx.report({
      name: 'cnn-e2e/overhead-cpu',
      value: t.cpu / none.cpu - 1,
      baseline: 'its cpuMs',
      ...common,
    });
  }
}
