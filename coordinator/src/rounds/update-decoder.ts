/**
 * The coordinator's update decoder: an uploaded payload is the tensor codec's bytes of a
 * (possibly fp16 / int8 / top-k compressed) delta; decoding checks the codec framing and
 * expands the compression to a float32 TensorMap. Malformed bytes throw the codec's coded
 * errors (BAD_MAGIC, TRUNCATED_PAYLOAD, CORRUPT_PAYLOAD, ...), which the fit round records
 * as a rejected result.
 */
import { decodeTensorMap, decompressUpdate, type TensorMap } from '@edgefed/shared';
import type { UpdateDecoder } from './run-services.js';

/** Decodes tensor-codec payloads and expands their compression. */
export function createUpdateDecoder(): UpdateDecoder {
  return { decode: (payload: Uint8Array): TensorMap => decompressUpdate(decodeTensorMap(payload)) };
}
