/**
 * ModelSpec: the JSON description of a model that a coordinator ships and that both sides
 * compile to the same ONNX graphs. Validated with zod; `parseModelSpec` throws
 * `INVALID_MODEL` with the zod issues in `details`.
 *
 * Layers run in order; each reads the previous layer's output unless it names its
 * `input` (a layer `name`, or `"input"` for the model input). `add` sums two or more
 * named outputs (residual connections). Sequence layers (lstm, gru, multiHeadAttention,
 * positionalEmbedding, transformerBlock) read [batch, time, features]; see `seq-spec.ts`.
 */
import { z } from 'zod';
import { EdgefedError } from '../../errors.js';
import { sequenceLayerSchemas } from './seq-spec.js';

const posInt = z.number().int().positive();
const pair = z.union([posInt, z.tuple([posInt, posInt])]);
const nonNegPair = z.union([
  z.number().int().nonnegative(),
  z.tuple([z.number().int().nonnegative(), z.number().int().nonnegative()]),
]);
const name = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'layer names are identifiers')
  .optional();
const base = { name, input: z.string().optional() };
const init = z.enum(['he', 'glorot']).optional();

const layerSchema = z.discriminatedUnion('type', [
  z.object({ ...base, type: z.literal('dense'), units: posInt, useBias: z.boolean().optional(), init }),
  z.object({
    ...base,
    type: z.literal('conv2d'),
    filters: posInt,
    kernelSize: pair,
    strides: pair.optional(),
    padding: z.union([z.enum(['valid', 'same']), nonNegPair]).optional(),
    dilation: pair.optional(),
    groups: posInt.optional(),
    useBias: z.boolean().optional(),
    init,
  }),
  z.object({
    ...base,
    type: z.literal('maxPool2d'),
    poolSize: pair,
    strides: pair.optional(),
    padding: nonNegPair.optional(),
  }),
  z.object({
    ...base,
    type: z.literal('avgPool2d'),
    poolSize: pair,
    strides: pair.optional(),
    padding: nonNegPair.optional(),
  }),
  z.object({ ...base, type: z.literal('globalAvgPool') }),
  z.object({ ...base, type: z.literal('flatten') }),
  z.object({ ...base, type: z.literal('reshape'), shape: z.array(posInt).min(1) }),
  z.object({ ...base, type: z.literal('relu') }),
  z.object({ ...base, type: z.literal('leakyRelu'), alpha: z.number().positive().optional() }),
  z.object({ ...base, type: z.literal('tanh') }),
  z.object({ ...base, type: z.literal('sigmoid') }),
  z.object({ ...base, type: z.literal('gelu') }),
  z.object({ ...base, type: z.literal('softmax') }),
  z.object({ ...base, type: z.literal('dropout'), rate: z.number().min(0).lt(1) }),
  z.object({ ...base, type: z.literal('layerNorm'), epsilon: z.number().positive().optional() }),
  z.object({ ...base, type: z.literal('embedding'), vocabSize: posInt, dim: posInt }),
  z.object({ name, type: z.literal('add'), inputs: z.array(z.string()).min(2) }),
  ...sequenceLayerSchemas(base),
]);

/** zod schema of a {@link ModelSpec}. */
export const modelSpecSchema = z
  .object({
    /** Optional human-readable name. */
    name: z.string().optional(),
    input: z.object({
      /** Shape of one example (no batch dimension), e.g. [1, 28, 28] or [784]. */
      shape: z.array(posInt).min(1),
      /** Element type of the input; token ids for `embedding` are fed as float32 too. */
      dtype: z.literal('float32').optional(),
    }),
    /** Layers; empty for a model imported from ONNX (`onnx`). */
    layers: z.array(layerSchema),
    /**
     * An imported ONNX model (see docs/import.md): the whole graph is the model, trained
     * through its initializers. Build with `onnxModelSpec`.
     */
    onnx: z
      .object({
        /** The ONNX file, base64. */
        model: z.string().min(1),
        /** Initializer names or globs kept constant. */
        freeze: z.array(z.string()).optional(),
        /** FedBN: BatchNorm tensors stay local to each participant. */
        localBatchNorm: z.boolean().optional(),
        /** Graph input / output to use when the graph has several. */
        input: z.string().optional(),
        output: z.string().optional(),
      })
      .optional(),
  })
  .refine((s) => s.layers.length > 0 || s.onnx !== undefined, {
    message: 'A model spec needs at least one layer (or an onnx model)',
    path: ['layers'],
  });

/** One layer of a model spec. */
export type LayerSpec = z.infer<typeof layerSchema>;

/** A model: input shape and a list of layers (see the module comment). */
export type ModelSpec = z.infer<typeof modelSpecSchema>;

/**
 * Validates unknown JSON as a ModelSpec. Throws `INVALID_MODEL` (zod issues in
 * `details.issues`) for bad input; layer wiring is checked when the model is compiled.
 */
export function parseModelSpec(value: unknown): ModelSpec {
  const r = modelSpecSchema.safeParse(value);
  if (!r.success) {
    throw new EdgefedError(
      'INVALID_MODEL',
      `Invalid model spec: ${r.error.issues[0]?.message ?? 'unknown issue'}`,
      {
        details: { issues: r.error.issues.map((i) => ({ path: i.path.map(String), message: i.message })) },
      },
    );
  }
  return r.data;
}
