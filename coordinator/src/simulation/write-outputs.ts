/**
 * Writes a simulation's result: `FILE.json` (everything), `FILE.csv` (one row per round)
 * and `FILE.svg` (accuracy against rounds) beside it.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { EdgefedError } from '@edgefed/shared';
import { defaultModelName } from './simulation-config.js';
import type { RoundRecord, SimulationResult } from './simulation-result.js';
import { accuracySvg } from './svg-plot.js';

/** CSV columns, in order (the RoundRecord fields). */
export const CSV_COLUMNS = [
  'round',
  'testAccuracy',
  'testLoss',
  'trainLoss',
  'selected',
  'completed',
  'failed',
  'dropped',
  'bytesUp',
  'bytesDown',
  'wallSeconds',
  'failedAttempts',
  'virtualSeconds',
  'virtualTime',
] as const satisfies readonly (keyof RoundRecord)[];

/** The per-round CSV (header + one line per round; null is an empty cell). */
export function roundsCsv(rounds: readonly RoundRecord[]): string {
  const lines = [CSV_COLUMNS.join(',')];
  for (const r of rounds)
    lines.push(CSV_COLUMNS.map((k) => (r[k] === null || r[k] === undefined ? '' : String(r[k]))).join(','));
  return lines.join('\n') + '\n';
}

/** The accuracy plot of a result. */
export function resultSvg(result: SimulationResult): string {
  const c = result.config;
  const named = c.model ?? defaultModelName(c.dataset);
  const model = typeof named === 'string' ? named : 'custom model';
  const strategy = typeof c.strategy.name === 'string' ? c.strategy.name : 'strategy';
  return accuracySvg({
    points: result.rounds.flatMap((r) =>
      r.testAccuracy === null ? [] : [[r.round, r.testAccuracy] as const],
    ),
    title: `${c.dataset} ${model} ${strategy} K=${c.clients} C=${c.fraction} E=${c.epochs} B=${c.batchSize} ${c.partition}`,
    ...(c.targetAccuracy === undefined ? {} : { target: c.targetAccuracy }),
  });
}

/**
 * Writes the three files; `jsonPath` must end in `.json` (`INVALID_ARGUMENT` otherwise).
 * Creates the directory. Returns the paths written.
 */
export async function writeSimulationOutputs(
  result: SimulationResult,
  jsonPath: string,
): Promise<{ json: string; csv: string; svg: string }> {
  if (!jsonPath.endsWith('.json'))
    throw new EdgefedError('INVALID_ARGUMENT', `--out must name a .json file, got "${jsonPath}"`);
  const base = jsonPath.slice(0, -'.json'.length);
  const paths = { json: jsonPath, csv: `${base}.csv`, svg: `${base}.svg` };
  await mkdir(dirname(jsonPath), { recursive: true });
  await writeFile(paths.json, JSON.stringify(result, null, 2) + '\n');
  await writeFile(paths.csv, roundsCsv(result.rounds));
  await writeFile(paths.svg, resultSvg(result));
  return paths;
}
