/**
 * Makes the markdown tables of docs/robustness.md from the rows bench/robustness.ts wrote
 * (results/robustness/cells.jsonl): accuracy per aggregator x attack kind for each attacker
 * fraction (backdoor cells with their attack success rate), which aggregators meet the
 * issue's target (within 2 points of no-attack at 20%), and each aggregator's time and
 * memory. Cells not measured show as "—". With `--write FILE`, replaces the text between
 * `<!-- robustness-table:start -->` and `<!-- robustness-table:end -->` in FILE (`--block` names
 * another pair, so one document can hold the tables of several settings).
 *
 * Only the cells of one setting are shown: `--rounds` (default 20) and `--batch-size` (default 50).
 * The main tables use seed 1; rows measured with more seeds get their own table, each seed
 * against the same seed's no-attack FedAvg.
 *
 *   node --import tsx bench/robustness-table.ts [--in results/robustness/cells.jsonl] \
 *     [--rounds 20] [--batch-size 50] [--write docs/robustness.md] [--block robustness-table]
 */
import { readFile, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { ATTACKS, STRATEGIES } from './robustness-grid.js';

interface Cell {
  strategy: string;
  seed?: number;
  attack: string;
  attackers: number;
  rounds: number;
  roundsCompleted?: number;
  status?: string;
  batchSize?: number;
  finalAccuracy: number | null;
  attackSuccessRate: number | null;
  wallSeconds: number;
  roundSeconds: number;
  peakRssBytes: number;
  loadavg: string;
}
interface Cost {
  strategy: string;
  seconds: number;
  memory: string;
  bufferedBytes: number;
}

const { values } = parseArgs({
  options: {
    in: { type: 'string', default: 'results/robustness/cells.jsonl' },
    write: { type: 'string' },
    rounds: { type: 'string', default: '20' },
    'batch-size': { type: 'string', default: '50' },
    /** The marker name in FILE: `<!-- NAME:start -->` ... `<!-- NAME:end -->` (one block per setting). */
    block: { type: 'string', default: 'robustness-table' },
  },
});
const wanted = { rounds: Number(values.rounds), batchSize: Number(values['batch-size']) };
const cells = new Map<string, Cell>();
/** Cells of other seeds than 1 (extra seeds of some rows), keyed like `cells`, then by seed. */
const seeded = new Map<string, Map<number, Cell>>();
const costs = new Map<string, Cost>();
for (const line of (await readFile(values.in, 'utf8')).split('\n')) {
  if (line.trim() === '') continue;
  const row = JSON.parse(line) as { type: string } & Cell & Cost;
  const same = row.rounds === wanted.rounds && (row.batchSize ?? 10) === wanted.batchSize;
  const key = `${row.strategy}|${row.attack}|${String(row.attackers)}`;
  const seed = row.seed ?? 1;
  if (row.type === 'cell' && same && seed === 1) cells.set(key, row);
  if (row.type === 'cell' && same && seed !== 1) {
    const bySeed = seeded.get(key) ?? new Map<number, Cell>();
    bySeed.set(seed, row);
    seeded.set(key, bySeed);
  }
  if (row.type === 'cost') costs.set(row.strategy, row);
}
const names = Object.keys(STRATEGIES);
const pct = (x: number | null | undefined): string =>
  x === null || x === undefined ? '—' : `${(100 * x).toFixed(1)}%`;
const cell = (s: string, attack: string, fraction: number): Cell | undefined =>
  cells.get(`${s}|${attack}|${String(attack === 'none' ? 0 : fraction)}`);
const reference = cell('fedavg', 'none', 0)?.finalAccuracy ?? null;

function accuracyTable(fraction: number): string {
  const head = ['aggregator', 'none', ...ATTACKS];
  const lines = [
    `| ${head.join(' | ')} |`,
    `| ${head.map((_, i) => (i === 0 ? '---' : '---:')).join(' | ')} |`,
  ];
  for (const s of names) {
    const row = ['none', ...ATTACKS].map((a) => {
      const c = cell(s, a, fraction);
      if (c === undefined) return '—';
      if (c.status === 'failed') return `failed in round ${String((c.roundsCompleted ?? 0) + 1)}`;
      const acc = pct(c.finalAccuracy);
      const bold = a !== 'none' && defends(c, a) ? `**${acc}**` : acc;
      return a === 'backdoor' ? `${bold} (ASR ${pct(c.attackSuccessRate)})` : bold;
    });
    lines.push(`| \`${s}\` | ${row.join(' | ')} |`);
  }
  return lines.join('\n');
}

/** A backdoor is defended when at most this share of triggered images reach the target class. */
const ASR_LIMIT = 0.1;

/** Within 2 points of the reference, and for `backdoor` an attack success rate below ASR_LIMIT. */
function defends(c: Cell | undefined, attack: string, ref: number | null = reference): boolean {
  if (c === undefined || c.finalAccuracy === null || ref === null) return false;
  if (c.finalAccuracy < ref - 0.02) return false;
  return attack !== 'backdoor' || (c.attackSuccessRate !== null && c.attackSuccessRate < ASR_LIMIT);
}

function targetLines(fraction: number): string {
  return ATTACKS.map((a) => {
    const measured = names.filter((s) => cell(s, a, fraction) !== undefined);
    const ok = measured.filter((s) => defends(cell(s, a, fraction), a));
    const missing = names.length - measured.length;
    const gap =
      missing > 0 ? ` (${String(missing)} of ${String(names.length)} aggregators not measured)` : '';
    if (measured.length === 0) return `- \`${a}\`: not measured yet`;
    const label = (s: string): string =>
      a === 'backdoor' ? `\`${s}\` (ASR ${pct(cell(s, a, fraction)?.attackSuccessRate)})` : `\`${s}\``;
    return `- \`${a}\`: ${ok.length > 0 ? ok.map(label).join(', ') : 'none'}${gap}`;
  }).join('\n');
}

/**
 * The rows measured with more seeds than 1: per seed the accuracy (and ASR), its distance to the
 * same seed's no-attack FedAvg, and whether the row meets the target for that seed.
 */
function seedTable(): string {
  const keys = [...seeded.keys()].filter((k) => !k.startsWith('fedavg|none|'));
  const seeds = [1, ...new Set([...seeded.values()].flatMap((m) => [...m.keys()]))].sort((x, y) => x - y);
  const at = (key: string, seed: number): Cell | undefined =>
    seed === 1 ? cells.get(key) : seeded.get(key)?.get(seed);
  const refs = seeds.map((seed) => at('fedavg|none|0', seed)?.finalAccuracy ?? null);
  const head = [
    'aggregator',
    'attack',
    'attackers',
    ...seeds.map((x) => `seed ${String(x)}`),
    'within 2 points',
  ];
  const lines = [
    `| ${head.join(' | ')} |`,
    `| ${head.map((_, i) => (i < 3 ? '---' : '---:')).join(' | ')} |`,
    `| \`fedavg\` (reference) | none | 0% | ${refs.map((r) => pct(r)).join(' | ')} | — |`,
  ];
  const order = ['none', ...ATTACKS] as string[];
  const rank = (key: string): number[] => {
    const [strategy = '', attack = '', fraction = '0'] = key.split('|');
    return [names.indexOf(strategy), order.indexOf(attack), -Number(fraction)];
  };
  keys.sort((x, y) => {
    const [a, b] = [rank(x), rank(y)];
    return (a[0] ?? 0) - (b[0] ?? 0) || (a[1] ?? 0) - (b[1] ?? 0) || (a[2] ?? 0) - (b[2] ?? 0);
  });
  for (const key of keys) {
    const [strategy = '', attack = '', fraction = '0'] = key.split('|');
    const perSeed = seeds.map((seed, i) => {
      const c = at(key, seed);
      if (c === undefined) return '—';
      if (c.status === 'failed') return `failed in round ${String((c.roundsCompleted ?? 0) + 1)}`;
      const gap =
        refs[i] === null || c.finalAccuracy === null
          ? ''
          : ` (${(100 * (c.finalAccuracy - (refs[i] ?? 0))).toFixed(1)})`;
      const asr = attack === 'backdoor' ? `, ASR ${pct(c.attackSuccessRate)}` : '';
      return `${pct(c.finalAccuracy)}${gap}${asr}`;
    });
    const met = seeds.filter((seed, i) => defends(at(key, seed), attack, refs[i] ?? null)).length;
    const measured = seeds.filter((seed) => at(key, seed) !== undefined).length;
    lines.push(
      `| \`${strategy}\` | ${attack} | ${(100 * Number(fraction)).toFixed(0)}% | ${perSeed.join(' | ')} | ${String(met)} of ${String(measured)} seeds |`,
    );
  }
  return lines.join('\n');
}

function costTable(): string {
  const lines = [
    '| aggregator | memory | buffered for 20 x 199,210 | aggregate 20 x 199,210 (s) | mean s / round | mean peak RSS (MB) | cells |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const s of names) {
    const c = costs.get(s);
    const mine = [...cells.values()].filter((x) => x.strategy === s);
    const mean = (f: (x: Cell) => number): number =>
      mine.reduce((a, x) => a + f(x), 0) / Math.max(1, mine.length);
    const buffered =
      c === undefined ? '—' : c.bufferedBytes === 0 ? '0' : `${(c.bufferedBytes / 1e6).toFixed(1)} MB`;
    lines.push(
      `| \`${s}\` | ${c?.memory ?? '—'} | ${buffered} | ${c === undefined ? '—' : c.seconds.toFixed(3)} | ` +
        `${mine.length === 0 ? '—' : mean((x) => x.roundSeconds).toFixed(1)} | ` +
        `${mine.length === 0 ? '—' : (mean((x) => x.peakRssBytes) / 1e6).toFixed(0)} | ${String(mine.length)} |`,
    );
  }
  return lines.join('\n');
}

const rounds = `${String(wanted.rounds)} (batch size ${String(wanted.batchSize)})`;
const loads = [...cells.values()].map((c) => Number(c.loadavg.split(' ')[0]));
const out = [
  `Rounds: ${rounds || '—'}. Cells measured: ${String(cells.size)} of ${String(names.length * (1 + 2 * ATTACKS.length))}. ` +
    `Load (1-min /proc/loadavg at each cell's end, 2 cores): ${loads.length === 0 ? '—' : `${String(Math.min(...loads))}-${String(Math.max(...loads))}`}. ` +
    `No-attack FedAvg (the reference): ${pct(reference)}; **bold**: within 2 points of it (backdoor: and ASR below ${String(100 * ASR_LIMIT)}%).`,
  '',
  '### 20% attackers (4 of 20)',
  '',
  accuracyTable(0.2),
  '',
  'Within 2 points of no-attack FedAvg at 20% attackers, per attack kind (for `backdoor` also an',
  `attack success rate below ${String(100 * ASR_LIMIT)}%):`,
  '',
  targetLines(0.2),
  '',
  '### 10% attackers (2 of 20)',
  '',
  accuracyTable(0.1),
  '',
  ...(seeded.size === 0
    ? []
    : [
        '### More seeds (partition, attackers and initial model change with the seed)',
        '',
        "Accuracy after the last round per seed; in brackets, points from the same seed's no-attack FedAvg; the last column counts the seeds within 2 points of it (backdoor: and an ASR below 10%).",
        '',
        seedTable(),
        '',
      ]),
  '### Time and memory per aggregator',
  '',
  costTable(),
].join('\n');

if (values.write === undefined) console.log(out);
else {
  const doc = await readFile(values.write, 'utf8');
  const start = `<!-- ${values.block}:start -->`;
  const end = `<!-- ${values.block}:end -->`;
  const a = doc.indexOf(start);
  const b = doc.indexOf(end);
  if (a < 0 || b < a) throw new Error(`${values.write} has no ${start} ... ${end} block`);
  await writeFile(values.write, `${doc.slice(0, a + start.length)}\n\n${out}\n\n${doc.slice(b)}`);
}
