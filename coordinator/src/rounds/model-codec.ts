/**
 * Global models and strategy state as blobs: the codec's binary layout, content-addressed
 * by SHA-256 in the BlobStore. The wire hash is `sha256:<hex>`.
 */
import { decodeTensorMap, encodeTensorMap, type StrategyState, type TensorMap } from '@edgefed/shared';
import type { BlobStore } from '../store/blob-store.js';
import type { JsonObject } from '../store/json.js';

/** Writes a model (durably) and returns its hex hash and size. */
export async function putModel(blobs: BlobStore, params: TensorMap): Promise<{ hash: string; size: number }> {
  const info = await blobs.put(encodeTensorMap(params));
  return { hash: info.hash, size: info.size };
}

/** Reads a model back (verifying its hash). */
export async function getModel(blobs: BlobStore, hash: string): Promise<TensorMap> {
  return decodeTensorMap(await blobs.get(hash, { verify: true }), { copy: true });
}

/** `sha256:<hex>`, the form a task carries. */
export function wireHash(hexHash: string): string {
  return `sha256:${hexHash}`;
}

/** Saves strategy state: tensors as a blob, the rest as JSON for the run record. */
export async function putStrategyState(blobs: BlobStore, state: StrategyState): Promise<JsonObject> {
  const tensors = state.tensors.size === 0 ? null : (await blobs.put(encodeTensorMap(state.tensors))).hash;
  return { strategy: state.strategy, version: state.version, scalars: { ...state.scalars }, tensors };
}

/** Loads strategy state saved by {@link putStrategyState}. */
export async function getStrategyState(blobs: BlobStore, json: JsonObject): Promise<StrategyState> {
  const hash = json.tensors;
  const tensors: TensorMap = typeof hash === 'string' ? await getModel(blobs, hash) : new Map();
  return {
    strategy: typeof json.strategy === 'string' ? json.strategy : '',
    version: 1,
    scalars: json.scalars as Record<string, number>,
    tensors,
  };
}
