/**
 * Seeded parameter initialisation. Each parameter draws from its own stream, seeded from
 * (seed, parameter name), so adding a layer does not change the others' initial values.
 */
import { EdgefedError } from '../../errors.js';
import { float32Tensor, type Tensor } from '../../tensor/tensor.js';
import type { ParameterInfo } from './layers.js';
import { createModelPrng, hashString } from '../../data/prng.js';

/**
 * Initial values of one parameter: He/Glorot uniform, PyTorch's U(-1/sqrt(fanIn), 1/sqrt(fanIn))
 * (`uniform`), N(0, 1), zeros or ones.
 */
export function initParameter(p: ParameterInfo, seed: number): Tensor {
  const n = p.shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  const rng = createModelPrng((hashString(p.name) ^ Math.imul(seed | 0, 0x9e3779b1)) | 0);
  switch (p.init) {
    case 'zeros':
      break;
    case 'ones':
      data.fill(1);
      break;
    case 'normal':
      for (let i = 0; i < n; i++) data[i] = rng.normal();
      break;
    case 'he':
    case 'glorot': {
      const limit = p.init === 'he' ? Math.sqrt(6 / p.fanIn) : Math.sqrt(6 / (p.fanIn + p.fanOut));
      for (let i = 0; i < n; i++) data[i] = (rng.nextFloat() * 2 - 1) * limit;
      break;
    }
    case 'uniform': {
      const limit = 1 / Math.sqrt(p.fanIn);
      for (let i = 0; i < n; i++) data[i] = (rng.nextFloat() * 2 - 1) * limit;
      break;
    }
  }
  return float32Tensor(p.shape, data);
}

/**
 * Initial values of all parameters, in order. Same (parameters, seed) -> same values.
 * Throws `INVALID_ARGUMENT` for a non-finite seed.
 */
export function initParameters(parameters: readonly ParameterInfo[], seed: number): Map<string, Tensor> {
  if (!Number.isFinite(seed)) throw new EdgefedError('INVALID_ARGUMENT', `Seed must be finite, got ${seed}`);
  return new Map(parameters.map((p) => [p.name, initParameter(p, seed)]));
}

/** Number of scalars in a parameter list. */
export function countParameters(parameters: readonly { readonly shape: readonly number[] }[]): number {
  return parameters.reduce((s, p) => s + p.shape.reduce((a, b) => a * b, 1), 0);
}
