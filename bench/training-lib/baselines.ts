/**
 * External baselines of the training benchmark, run as child processes: PyTorch (Debian's
 * /usr/bin/python3 with python3-torch, see bench/setup-baselines.sh) and TensorFlow.js
 * (installed into /tmp/tfjs by bench/baselines/setup-tfjs.sh, never into package.json).
 * A missing baseline yields no rows and a note, not an error.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

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

function run(cmd: string, args: string[], cwd?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { cwd, maxBuffer: 1 << 20, timeout: 900_000 }, (err, stdout, stderr) => {
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
}

/** PyTorch rows, or [] with a reason when /usr/bin/python3 has no torch. */
export async function pytorchRows(o: BaselineOptions): Promise<{ rows: BaselineRow[]; note?: string }> {
  const py = '/usr/bin/python3';
  if (!existsSync(py)) return { rows: [], note: 'no /usr/bin/python3 (run bench/setup-baselines.sh)' };
  try {
    const out = await run(py, [
      join(baselines, 'pytorch_train.py'),
      '--models',
      o.models.join(','),
      '--batches',
      o.batches.join(','),
      '--seconds',
      String(o.seconds),
      '--threads',
      '2',
    ]);
    return { rows: parseRows(out, () => 'pytorch') };
  } catch (e) {
    return { rows: [], note: `pytorch unavailable: ${String(e).slice(0, 300)}` };
  }
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
      dir,
    );
    return { rows: parseRows(out, (r) => `tfjs-${String(r.backend)}`) };
  } catch (e) {
    return { rows: [], note: `tfjs failed: ${String(e).slice(0, 300)}` };
  }
}
