/**
 * Secure aggregation (SecAgg+) cost: one client's compute and bytes per round against model size
 * and neighbour count k, the communication expansion against a plain fp32 upload, the server's
 * unmask time with 5% of clients dropping after sharing keys (the costly case: their pairwise
 * masks must be rebuilt), and the client overhead against the local training time of the FedAvg
 * paper's CNN (E = 1 on 600 examples, B = 10, onnxruntime-node), measured in the same run.
 *
 * Times are process CPU milliseconds (user + system, all threads: Web Crypto runs on libuv's
 * pool) of the measured client's own calls, fastest of `--reps` runs (one run above 2M params),
 * because CPU time is what a shared, loaded machine distorts least; wall times are reported too.
 * The CNN overhead compares the client's time at the CNN's parameter count (k = 20) with the
 * time of training 600 examples, CPU with CPU and wall with wall.
 *
 * Bytes count every binary field and id string of each message (what any framing adds is left
 * out); the roster and the unmask request a client downloads grow with the round's size n, and
 * are counted for `--round-clients` (1,000) clients.
 *
 * `npm run bench -- secagg [--sizes 100000,1000000,10000000] [--ks 10,20,50]
 * [--server 100:100000,1000:10000] [--drop 0.05] [--round-clients 1000] [--reps 3] [--cnn true]`
 */
import { createNodeBackend } from '@edgefed/client';
import {
  countParameters,
  MODEL_CNN,
  parseSecAggConfig,
  planModel,
  SecAggClient,
  SecAggServer,
  secureRandomBytes,
  type EncryptedShare,
  type SecAggConfig,
  type UnmaskResponse,
} from '@edgefed/shared';
import type { BenchContext, Benchmark } from './harness.js';
import { trainerSamplesPerSecond } from './training-lib/measure.js';

const list = (v: string | undefined, d: string): number[] =>
  (v ?? d)
    .split(',')
    .filter((s) => s !== '')
    .map(Number);

const idOf = (i: number): string => `client-${String(i).padStart(5, '0')}`;
const ID_BYTES = idOf(0).length;
const utf8Length = (s: string): number => new TextEncoder().encode(s).length;
const shareBytes = (s: EncryptedShare): number => s.ciphertext.length + utf8Length(s.from) + utf8Length(s.to);
const responseBytes = (r: UnmaskResponse): number =>
  utf8Length(r.clientId) +
  [...r.selfMaskShares, ...r.keyShares].reduce((n, s) => n + s.share.length + utf8Length(s.of), 0);

function randomUpdate(length: number): Float32Array {
  const words = new Uint32Array(secureRandomBytes(length * 4).buffer);
  return Float32Array.from(words, (w) => (w / 2 ** 32 - 0.5) * 0.2);
}

type Phase = 'advertise' | 'shareKeys' | 'receiveShares' | 'maskInput' | 'unmask';

/** Wall and process CPU milliseconds of one phase (CPU covers Web Crypto's worker threads too). */
interface Timing {
  wall: number;
  cpu: number;
}

async function timed<T>(fn: () => Promise<T>): Promise<[T, Timing]> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const value = await fn();
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return [value, { wall, cpu: (cpu.user + cpu.system) / 1000 }];
}

interface ClientCost {
  readonly ms: Record<Phase, Timing>;
  readonly sentBytes: number;
  readonly receivedBytes: number;
}

/** One client's phases in a round of k + 1 clients (every other client is a neighbour). */
async function clientCost(length: number, k: number, roundClients: number): Promise<ClientCost> {
  const config: SecAggConfig = parseSecAggConfig({ neighbours: k, maxClients: Math.max(1000, roundClients) });
  const server = new SecAggServer({ config, round: 1, seed: secureRandomBytes(32) });
  const [me, advertise] = await timed(() => SecAggClient.create(idOf(0), config));
  const others = await Promise.all(
    Array.from({ length: k }, (_, i) => SecAggClient.create(idOf(i + 1), config)),
  );
  for (const c of [me, ...others]) server.addAdvertise(c.advertise());
  const roster = server.roster();
  const [mine, shareKeys] = await timed(() => me.shareKeys(roster));
  const theirs = (await Promise.all(others.map((c) => c.shareKeys(roster)))).flat();
  const inbox = server.routeShares([...mine, ...theirs]).get(me.clientId) ?? [];
  const [, receiveShares] = await timed(() => me.receiveShares(inbox));
  const update = randomUpdate(length);
  const [masked, maskInput] = await timed(() => me.maskInput(update, 600));
  const survivors = [me, ...others].map((c) => c.clientId);
  const [response, unmask] = await timed(() => me.unmask({ survivors, dropped: [] }));
  const advertised = 64 + ID_BYTES;
  const sentBytes =
    advertised +
    mine.reduce((n, s) => n + shareBytes(s), 0) +
    masked.masked.byteLength +
    ID_BYTES +
    responseBytes(response);
  // roster (seed, params as 5 numbers, every client's keys) and unmask request for roundClients clients
  const rosterBytes = 32 + 5 * 8 + roundClients * advertised;
  const requestBytes = roundClients * ID_BYTES;
  const receivedBytes = rosterBytes + inbox.reduce((n, s) => n + shareBytes(s), 0) + requestBytes;
  return {
    ms: { advertise, shareKeys, receiveShares, maskInput, unmask },
    sentBytes,
    receivedBytes,
  };
}

/** Server time for one round of n clients with `drop` of them gone after sharing keys. */
async function serverCost(
  n: number,
  length: number,
  drop: number,
): Promise<{ sumMs: number; unmask: Timing; k: number; t: number }> {
  const config = parseSecAggConfig({ maxClients: Math.max(1000, n) });
  const server = new SecAggServer({ config, round: 1, seed: secureRandomBytes(32) });
  const clients = await Promise.all(
    Array.from({ length: n }, (_, i) => SecAggClient.create(idOf(i), config)),
  );
  for (const c of clients) server.addAdvertise(c.advertise());
  const roster = server.roster();
  const shares: EncryptedShare[] = [];
  for (const c of clients) shares.push(...(await c.shareKeys(roster)));
  const inboxes = server.routeShares(shares);
  const gone = Math.round(n * drop);
  const alive = clients.slice(gone);
  const update = randomUpdate(length);
  let sumMs = 0;
  for (const c of alive) {
    await c.receiveShares(inboxes.get(c.clientId) ?? []);
    const masked = await c.maskInput(update, 100);
    const t = performance.now();
    server.addMaskedInput(masked);
    sumMs += performance.now() - t;
  }
  const request = server.unmaskRequest();
  const responses = await Promise.all(alive.map((c) => c.unmask(request)));
  const [, unmask] = await timed(async () => {
    for (const r of responses) server.addUnmaskResponse(r);
    await server.finish(length);
  });
  return { sumMs, unmask, k: roster.params.neighbours, t: roster.params.threshold };
}

async function run(ctx: BenchContext): Promise<void> {
  const sizes = list(ctx.args.sizes, '100000,1000000,10000000');
  const ks = list(ctx.args.ks, '10,20,50');
  const roundClients = Number(ctx.args['round-clients'] ?? 1000);
  const drop = Number(ctx.args.drop ?? 0.05);
  const reps = Number(ctx.args.reps ?? 3);
  await clientCost(1000, 4, roundClients); // warm-up
  const cnnParams = countParameters(planModel(MODEL_CNN).parameters);
  let cnnOverhead: Timing | undefined;
  for (const length of [...sizes, ...(ctx.args.cnn === 'false' ? [] : [cnnParams])]) {
    for (const k of length === cnnParams ? [20] : ks) {
      const runs: ClientCost[] = [];
      for (let r = 0; r < (length > 2_000_000 ? 1 : reps); r++)
        runs.push(await clientCost(length, k, roundClients));
      const total = (c: ClientCost, key: keyof Timing): number =>
        Object.values(c.ms).reduce((a, b) => a + b[key], 0);
      const c = runs.reduce((best, x) => (total(x, 'cpu') < total(best, 'cpu') ? x : best));
      if (length === cnnParams) cnnOverhead = { cpu: total(c, 'cpu'), wall: total(c, 'wall') };
      const plain = 4 * length;
      const common = { params: length, k, roundClients };
      const phases = Object.fromEntries(
        Object.entries(c.ms).map(([p, t]) => [p, Math.round(t.cpu * 10) / 10]),
      );
      ctx.report({
        name: 'client/compute-cpu',
        value: total(c, 'cpu'),
        unit: 'ms',
        ...common,
        phases,
        runs: runs.length,
      });
      ctx.report({ name: 'client/compute-wall', value: total(c, 'wall'), unit: 'ms', ...common });
      ctx.report({ name: 'client/sent', value: c.sentBytes, unit: 'B', ...common, plainUpload: plain });
      ctx.report({ name: 'client/received', value: c.receivedBytes, unit: 'B', ...common });
      ctx.report({
        name: 'expansion/upload',
        value: c.sentBytes / plain,
        unit: 'x',
        baseline: 'plain fp32 upload',
        ...common,
      });
      ctx.report({
        name: 'expansion/total',
        value: (c.sentBytes + c.receivedBytes) / plain,
        unit: 'x',
        baseline: 'plain fp32 upload',
        ...common,
      });
    }
  }
  for (const spec of (ctx.args.server ?? '100:100000,1000:10000').split(',')) {
    const [n, length] = spec.split(':').map(Number);
    if (n === undefined || length === undefined) continue;
    const s = await serverCost(n, length, drop);
    const common = { clients: n, params: length, drop, k: s.k, t: s.t };
    ctx.report({ name: 'server/unmask-cpu', value: s.unmask.cpu, unit: 'ms', ...common });
    ctx.report({ name: 'server/unmask-wall', value: s.unmask.wall, unit: 'ms', ...common });
    ctx.report({ name: 'server/sum-masked', value: s.sumMs, unit: 'ms', clients: n, params: length });
  }
  if (cnnOverhead !== undefined) await cnnBaseline(ctx, cnnOverhead, cnnParams);
}

/** Process CPU ms and samples of one `trainerSamplesPerSecond` call (compile and warm-up included). */
async function trainingRun(seconds: number): Promise<{ cpu: number; samples: number; sps: number }> {
  const backend = await createNodeBackend({ intraOpNumThreads: 2 });
  const [sps, t] = await timed(() =>
    trainerSamplesPerSecond({ backend, spec: MODEL_CNN, batchSize: 10, seconds }),
  );
  return { cpu: t.cpu, samples: sps * seconds, sps };
}

/**
 * The CNN's local training time for 600 examples (E = 1, B = 10), as wall time and as CPU time
 * (two runs of different length, differenced, so compilation and warm-up cancel), and the
 * client's SecAgg+ overhead against each.
 */
async function cnnBaseline(ctx: BenchContext, overhead: Timing, params: number): Promise<void> {
  const short = await trainingRun(2);
  const long = await trainingRun(8);
  const cpuPerSample = (long.cpu - short.cpu) / (long.samples - short.samples);
  const trainWall = (600 / long.sps) * 1000;
  const trainCpu = 600 * cpuPerSample;
  ctx.report({ name: 'cnn/train-600-wall', value: trainWall, unit: 'ms', samplesPerSecond: long.sps });
  ctx.report({ name: 'cnn/train-600-cpu', value: trainCpu, unit: 'ms' });
  const common = { unit: 'ratio', params, k: 20 };
  ctx.report({
    name: 'cnn/overhead-cpu',
    value: overhead.cpu / trainCpu,
    baseline: 'cnn/train-600-cpu',
    ...common,
  });
  ctx.report({
    name: 'cnn/overhead-wall',
    value: overhead.wall / trainWall,
    baseline: 'cnn/train-600-wall',
    ...common,
  });
}

const bench: Benchmark = {
  description:
    'SecAgg+: client compute and bytes vs model size and k, expansion, server unmask time, overhead vs CNN training',
  run,
};
export default bench;
