/**
 * Makes the markdown tables of docs/robustness.md from the rows bench/robustness.ts wrote
 * (results/robustness/cells.jsonl): accuracy per aggregator x attack kind for each attacker
 * fraction (backdoor cells with their attack success rate), which aggregators meet the
 * issue's target (within 2 points of no-attack at 20%), and each aggregator's time and
 * memory. Cells not measured show as "—". With `--write FILE`, replaces the text between
 * `<!-- robustness-table:start -->` and `<!-- robustness-table:end -->` in FILE.
 *
 * Only the cells of one setting are shown: `--rounds` (default 20) and `--batch-size` (default 50).
 *
 *   node --import tsx bench/robustness-table.ts [--in results/robustness/cells.jsonl] \
 *     [--rounds 20] [--batch-size 50] [--write docs/robustness.md]
 */
import { readFile, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { ATTACKS, STRATEGIES } from './robustness-grid.js';

interface Cell {
  strategy: string;
  attack: string;
  attackers: number;
  rounds: number;
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
  },
});
const wanted = { rounds: Number(values.rounds), batchSize: Number(values['batch-size']) };
const cells = new Map<string, Cell>();
const costs = new Map<string, Cost>();
for (const line of (await readFile(values.in, 'utf8')).split('\n')) {
  if (line.trim() === '') continue;
  const row = JSON.parse(line) as { type: string } & Cell & Cost;
  const same = row.rounds === wanted.rounds && (row.batchSize ?? 10) === wanted.batchSize;
  if (row.type === 'cell' && same) cells.set(`${row.strategy}|${row.attack}|${String(row.attackers)}`, row);
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
      const acc = pct(c.finalAccuracy);
      const bold = a !== 'none' && within(c.finalAccuracy) ? `**${acc}**` : acc;
      return a === 'backdoor' ? `${bold} (ASR ${pct(c.attackSuccessRate)})` : bold;
    });
    lines.push(`| \`${s}\` | ${row.join(' | ')} |`);
  }
  return lines.join('\n');
}

/** Within 2 points of FedAvg's no-attack accuracy (the reference). */
function within(acc: number | null): boolean {
  return acc !== null && reference !== null && acc >= reference - 0.02;
}

function targetLines(fraction: number): string {
  return ATTACKS.map((a) => {
    const measured = names.filter((s) => cell(s, a, fraction) !== undefined);
    const ok = measured.filter((s) => within(cell(s, a, fraction)?.finalAccuracy ?? null));
    const missing = names.length - measured.length;
    const gap =
      missing > 0 ? ` (${String(missing)} of ${String(names.length)} aggregators not measured)` : '';
    if (measured.length === 0) return `- \`${a}\`: not measured yet`;
    const label = (s: string): string =>
      a === 'backdoor' ? `\`${s}\` (ASR ${pct(cell(s, a, fraction)?.attackSuccessRate)})` : `\`${s}\``;
    return `- \`${a}\`: ${ok.length > 0 ? ok.map(label).join(', ') : 'none'}${gap}`;
  }).join('\n');
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
    `No-attack FedAvg (the reference): ${pct(reference)}; **bold**: within 2 points of it.`,
  '',
  '### 20% attackers (4 of 20)',
  '',
  accuracyTable(0.2),
  '',
  'Within 2 points of no-attack FedAvg at 20% attackers, per attack kind (for `backdoor` the',
  'attack success rate decides, not the accuracy):',
  '',
  targetLines(0.2),
  '',
  '### 10% attackers (2 of 20)',
  '',
  accuracyTable(0.1),
  '',
  '### Time and memory per aggregator',
  '',
  costTable(),
].join('\n');

if (values.write === undefined) console.log(out);
else {
  const doc = await readFile(values.write, 'utf8');
  const start = '<!-- robustness-table:start -->';
  const end = '<!-- robustness-table:end -->';
  const a = doc.indexOf(start);
  const b = doc.indexOf(end);
  if (a < 0 || b < a) throw new Error(`${values.write} has no ${start} ... ${end} block`);
  await writeFile(values.write, `${doc.slice(0, a + start.length)}\n\n${out}\n\n${doc.slice(b)}`);
}
