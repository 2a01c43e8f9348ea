/**
 * External baselines of the training benchmark, run as child processes: PyTorch (Debian's
 * /usr/bin/python3 with python3-torch and the PyTorch 2.x venv, see bench/setup-baselines.sh,
 * started with the environment of torch-env.ts) and TensorFlow.js
 * (installed into /tmp/tfjs by bench/baselines/setup-tfjs.sh, never into package.json).
 * A missing baseline yields no rows and a note, not an error.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { torchEnv, torchLabel, torchPythons, type OmpWait, type TorchConfig } from './torch-env.js';

const here = dirname(fileURLToPath(import.meta.url));
const baselines = join(here, '..', 'baselines');

/** One baseline figure. */
export interface BaselineRow {
  readonly engine: string;
  readonly model: string;
  readonly batch: number;
  /** Undefined when the engine cannot train this model (`note` says why). */
  readonly samplesPerSecond?: number;
  readonly note?: string;
}

function run(
  cmd: string,
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { ...opts, maxBuffer: 1 << 20, timeout: 900_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} failed: ${err.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

function parseRows(stdout: string, engine: (row: Record<string, unknown>) => string): BaselineRow[] {
  return stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .map((r) => ({
      engine: engine(r),
      model: String(r.model),
      batch: Number(r.batch),
      ...(typeof r.samples_per_s === 'number' ? { samplesPerSecond: r.samples_per_s } : {}),
      ...(typeof r.note === 'string' ? { note: r.note } : {}),
    }));
}

/** Options of the baseline runners. */
export interface BaselineOptions {
  readonly models: readonly string[];
  readonly batches: readonly number[];
  readonly seconds: number;
  /** PyTorch intra-op threads (default 2). */
  readonly threads?: number;
  /** Comma-separated interpreters (default: Debian's and the PyTorch 2.x venv, where present). */
  readonly pythons?: string;
  /** OpenMP wait policies to measure (default both; the fastest is the baseline). */
  readonly ompWait?: readonly OmpWait[];
}

/** A PyTorch run: its self-description and its rows. */
interface TorchRun {
  readonly config: TorchConfig;
  readonly rows: BaselineRow[];
}

async function torchRun(py: string, wait: OmpWait, o: BaselineOptions): Promise<TorchRun> {
  const args = [join(baselines, 'pytorch_train.py'), '--models', o.models.join(','), '--batches'];
  args.push(o.batches.join(','), '--seconds', String(o.seconds), '--threads', String(o.threads ?? 2));
  const out = await run(py, args, { env: torchEnv(wait) });
  const lines = out.split('\n').filter((l) => l.startsWith('{'));
  const config = lines
    .map((l) => JSON.parse(l) as { config?: TorchConfig })
    .find((l) => l.config !== undefined)?.config;
  if (config === undefined) throw new Error(`${py}: no config line`);
  const label = torchLabel(config);
  return { config, rows: parseRows(lines.filter((l) => !l.startsWith('{"config"')).join('\n'), () => label) };
}

/**
 * PyTorch rows: every available interpreter (`pythons`, see torchPythons) under both
 * OpenMP wait policies, one row per configuration, plus a `pytorch` row per (model,
 * batch) holding the fastest of them: the baseline that ratios are taken against.
 * [] with a reason when no interpreter has torch.
 */
export async function pytorchRows(o: BaselineOptions): Promise<{ rows: BaselineRow[]; note?: string }> {
  const pythons = torchPythons(o.pythons);
  if (pythons.length === 0)
    return { rows: [], note: 'no PyTorch interpreter (run bench/setup-baselines.sh)' };
  const rows: BaselineRow[] = [];
  const notes: string[] = [];
  for (const py of pythons) {
    for (const wait of o.ompWait ?? (['passive', 'active'] as const)) {
      try {
        rows.push(...(await torchRun(py, wait, o)).rows);
      } catch (e) {
        notes.push(`${py} (${wait}) unavailable: ${String(e).slice(0, 200)}`);
      }
    }
  }
  const best = new Map<string, BaselineRow>();
  for (const r of rows) {
    const key = `${r.model}/${String(r.batch)}`;
    if ((r.samplesPerSecond ?? 0) > (best.get(key)?.samplesPerSecond ?? -1)) best.set(key, r);
  }
  for (const r of best.values()) rows.push({ ...r, engine: 'pytorch', note: `fastest: ${r.engine}` });
  return notes.length === 0 ? { rows } : { rows, note: notes.join('; ') };
}

/** TensorFlow.js rows (cpu and wasm backends in Node), or [] with a reason. */
export async function tfjsRows(o: BaselineOptions): Promise<{ rows: BaselineRow[]; note?: string }> {
  const dir = '/tmp/tfjs';
  if (!existsSync(join(dir, 'node_modules', '@tensorflow', 'tfjs')))
    return { rows: [], note: 'TensorFlow.js not installed in /tmp/tfjs (run bench/baselines/setup-tfjs.sh)' };
  copyFileSync(join(baselines, 'tfjs-train.mjs'), join(dir, 'tfjs-train.mjs'));
  try {
    const out = await run(
      'node',
      [
        'tfjs-train.mjs',
        '--models',
        o.models.join(','),
        '--batches',
        o.batches.join(','),
        '--seconds',
        String(o.seconds),
      ],
      { cwd: dir },
    );
    return { rows: parseRows(out, (r) => `tfjs-${String(r.backend)}`) };
  } catch (e) {
    return { rows: [], note: `tfjs failed: ${String(e).slice(0, 300)}` };
  }
}
