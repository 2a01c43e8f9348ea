/**
 * Ready-made model specs: the FedAvg paper's `2nn` and `cnn` for MNIST-shaped input, and a
 * small fast CNN for tests and demos.
 */
import type { ModelSpec } from './model-spec.js';

/** FedAvg `2nn`: 784-200-200-10 with ReLU (199,210 parameters). Input [784]. */
export const MODEL_2NN: ModelSpec = {
  name: '2nn',
  input: { shape: [784] },
  layers: [
    { type: 'dense', units: 200 },
    { type: 'relu' },
    { type: 'dense', units: 200 },
    { type: 'relu' },
    { type: 'dense', units: 10 },
  ],
};

/** The FedAvg `cnn` layers for a [1, size, size] input (size divisible by 4). */
export function fedAvgCnn(size = 28): ModelSpec {
  return {
    name: size === 28 ? 'cnn' : `cnn${String(size)}`,
    input: { shape: [1, size, size] },
    layers: [
      { type: 'conv2d', filters: 32, kernelSize: 5, padding: 'same' },
      { type: 'relu' },
      { type: 'maxPool2d', poolSize: 2 },
      { type: 'conv2d', filters: 64, kernelSize: 5, padding: 'same' },
      { type: 'relu' },
      { type: 'maxPool2d', poolSize: 2 },
      { type: 'flatten' },
      { type: 'dense', units: 512 },
      { type: 'relu' },
      { type: 'dense', units: 10 },
    ],
  };
}

/** FedAvg `cnn` for [1, 28, 28] input (1,663,370 parameters). */
export const MODEL_CNN: ModelSpec = fedAvgCnn(28);

/** A tiny CNN for tests: conv3x3 8 -> relu -> maxpool 2 -> flatten -> dense 10. Input [1, 28, 28]. */
export const MODEL_TINY_CNN: ModelSpec = {
  name: 'tiny-cnn',
  input: { shape: [1, 28, 28] },
  layers: [
    { type: 'conv2d', filters: 8, kernelSize: 3, padding: 'same' },
    { type: 'relu' },
    { type: 'maxPool2d', poolSize: 2 },
    { type: 'flatten' },
    { type: 'dense', units: 10 },
  ],
};

/** Presets by name. */
export const MODEL_PRESETS: Readonly<Record<string, ModelSpec>> = {
  '2nn': MODEL_2NN,
  cnn: MODEL_CNN,
  'tiny-cnn': MODEL_TINY_CNN,
};
