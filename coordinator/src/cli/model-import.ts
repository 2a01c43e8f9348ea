/**
 * `edgefed model import FILE.onnx`: imports an ONNX inference model (e.g. from
 * `torch.onnx.export`) and prints what edgefed will train: input/output shapes, ops, and
 * every initializer as trainable, frozen, BatchNorm state or local (FedBN). `--out` writes
 * the model spec JSON (the ONNX file embedded) that `--model` and run configs accept.
 */
import { writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import {
  EdgefedError,
  importOnnxModel,
  onnxModelSpec,
  type ImportedModel,
  type ParameterInfo,
} from '@edgefed/shared';
import { parseFlags, strFlag } from './args.js';
import { onnxFlags, readModelFile } from './train-model.js';

const HELP = `Usage: edgefed model import FILE.onnx [options]

Imports an ONNX inference model and prints its parameters (trainable, frozen, BatchNorm
state) and ops. Unsupported ops are all listed in one error.

Options:
  --freeze PATTERN      keep initializers matching PATTERN constant (name or glob with * and ?;
                        repeatable)
  --local-bn            FedBN: BatchNorm scale, bias and statistics stay on each participant
  --out FILE            also write the model spec JSON (use it as --model or in a run config)
  --json                print the summary as JSON
  -h, --help            show this help`;

const FLAGS = {
  freeze: { type: 'string', multiple: true },
  'local-bn': { type: 'boolean' },
  out: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

function role(p: ParameterInfo): string {
  const base = p.trainable === false ? 'bn-state' : 'trainable';
  return p.local === true ? `${base}, local` : base;
}

const size = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** The summary as JSON-ready data. */
export function importSummary(m: ImportedModel): Record<string, unknown> {
  const frozen = m.frozen.map((name) => ({ name, shape: m.graph.floatConstants.get(name)?.shape ?? [] }));
  const count = (f: (p: ParameterInfo) => boolean): number =>
    m.parameters.filter(f).reduce((a, p) => a + size(p.shape), 0);
  return {
    name: m.name,
    inputShape: m.inputShape,
    outputShape: m.outputShape,
    ops: m.opCounts,
    dropoutMasks: m.masks.length,
    parameters: m.parameters.map((p) => ({ name: p.name, shape: p.shape, role: role(p) })),
    frozen,
    totals: {
      trainable: count((p) => p.trainable !== false),
      state: count((p) => p.trainable === false),
      frozen: frozen.reduce((a, f) => a + size(f.shape), 0),
      local: count((p) => p.local === true),
    },
  };
}

function table(m: ImportedModel): string {
  const rows = [
    ...m.parameters.map((p) => [p.name, `[${p.shape.join(', ')}]`, String(size(p.shape)), role(p)]),
    ...m.frozen.map((n) => {
      const shape = m.graph.floatConstants.get(n)?.shape ?? [];
      return [n, `[${shape.join(', ')}]`, String(size(shape)), 'frozen'];
    }),
  ];
  const head = ['parameter', 'shape', 'values', 'role'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: readonly string[]): string =>
    r
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(head), ...rows.map(line)].join('\n');
}

function text(m: ImportedModel): string {
  const s = importSummary(m);
  const t = s.totals as Record<string, number>;
  const ops = Object.entries(m.opCounts)
    .sort((a, b) => b[1] - a[1])
    .map(([op, n]) => `${op} x${String(n)}`)
    .join(', ');
  return [
    `model ${m.name}: input [N, ${m.inputShape.join(', ')}] -> output [N, ${m.outputShape.join(', ')}]`,
    `ops: ${ops}`,
    `dropout masks: ${String(m.masks.length)}`,
    '',
    table(m),
    '',
    `trainable ${String(t.trainable)} values, BatchNorm state ${String(t.state)}, frozen ${String(t.frozen)}` +
      (t.local === 0 ? '' : `, local (FedBN) ${String(t.local)}`),
  ].join('\n');
}

/**
 * Runs `edgefed model import` with `argv` (after `model import`); returns 0, or 2 with
 * usage when no file is given. Throws `NOT_FOUND` for an unreadable file and the import's
 * codes (`UNSUPPORTED_OP` naming every unsupported node, `INVALID_MODEL`, ...).
 */
export async function runModelImportCommand(
  argv: string[],
  out: { write(s: string): unknown } = process.stdout,
): Promise<number> {
  const { values, positionals } = parseFlags(argv, FLAGS);
  if (values.help === true) {
    out.write(`${HELP}\n`);
    return 0;
  }
  const [file, ...extra] = positionals;
  if (file === undefined || extra.length > 0) {
    process.stderr.write(`${HELP}\n`);
    return 2;
  }
  if (!file.endsWith('.onnx')) throw new EdgefedError('INVALID_ARGUMENT', `${file} is not an .onnx file`);
  const bytes = await readModelFile(file);
  const options = { name: basename(file, '.onnx'), ...onnxFlags(values) };
  const m = importOnnxModel(bytes, options);
  out.write(values.json === true ? `${JSON.stringify(importSummary(m), null, 2)}\n` : `${text(m)}\n`);
  const dest = strFlag(values, 'out');
  if (dest !== undefined) {
    await writeFile(dest, `${JSON.stringify(onnxModelSpec(bytes, options))}\n`);
    out.write(`wrote ${dest}\n`);
  }
  return 0;
}
