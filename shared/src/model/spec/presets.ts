/**
 * Ready-made model specs: the FedAvg paper's `2nn` and `cnn` for MNIST-shaped input, a
 * small fast CNN for tests and demos, and character-level language models (`char-lstm`,
 * the FedAvg paper's Shakespeare model, and `char-transformer`).
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

/** Vocabulary size of the registered `char-lstm` / `char-transformer` presets (the data layer passes the real one). */
export const DEFAULT_CHAR_VOCAB = 96;

/**
 * The FedAvg paper's Shakespeare model: input [seqLen] token ids (float), 8-dim character
 * embedding, two LSTM layers of 256 units (returnSequences), dense to the vocabulary:
 * logits [seqLen, vocabSize] (next-character prediction at every position). Train with
 * `softmax-cross-entropy` and one-hot labels [seqLen, vocabSize].
 */
export function charLstm(vocabSize: number, seqLen = 80): ModelSpec {
  return {
    name: 'char-lstm',
    input: { shape: [seqLen] },
    layers: [
      { type: 'embedding', vocabSize, dim: 8 },
      { type: 'lstm', units: 256, returnSequences: true },
      { type: 'lstm', units: 256, returnSequences: true },
      { type: 'dense', units: vocabSize },
    ],
  };
}

/**
 * A small causal character transformer: input [context] token ids, 128-dim embedding plus a
 * learned positional embedding, 4 pre-LN blocks (4 heads, MLP 512), final LayerNorm, dense
 * to the vocabulary: logits [context, vocabSize].
 */
export function charTransformer(vocabSize: number, context = 64): ModelSpec {
  const blocks = Array.from({ length: 4 }, () => ({
    type: 'transformerBlock' as const,
    heads: 4,
    causal: true,
  }));
  return {
    name: 'char-transformer',
    input: { shape: [context] },
    layers: [
      { type: 'embedding', vocabSize, dim: 128 },
      { type: 'positionalEmbedding', kind: 'learned' },
      ...blocks,
      { type: 'layerNorm' },
      { type: 'dense', units: vocabSize },
    ],
  };
}

/** Presets by name (`char-lstm` / `char-transformer` with {@link DEFAULT_CHAR_VOCAB} characters). */
export const MODEL_PRESETS: Readonly<Record<string, ModelSpec>> = {
  '2nn': MODEL_2NN,
  cnn: MODEL_CNN,
  'tiny-cnn': MODEL_TINY_CNN,
  'char-lstm': charLstm(DEFAULT_CHAR_VOCAB),
  'char-transformer': charTransformer(DEFAULT_CHAR_VOCAB),
};
