/**
 * zod schemas of the sequence layers of a ModelSpec. All read [batch, time, features]
 * with a static time length.
 *
 * - `lstm` / `gru`: `units` (hidden size H), `returnSequences` (default false: the last
 *   hidden state [B, H]; true: every step [B, T, H]). Stack by listing several layers.
 *   PyTorch gate layout and initialisation (see docs/training-graphs.md).
 * - `multiHeadAttention`: self-attention with `heads`, `keyDim` (per head; default
 *   width / heads), `causal` (default false) and `dropout` on the attention weights.
 * - `positionalEmbedding`: adds a [T, D] position table, `learned` (parameters) or
 *   `sinusoidal` (constants).
 * - `transformerBlock`: pre-LayerNorm block, LN -> MHA -> residual, LN -> dense(mlpDim,
 *   default 4 D) -> GELU -> dense(D) -> residual, with `dropout` (default 0) on the attention
 *   weights and on both branch outputs.
 */
import { z } from 'zod';

const posInt = z.number().int().positive();
const rate = z.number().min(0).lt(1).optional();

/** The sequence layer schemas, given the fields every layer has (`name`, `input`). */
export function sequenceLayerSchemas<B extends z.ZodRawShape>(base: B) {
  return [
    z.object({ ...base, type: z.literal('lstm'), units: posInt, returnSequences: z.boolean().optional() }),
    z.object({ ...base, type: z.literal('gru'), units: posInt, returnSequences: z.boolean().optional() }),
    z.object({
      ...base,
      type: z.literal('multiHeadAttention'),
      heads: posInt,
      keyDim: posInt.optional(),
      causal: z.boolean().optional(),
      dropout: rate,
    }),
    z.object({ ...base, type: z.literal('positionalEmbedding'), kind: z.enum(['learned', 'sinusoidal']) }),
    z.object({
      ...base,
      type: z.literal('transformerBlock'),
      heads: posInt,
      mlpDim: posInt.optional(),
      causal: z.boolean().optional(),
      dropout: rate,
    }),
  ] as const;
}
