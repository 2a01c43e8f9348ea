/**
 * The coordinator's use of the model compiler: resolve a run's model (preset name or
 * spec), initialise its parameters, validate that it compiles, and export a checkpoint as
 * edgefed weights or as a plain inference ONNX model. A run's model is a preset name, a
 * spec, or a reference to an uploaded ONNX model (`{ onnx: "sha256:..." }`), resolved
 * through the coordinator's ModelLibrary.
 */
import {
  EdgefedError,
  MODEL_PRESETS,
  compileModel,
  decodeTensorMap,
  exportImportedModel,
  exportInferenceModel,
  fromBase64,
  initParameters as initParams,
  parseModelSpec,
  planModel,
  type ModelSpec,
  type TensorMap,
} from '@edgefed/shared';
import type { RunConfig } from '../rounds/run-config.js';
import { isOnnxModelRef, type ModelLibrary } from '../store/model-library.js';
import type { Stores } from './open-stores.js';

/**
 * The model spec of a run: a preset by name, an uploaded model by reference (through
 * `library`; `INVALID_MODEL` for an unknown hash or without a library), or the spec given.
 */
export function resolveModelSpec(model: RunConfig['model'], library?: ModelLibrary): ModelSpec {
  if (isOnnxModelRef(model)) {
    if (library === undefined)
      throw new EdgefedError(
        'INVALID_MODEL',
        'A model reference ({ "onnx": "sha256:..." }) needs a coordinator',
      );
    return library.specFor(model);
  }
  if (typeof model === 'string') {
    const preset = MODEL_PRESETS[model];
    if (preset === undefined) {
      throw new EdgefedError('INVALID_MODEL', `Unknown model preset "${model}"`, {
        details: { presets: Object.keys(MODEL_PRESETS) },
      });
    }
    return preset;
  }
  return parseModelSpec(model);
}

/** Initial parameters of a run's model: an imported ONNX model's own values, else seeded. */
export function initialParameters(config: RunConfig, library?: ModelLibrary): TensorMap {
  const plan = planModel(resolveModelSpec(config.model, library));
  return plan.initialValues ?? initParams(plan.parameters, config.seed);
}

/** The spec clients compile, as JSON text. */
export function modelSpecJson(config: RunConfig, library?: ModelLibrary): string {
  return JSON.stringify(resolveModelSpec(config.model, library));
}

/**
 * {@link validateModel}, after refreshing `library` when the run names an uploaded model it
 * does not hold yet (uploaded through another node of a cluster sharing the library).
 */
export async function validateModelFresh(config: RunConfig, library?: ModelLibrary): Promise<void> {
  await refreshForModel(config, library);
  validateModel(config, library);
}

/**
 * Refreshes `library` when the run names an uploaded model it does not hold yet: a run
 * created or taken over on a node of a cluster, for a model uploaded through another node.
 */
export async function refreshForModel(config: RunConfig, library?: ModelLibrary): Promise<void> {
  const ref = config.model as unknown;
  if (library !== undefined && isOnnxModelRef(ref)) {
    const hash = (ref as { onnx: string }).onnx;
    if (!library.list().some((m) => m.hash === hash)) await library.refresh();
  }
}

/** Throws `INVALID_MODEL` (or the compiler's code) unless the run's model compiles for training. */
export function validateModel(config: RunConfig, library?: ModelLibrary): void {
  const spec = resolveModelSpec(config.model, library);
  const t = config.training;
  const optimizer =
    t.optimizer === 'sgd'
      ? { type: 'sgd' as const, momentum: t.momentum > 0, weightDecay: t.weightDecay > 0 }
      : t.optimizer === 'adam'
        ? { type: 'adam' as const, weightDecay: t.weightDecay > 0 }
        : { type: 'adamw' as const };
  compileModel(spec, { loss: 'softmax-cross-entropy', batchSize: t.batchSize, optimizer });
}

/**
 * A checkpoint as a downloadable file: edgefed weights (the codec's bytes) or inference
 * ONNX — for an imported model, the user's own file with its initializers replaced.
 */
export async function exportModel(
  stores: Stores,
  runId: string,
  version: number | undefined,
  format: 'weights' | 'onnx',
): Promise<{ bytes: Uint8Array; contentType: string; filename: string }> {
  const run = await stores.runs.getRun(runId);
  const cp =
    version === undefined
      ? await stores.runs.latestCheckpoint(runId)
      : await stores.runs.getCheckpoint(runId, version);
  if (cp === undefined) throw new EdgefedError('NOT_FOUND', `Run ${runId} has no model yet`);
  const bytes = await stores.blobs.get(cp.hash);
  if (format === 'weights') {
    return {
      bytes,
      contentType: 'application/vnd.edgefed.tensors',
      filename: `${runId}-v${cp.version}.eftm`,
    };
  }
  const spec = resolveModelSpec((run.config as { model: RunConfig['model'] }).model, stores.models);
  const params = decodeTensorMap(bytes, { copy: true });
  const onnx =
    spec.onnx === undefined
      ? exportInferenceModel(spec, 'softmax-cross-entropy', params).onnx
      : exportImportedModel(fromBase64(spec.onnx.model), params);
  return {
    bytes: onnx,
    contentType: 'application/octet-stream',
    filename: `${runId}-v${cp.version}.onnx`,
  };
}
