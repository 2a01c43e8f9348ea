/**
 * Hyper-parameter feeds of a training graph: values from FitOptions mapped onto the graph's
 * scalar inputs (lr, weight_decay, momentum, beta1, beta2, epsilon, clip_norm, mu, step),
 * falling back to the manifest's defaults. A value the graph has no input for is an error,
 * not silently ignored.
 */
import { EdgefedError, type GraphManifest } from '@edgefed/shared';
import type { FitOptions } from './trainer-types.js';

const FIELDS = [
  ['learningRate', 'lr'],
  ['weightDecay', 'weight_decay'],
  ['momentum', 'momentum'],
  ['beta1', 'beta1'],
  ['beta2', 'beta2'],
  ['epsilon', 'epsilon'],
  ['clipNorm', 'clip_norm'],
  ['proximalMu', 'mu'],
] as const;

/**
 * Scalar value per hyper-parameter input name (`step` starts at 1). Throws
 * `INVALID_ARGUMENT` for a non-finite value or one the graph does not take (e.g.
 * `momentum` for plain SGD: compile with `{ type: 'sgd', momentum: true }`).
 */
export function hyperParameterValues(manifest: GraphManifest, o: FitOptions): Map<string, number> {
  const inputs = new Map(
    manifest.inputs.filter((e) => e.role === 'hyper-parameter').map((e) => [e.name, e.default ?? 0] as const),
  );
  for (const [field, name] of FIELDS) {
    const v = o[field];
    if (v === undefined) continue;
    if (!Number.isFinite(v)) throw new EdgefedError('INVALID_ARGUMENT', `${field} must be finite, got ${v}`);
    if (!inputs.has(name)) {
      throw new EdgefedError(
        'INVALID_ARGUMENT',
        `${field} was given but the compiled training graph has no ${name} input (check compileOptions)`,
        { details: { field, inputs: [...inputs.keys()] } },
      );
    }
    inputs.set(name, v);
  }
  if (inputs.has('step')) inputs.set('step', 1);
  return inputs;
}
