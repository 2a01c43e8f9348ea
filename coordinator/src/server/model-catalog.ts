/**
 * The coordinator's ModelCatalog: a run's initial parameters and client spec come from
 * model-support.ts; download URLs point at the HTTP data plane (`/models/<hex hash>`) and
 * name the task that asks, so each download is counted in that task's round.
 */
import type { ModelCatalog } from '../rounds/run-services.js';
import type { ModelLibrary } from '../store/model-library.js';
import { initialParameters, modelSpecJson, refreshForModel } from './model-support.js';

/**
 * A catalog whose URLs start with `baseUrl()` (read per task: known only after `listen`);
 * run configs that name an uploaded ONNX model resolve it in `library`.
 */
export function createModelCatalog(baseUrl: () => string, library?: ModelLibrary): ModelCatalog {
  return {
    initialParameters: (config) => initialParameters(config, library),
    specJson: (config) => modelSpecJson(config, library),
    url: (hexHash, taskId) => `${baseUrl()}/models/${hexHash}?task=${encodeURIComponent(taskId)}`,
    prepare: (config) => refreshForModel(config, library),
  };
}
