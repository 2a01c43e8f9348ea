/**
 * How an update is compressed, and the metadata record a compressed TensorMap carries so
 * that decompression needs no side information.
 */
import { z } from 'zod';
import { EdgefedError } from '../errors.js';

/** Name of the metadata tensor inside a compressed map; input maps may not use it. */
export const COMPRESSION_META_NAME = '@edgefed/compression';

/** Version of the metadata record. */
export const COMPRESSION_META_VERSION = 1;

/**
 * A compression method: `none` (float32 as is), `fp16` (half precision), `int8`
 * (symmetric per-tensor scale), `topk` (keep the `fraction` of entries with the largest
 * magnitude per tensor, 0 < fraction <= 1, at least one entry of a non-empty tensor).
 */
export const compressionSpecSchema = z.discriminatedUnion('method', [
  z.object({ method: z.literal('none') }),
  z.object({ method: z.literal('fp16') }),
  z.object({ method: z.literal('int8') }),
  z.object({ method: z.literal('topk'), fraction: z.number().gt(0).lte(1) }),
]);

/** See {@link compressionSpecSchema}. */
export type CompressionSpec = z.infer<typeof compressionSpecSchema>;

/** The metadata record: method and the original tensors (names in order, shapes). */
export const compressionMetaSchema = z.object({
  v: z.literal(COMPRESSION_META_VERSION),
  spec: compressionSpecSchema,
  tensors: z.array(
    z.object({
      name: z.string(),
      shape: z.array(z.number().int().min(0).max(0xffffffff)).max(32),
    }),
  ),
});

/** See {@link compressionMetaSchema}. */
export type CompressionMeta = z.infer<typeof compressionMetaSchema>;

/** Validates a spec from any source; throws `INVALID_ARGUMENT` when malformed. */
export function parseCompressionSpec(value: unknown): CompressionSpec {
  const result = compressionSpecSchema.safeParse(value);
  if (!result.success) {
    throw new EdgefedError('INVALID_ARGUMENT', 'Invalid compression spec', {
      details: { issues: result.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) },
    });
  }
  return result.data;
}

/** Number of entries top-k keeps of `n`: round(fraction * n), at least 1 when n > 0. */
export function topKCount(n: number, fraction: number): number {
  return n === 0 ? 0 : Math.min(n, Math.max(1, Math.round(fraction * n)));
}
