/**
 * Secure aggregation (SecAgg+) cost: one client's compute and bytes per round against model size
 * and neighbour count k, the communication expansion against a plain fp32 upload, the server's
 * unmask time with 5% of clients dropping after sharing keys (the costly case: their pairwise
 * masks must be rebuilt), and the client overhead against the local training time of the FedAvg
 * paper's CNN (E = 1 on 600 examples, B = 10, onnxruntime-node), measured in the same run.
 *
 * Bytes count every binary field and id string of each message (what any framing adds is left
 * out); the roster and the unmask request a client downloads grow with the round's size n, and
 * are counted for `--round-clients` (1,000) clients.
 *
 * `npm run bench -- secagg [--sizes 100000,1000000,10000000] [--ks 10,20,50]
 * [--server 100:100000,1000:10000] [--drop 0.05] [--round-clients 1000] [--cnn true]`
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
  type MaskedInput,
  type SecAggConfig,
  type UnmaskResponse,
} from '@edgefed/shared';
import type { Benchmark, BenchContext } from './harness.js';
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

interface ClientCost {
  readonly ms: Record<'advertise' | 'shareKeys' | 'receiveShares' | 'maskInput' | 'unmask', number>;
  readonly sentBytes: number;
  readonly receivedBytes: number;
}

/** One client's phases in a round of k + 1 clients (every other client is a neighbour). */
async function clientCost(length: number, k: number, roundClients: number): Promise<ClientCost> {
  const config: SecAggConfig = parseSecAggConfig({ neighbours: k, maxClients: Math.max(1000, roundClients) });
  const server = new SecAggServer({ config, round: 1, seed: secureRandomBytes(32) });
  let t = performance.now();
  const me = await SecAggClient.create(idOf(0), config);
  const advertiseMs = performance.now() - t;
  const others = await Promise.all(
    Array.from({ length: k }, (_, i) => SecAggClient.create(idOf(i + 1), config)),
  );
  for (const c of [me, ...others]) server.addAdvertise(c.advertise());
  const roster = server.roster();
  t = performance.now();
  const mine = await me.shareKeys(roster);
  const shareKeysMs = performance.now() - t;
  const theirs = (await Promise.all(others.map((c) => c.shareKeys(roster)))).flat();
  const inbox = server.routeShares([...mine, ...theirs]).get(me.clientId) ?? [];
  t = performance.now();
  await me.receiveShares(inbox);
  const receiveMs = performance.now() - t;
  const update = randomUpdate(length);
  t = performance.now();
  const masked: MaskedInput = await me.maskInput(update, 600);
  const maskMs = performance.now() - t;
  const survivors = [me, ...others].map((c) => c.clientId);
  t = performance.now();
  const response = await me.unmask({ survivors, dropped: [] });
  const unmaskMs = performance.now() - t;
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
    ms: {
      advertise: advertiseMs,
      shareKeys: shareKeysMs,
      receiveShares: receiveMs,
      maskInput: maskMs,
      unmask: unmaskMs,
    },
    sentBytes,
    receivedBytes,
  };
}

/** Server time for one round of n clients with `drop` of them gone after sharing keys. */
async function serverCost(
  n: number,
  length: number,
  drop: number,
): Promise<{ sumMs: number; unmaskMs: number; k: number; t: number }> {
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
  const t = performance.now();
  for (const r of responses) server.addUnmaskResponse(r);
  await server.finish(length);
  return { sumMs, unmaskMs: performance.now() - t, k: roster.params.neighbours, t: roster.params.threshold };
}

async function run(ctx: BenchContext): Promise<void> {
  const sizes = list(ctx.args.sizes, '100000,1000000,10000000');
  const ks = list(ctx.args.ks, '10,20,50');
  const roundClients = Number(ctx.args['round-clients'] ?? 1000);
  const drop = Number(ctx.args.drop ?? 0.05);
  await clientCost(1000, 4, roundClients); // warm-up
  const cnnParams = countParameters(planModel(MODEL_CNN).parameters);
  let cnnOverheadMs: number | undefined;
  for (const length of [...sizes, ...(ctx.args.cnn === 'false' ? [] : [cnnParams])]) {
    for (const k of length === cnnParams ? [20] : ks) {
      const c = await clientCost(length, k, roundClients);
      const total = Object.values(c.ms).reduce((a, b) => a + b, 0);
      if (length === cnnParams) cnnOverheadMs = total;
      const plain = 4 * length;
      const common = { params: length, k, roundClients };
      ctx.report({ name: 'client/compute', value: total, unit: 'ms', ...common, phases: c.ms });
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
    ctx.report({
      name: 'server/unmask',
      value: s.unmaskMs,
      unit: 'ms',
      clients: n,
      params: length,
      drop,
      k: s.k,
      t: s.t,
    });
    ctx.report({ name: 'server/sum-masked', value: s.sumMs, unit: 'ms', clients: n, params: length });
  }
  if (cnnOverheadMs !== undefined) {
    const backend = await createNodeBackend({ intraOpNumThreads: 2 });
    const sps = await trainerSamplesPerSecond({ backend, spec: MODEL_CNN, batchSize: 10, seconds: 5 });
    const trainMs = (600 / sps) * 1000;
    ctx.report({ name: 'cnn/train-600', value: trainMs, unit: 'ms', samplesPerSecond: sps });
    ctx.report({
      name: 'cnn/overhead',
      value: cnnOverheadMs / trainMs,
      unit: 'ratio',
      baseline: 'cnn/train-600',
      params: cnnParams,
      k: 20,
    });
  }
}

const bench: Benchmark = {
  description:
    'SecAgg+: client compute and bytes vs model size and k, expansion, server unmask time, overhead vs CNN training',
  run,
};
export default bench;
