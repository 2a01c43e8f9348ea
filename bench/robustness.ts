/**
 * The Byzantine table of docs/robustness.md (issue #15): `2nn` on Dirichlet(0.5) MNIST,
 * no attack and 10% / 20% attackers of every attack kind, for every aggregator, through the
 * real simulate path; plus the aggregation time and memory of each aggregator on 20 updates
 * of the 2nn's size.
 *
 * Resumable and incremental: every finished cell is appended as one JSON line to the cells
 * file, and a restart skips the cells already there with the same settings, so a crash or a
 * deadline loses at most the cell in flight. Cells run 20% attackers first (the issue's
 * target), attack-major, so a partial run holds whole columns. The markdown table is made
 * from the file by bench/robustness-table.ts.
 *
 *   node --conditions=@edgefed/source --import tsx bench/robustness.ts \
 *     [--rounds 50] [--out results/robustness/cells.jsonl] [--fractions 0.2,0.1] [--workers 2]
 *     [--train-limit 6000] [--batch-size 10] [--shard i/n] [--seed 1]
 *     [--strategies fedavg,multikrum] [--attacks none,sign-flip]
 */
import { spawn } from 'node:child_process';
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { runSimulation } from '../coordinator/src/simulation/run-simulation.js';
import {
  aggregationCost,
  ATTACK_PARAMS,
  ATTACKS,
  BYZANTINE_F,
  cellKey,
  STRATEGIES,
} from './robustness-grid.js';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '50' },
    out: { type: 'string', default: 'results/robustness/cells.jsonl' },
    fractions: { type: 'string', default: '0.2,0.1' },
    workers: { type: 'string', default: '2' },
    'train-limit': { type: 'string', default: '6000' },
    'batch-size': { type: 'string', default: '10' },
    /** `i/n`: run only every n-th cell of the plan, from the i-th (several runners, one file). */
    shard: { type: 'string', default: '0/1' },
    /** The simulation seed (partition, attackers, initial model); the grid's table uses seed 1. */
    seed: { type: 'string', default: '1' },
    /** Only these aggregators (comma-separated names), e.g. for extra seeds of a few rows. */
    strategies: { type: 'string' },
    /** Only these attack kinds (`none` included), comma-separated. */
    attacks: { type: 'string' },
    /** Internal: run this one cell (`strategy,attack,fraction`) in this process and exit. */
    cell: { type: 'string' },
  },
});
const rounds = Number(values.rounds);
const seed = Number(values.seed);
if (!Number.isInteger(seed) || seed < 0)
  throw new Error(`--seed must be a non-negative integer, got ${values.seed}`);
const fractions = values.fractions.split(',').map(Number);
const only = (list: string | undefined): Set<string> | undefined =>
  list === undefined ? undefined : new Set(list.split(',').map((x) => x.trim()));
const onlyStrategies = only(values.strategies);
const onlyAttacks = only(values.attacks);
for (const name of [...(onlyStrategies ?? [])])
  if (!(name in STRATEGIES)) throw new Error(`--strategies: unknown aggregator "${name}"`);
for (const name of [...(onlyAttacks ?? [])])
  if (name !== 'none' && !(ATTACKS as readonly string[]).includes(name))
    throw new Error(`--attacks: unknown attack kind "${name}"`);
const base = {
  dataset: 'mnist',
  model: '2nn',
  clients: 20,
  fraction: 1,
  rounds,
  batchSize: Number(values['batch-size']),
  learningRate: 0.1,
  partition: 'dirichlet',
  alpha: 0.5,
  trainLimit: Number(values['train-limit']),
  workers: Number(values.workers),
  seed,
  evalEvery: rounds,
  maxExampleWeight: 100_000,
} as const;

/** Whether process `pid` is alive (on this machine). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Keys of the cells to skip: those already in the file for the same rounds and training set,
 * and those claimed by a runner process still alive (several runners may share the file).
 */
async function skipKeys(path: string): Promise<Set<string>> {
  const text = await readFile(path, 'utf8').catch(() => '');
  const keys = new Set<string>();
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const row = JSON.parse(line) as Record<string, unknown>;
    const key = cellKey(String(row.strategy), String(row.attack), Number(row.attackers));
    const sameRun =
      row.rounds === rounds &&
      row.trainLimit === base.trainLimit &&
      (row.batchSize ?? 10) === base.batchSize &&
      (row.seed ?? 1) === seed;
    if (row.type === 'cell' && sameRun) keys.add(key);
    if (row.type === 'claim' && sameRun && alive(Number(row.pid))) keys.add(key);
    if (row.type === 'cost') keys.add(`cost|${String(row.strategy)}`);
  }
  return keys;
}

async function emit(row: Record<string, unknown>): Promise<void> {
  console.log(JSON.stringify(row));
  await appendFile(values.out, JSON.stringify(row) + '\n');
}

async function runCell(strategy: string, attack: string, fraction: number): Promise<void> {
  const t0 = performance.now();
  const r = await runSimulation({
    ...base,
    strategy: STRATEGIES[strategy],
    ...(attack === 'none' ? {} : { attack: { kind: attack, fraction, ...ATTACK_PARAMS[attack] } }),
  });
  await emit({
    type: 'cell',
    strategy,
    attack,
    attackers: fraction,
    byzantineF: BYZANTINE_F,
    seed,
    rounds,
    /** Rounds committed: fewer than `rounds` when the run failed (e.g. the model diverged). */
    roundsCompleted: r.rounds.length,
    trainLimit: base.trainLimit,
    batchSize: base.batchSize,
    testImages: 10_000,
    status: r.status,
    finalAccuracy: r.totals.finalAccuracy,
    attackSuccessRate: r.attack?.finalAttackSuccessRate ?? null,
    attackerIds: r.attack?.attackers ?? [],
    wallSeconds: (performance.now() - t0) / 1000,
    roundSeconds: r.totals.wallSeconds / Math.max(1, r.rounds.length),
    peakRssBytes: r.totals.peakRssBytes,
    loadavg: (await readFile('/proc/loadavg', 'utf8').catch(() => '')).split(' ').slice(0, 3).join(' '),
    finishedAt: new Date().toISOString(),
  });
}

/** Runs one cell in a child process, so its peak memory is its own. */
function spawnCell(strategy: string, attack: string, fraction: number): Promise<void> {
  const args = [...process.execArgv, process.argv[1] ?? '', ...process.argv.slice(2)];
  args.push('--cell', `${strategy},${attack},${String(fraction)}`);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: 'inherit' });
    const claim = {
      type: 'claim',
      strategy,
      attack,
      attackers: fraction,
      rounds,
      trainLimit: base.trainLimit,
      batchSize: base.batchSize,
      seed,
    };
    void appendFile(values.out, JSON.stringify({ ...claim, pid: child.pid }) + '\n');
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code === 0) resolve();
      else reject(new Error(`cell ${strategy} ${attack} ${String(fraction)} exited with ${String(code)}`));
    });
  });
}

if (values.cell !== undefined) {
  const [strategy = '', attack = '', fraction = '0'] = values.cell.split(',');
  await runCell(strategy, attack, Number(fraction));
  process.exit(0);
}
await mkdir(dirname(values.out), { recursive: true });
const costsDone = await skipKeys(values.out);
for (const name of Object.keys(STRATEGIES)) {
  if (!costsDone.has(`cost|${name}`))
    await emit({ type: 'cost', strategy: name, ...(await aggregationCost(name)) });
}
// Priority, so that a partial run still covers every attack kind with a defence: aggregators in
// tiers (the median and multi-Krum; then FedAvg and centered clipping; then the rest); per tier its
// no-attack cells, then the first fraction (20%) attack-major; the second fraction last.
const TIERS = [
  ['fedmedian', 'multikrum'],
  ['fedavg', 'centeredclipping'],
  ['fedtrimmedavg', 'krum', 'bulyan', 'normbounded'],
];
const plan: [string, string, number][] = [];
for (const tier of TIERS) {
  for (const s of tier) plan.push([s, 'none', 0]);
  for (const attack of ATTACKS) for (const s of tier) plan.push([s, attack, fractions[0] ?? 0.2]);
}
for (const fraction of fractions.slice(1)) {
  for (const tier of TIERS)
    for (const attack of ATTACKS) for (const s of tier) plan.push([s, attack, fraction]);
}
const chosen = plan.filter(
  ([strategy, attack]) => (onlyStrategies?.has(strategy) ?? true) && (onlyAttacks?.has(attack) ?? true),
);
const [shard = 0, shards = 1] = values.shard.split('/').map(Number);
for (const [i, [strategy, attack, fraction]] of chosen.entries()) {
  if (i % shards !== shard) continue;
  if ((await skipKeys(values.out)).has(cellKey(strategy, attack, fraction))) continue;
  await spawnCell(strategy, attack, fraction);
}
