/**
 * `@edgefed/client/testing`: the conformance suites of the client's pluggable parts, for
 * third-party implementations to prove themselves against: `backendConformance` for a
 * TrainingBackend, `engineConformance` for a LocalTrainingEngine. Runner-agnostic (named
 * async cases that throw on failure), so they run under any test runner in Node and inside
 * a browser page (WebGPU). Kept out of the main entry so applications do not ship test code.
 */
export { backendConformance } from './backend-conformance.js';
export type { BackendConformanceOptions, BackendFactory } from './backend-conformance.js';
export {
  ENGINE_TEST_SIZE,
  ENGINE_TRAIN_SIZE,
  engineConformance,
  engineConformanceData,
} from './engine-conformance.js';
export type { EngineConformanceOptions, EngineData, EngineFactory } from './engine-conformance.js';
export type { ConformanceCase } from './check.js';
