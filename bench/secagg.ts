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
 * The CNN part also times the masking A/B (secagg-lib/masking.ts: the pre-speed-up path against
 * the current one on both keystream engines, interleaved in the same run) and the client with its
 * mask prepared ahead (`prepareMask`, run while training would run). It reports two overheads:
 * on the critical path (what is left after training ends: `maskInput` and `unmask`) and in total
 * CPU (every phase, the prepared mask included). `--micro true` adds the pieces (keystream per
 * engine and call size, the add loops, allocation). The end-to-end part (secagg-lib/cnn-concurrent.ts,
 * `--e2e false` skips it) trains for real and masks after or during training.
 *
 * Bytes count every binary field and id string of each message (what any framing adds is left
 * out); the roster and the unmask request a client downloads grow with the round's size n, and
 * are counted for `--round-clients` (1,000) clients.
 *
 * `npm run bench -- secagg [--sizes 100000,1000000,10000000] [--ks 10,20,50]
 * [--server 100:100000,1000:10000] [--drop 0.05] [--round-clients 1000] [--reps 3] [--cnn true]
 * [--micro false] [--e2e true]`
 */
import { loadavg } from 'node:os';
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
import { concurrentOverhead } from './secagg-lib/cnn-concurrent.js';
import { maskingComparison, maskingPieces, timed, type Timing } from './secagg-lib/masking.js';
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

type Phase = 'advertise' | 'shareKeys' | 'receiveShares' | 'prepareMask' | 'maskInput' | 'unmask';

interface ClientCost {
  readonly ms: Record<Phase, Timing>;
  readonly sentBytes: number;
  readonly receivedBytes: number;
}

/**
 * One client's phases in a round of k + 1 clients (every other client is a neighbour); with
 * `prepare`, the mask is computed by `prepareMask` before `maskInput` (0 ms otherwise).
 */
async function clientCost(
  length: number,
  k: number,
  roundClients: number,
  prepare = false,
): Promise<ClientCost> {
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
  const [, prepareMask] = prepare ? await timed(() => me.prepareMask(length)) : [0, { wall: 0, cpu: 0 }];
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
    ms: { advertise, shareKeys, receiveShares, prepareMask, maskInput, unmask },
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

const totalOf = (c: ClientCost, key: keyof Timing, phases?: readonly Phase[]): number =>
  Object.entries(c.ms).reduce(
    (a, [p, t]) => a + (phases === undefined || phases.includes(p as Phase) ? t[key] : 0),
    0,
  );

type Mode = 'inline' | 'prepared';

/** Each mode's fastest (by total CPU) of `reps` client runs, the modes interleaved rep by rep. */
async function bestClientCosts(
  length: number,
  k: number,
  roundClients: number,
  reps: number,
  modes: readonly Mode[],
): Promise<Map<Mode, { cost: ClientCost; runs: number }>> {
  const best = new Map<Mode, { cost: ClientCost; runs: number }>();
  for (let r = 0; r < (length > 2_000_000 ? 1 : reps); r++) {
    for (const mode of modes) {
      const cost = await clientCost(length, k, roundClients, mode === 'prepared');
      const before = best.get(mode);
      if (before === undefined || totalOf(cost, 'cpu') < totalOf(before.cost, 'cpu'))
        best.set(mode, { cost, runs: r + 1 });
      else before.runs = r + 1;
    }
  }
  return best;
}

function reportClient(ctx: BenchContext, c: ClientCost, common: Record<string, unknown>, runs: number): void {
  const plain = 4 * Number(common.params);
  const phases = Object.fromEntries(Object.entries(c.ms).map(([p, t]) => [p, Math.round(t.cpu * 10) / 10]));
  ctx.report({ name: 'client/compute-cpu', value: totalOf(c, 'cpu'), unit: 'ms', ...common, phases, runs });
  ctx.report({ name: 'client/compute-wall', value: totalOf(c, 'wall'), unit: 'ms', ...common });
  ctx.report({ name: 'client/sent', value: c.sentBytes, unit: 'B', ...common, plainUpload: plain });
  ctx.report({ name: 'client/received', value: c.receivedBytes, unit: 'B', ...common });
  const baseline = 'plain fp32 upload';
  ctx.report({ name: 'expansion/upload', value: c.sentBytes / plain, unit: 'x', baseline, ...common });
  const total = (c.sentBytes + c.receivedBytes) / plain;
  ctx.report({ name: 'expansion/total', value: total, unit: 'x', baseline, ...common });
}

async function run(ctx: BenchContext): Promise<void> {
  const sizes = list(ctx.args.sizes, '100000,1000000,10000000');
  const ks = list(ctx.args.ks, '10,20,50');
  const roundClients = Number(ctx.args['round-clients'] ?? 1000);
  const drop = Number(ctx.args.drop ?? 0.05);
  const reps = Number(ctx.args.reps ?? 3);
  await clientCost(1000, 4, roundClients); // warm-up
  for (const length of sizes) {
    for (const k of ks) {
      const best = (await bestClientCosts(length, k, roundClients, reps, ['inline'])).get('inline');
      if (best !== undefined) reportClient(ctx, best.cost, { params: length, k, roundClients }, best.runs);
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
  if (ctx.args.cnn !== 'false')
    await cnnPart(ctx, {
      reps,
      roundClients,
      micro: ctx.args.micro === 'true',
      e2e: ctx.args.e2e !== 'false',
    });
}

/** The CNN size at k = 20: both client modes, the masking A/B (and pieces), then training. */
async function cnnPart(
  ctx: BenchContext,
  o: { reps: number; roundClients: number; micro: boolean; e2e: boolean },
): Promise<void> {
  const params = countParameters(planModel(MODEL_CNN).parameters);
  const k = 20;
  const modes = await bestClientCosts(params, k, o.roundClients, o.reps, ['inline', 'prepared']);
  for (const [mode, { cost, runs }] of modes)
    reportClient(ctx, cost, { params, k, roundClients: o.roundClients, mode }, runs);
  const masking = await maskingComparison(ctx, params, k, Math.max(3 * o.reps, 9));
  if (o.micro) await maskingPieces(ctx, params, k, Math.max(o.reps, 3));
  const inline = modes.get('inline')?.cost;
  const prepared = modes.get('prepared')?.cost;
  if (o.e2e) await concurrentOverhead(ctx, params, Math.max(o.reps, 5));
  if (inline === undefined || prepared === undefined) return;
  const critical: Phase[] = ['maskInput', 'unmask'];
  const masked = (variant: string): Timing => masking[variant] ?? { cpu: NaN, wall: NaN };
  await cnnBaseline(ctx, params, {
    total: { cpu: totalOf(prepared, 'cpu'), wall: totalOf(prepared, 'wall') },
    critical: { cpu: totalOf(prepared, 'cpu', critical), wall: totalOf(prepared, 'wall', critical) },
    inline: { cpu: totalOf(inline, 'cpu'), wall: totalOf(inline, 'wall') },
    'masking-legacy': masked('legacy'),
    'masking-webcrypto': masked('fused-webcrypto'),
    'masking-node': masked('fused-node'),
  });
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
 * client's SecAgg+ overheads against each: `total` (every phase, the prepared mask included),
 * `critical` (after training ends, with the mask prepared during training), `inline` (the mask
 * computed in maskInput), and the masking alone (k + 1 keystreams and their sum) by the path
 * before the speed-up (`masking-legacy`) and by the current one on each engine.
 */
async function cnnBaseline(
  ctx: BenchContext,
  params: number,
  overheads: Record<string, Timing>,
): Promise<void> {
  const short = await trainingRun(2);
  const long = await trainingRun(8);
  const cpuPerSample = (long.cpu - short.cpu) / (long.samples - short.samples);
  const trainWall = (600 / long.sps) * 1000;
  const trainCpu = 600 * cpuPerSample;
  const loadAverage = loadavg()[0];
  ctx.report({
    name: 'cnn/train-600-wall',
    value: trainWall,
    unit: 'ms',
    samplesPerSecond: long.sps,
    loadAverage,
  });
  ctx.report({ name: 'cnn/train-600-cpu', value: trainCpu, unit: 'ms', loadAverage });
  for (const [what, t] of Object.entries(overheads)) {
    const common = { unit: 'ratio', params, k: 20, overhead: what, clientCpuMs: t.cpu, clientWallMs: t.wall };
    const suffix = what === 'inline' ? '' : `-${what}`; // the inline figures keep their old names
    ctx.report({
      name: `cnn/overhead${suffix}-cpu`,
      value: t.cpu / trainCpu,
      baseline: 'cnn/train-600-cpu',
      ...common,
    });
    ctx.report({
      name: `cnn/overhead${suffix}-wall`,
      value: t.wall / trainWall,
      baseline: 'cnn/train-600-wall',
      ...common,
    });
  }
}

const bench: Benchmark = {
  description:
    'SecAgg+: client compute and bytes vs model size and k, expansion, server unmask time, overhead vs CNN training',
  run,
};
export default bench;
