/**
 * The coordinator's ModelCatalog: a run's initial parameters and client spec come from
 * model-support.ts; download URLs point at the HTTP data plane (`/models/<hex hash>`) and
 * name the task that asks, so each download is counted in that task's round.
 */
import type { ModelCatalog } from '../rounds/run-services.js';
import { initialParameters, modelSpecJson } from './model-support.js';

/** A catalog whose URLs start with `baseUrl()` (read per task: known only after `listen`). */
export function createModelCatalog(baseUrl: () => string): ModelCatalog {
  return {
    initialParameters,
    specJson: modelSpecJson,
    url: (hexHash, taskId) => `${baseUrl()}/models/${hexHash}?task=${encodeURIComponent(taskId)}`,
  };
}
