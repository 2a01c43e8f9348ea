/**
 * Shared by `edgefed train` and `edgefed model export`: resolves `--model` (a preset name
 * or a path to a JSON model spec) and `--optimizer` into compiler inputs.
 */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import {
  EdgefedError,
  MODEL_PRESETS,
  onnxModelSpec,
  parseModelSpec,
  type ModelSpec,
  type OptimizerSpec,
} from '@edgefed/shared';

/** Import options of an `.onnx` `--model` (`--freeze`, `--local-bn`). */
export interface OnnxFlags {
  readonly freeze?: readonly string[];
  readonly localBatchNorm?: boolean;
}

/** Reads a model file; `NOT_FOUND` naming it when it cannot be read. */
export async function readModelFile(path: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(path));
  } catch (e) {
    throw new EdgefedError('NOT_FOUND', `Cannot read model ${path}: ${String(e)}`, { cause: e });
  }
}

/** `--freeze` (repeatable) and `--local-bn` flag values as import options. */
export function onnxFlags(values: Record<string, unknown>): OnnxFlags {
  const raw = values.freeze;
  const freeze = (Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]).filter(
    (v): v is string => typeof v === 'string',
  );
  return { freeze, ...(values['local-bn'] === true ? { localBatchNorm: true } : {}) };
}

/**
 * A preset (`2nn`, `cnn`, `tiny-cnn`), a spec read from a `.json` file, or an ONNX model
 * (`.onnx`, imported with `onnx` options; see docs/import.md). Throws
 * `INVALID_ARGUMENT` for an unknown name, `NOT_FOUND` for a missing file and
 * `INVALID_MODEL` for a file that is not a valid spec.
 */
export async function resolveModelSpec(model: string, onnx: OnnxFlags = {}): Promise<ModelSpec> {
  const preset = MODEL_PRESETS[model];
  if (preset !== undefined) return preset;
  if (model.endsWith('.onnx')) {
    const name = basename(model, '.onnx');
    return onnxModelSpec(await readModelFile(model), { name, ...onnx });
  }
  if (!model.endsWith('.json')) {
    throw new EdgefedError(
      'INVALID_ARGUMENT',
      `Unknown model "${model}": use ${Object.keys(MODEL_PRESETS).join(', ')}, a spec .json or an .onnx file`,
    );
  }
  let text: string;
  try {
    text = await readFile(model, 'utf8');
  } catch (e) {
    throw new EdgefedError('NOT_FOUND', `Cannot read model spec ${model}: ${String(e)}`, { cause: e });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new EdgefedError('INVALID_MODEL', `${model} is not JSON: ${String(e)}`, { cause: e });
  }
  return parseModelSpec(json);
}

/** `sgd` | `sgd-momentum` | `adam` | `adamw` as an optimizer spec; else `INVALID_ARGUMENT`. */
export function resolveOptimizer(name: string): OptimizerSpec {
  switch (name) {
    case 'sgd':
      return { type: 'sgd' };
    case 'sgd-momentum':
      return { type: 'sgd', momentum: true };
    case 'adam':
      return { type: 'adam' };
    case 'adamw':
      return { type: 'adamw' };
    default:
      throw new EdgefedError(
        'INVALID_ARGUMENT',
        `Unknown optimizer "${name}" (sgd, sgd-momentum, adam, adamw)`,
      );
  }
}

/** Parses a float flag; throws `INVALID_ARGUMENT` naming the flag unless finite and > 0. */
export function positiveNumber(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const v = Number(raw);
  if (!Number.isFinite(v) || v <= 0)
    throw new EdgefedError('INVALID_ARGUMENT', `--${name} must be a positive number, got "${raw}"`);
  return v;
}
