/**
 * @edgefed/client — the participant library a web app (or Node app) embeds: trains the
 * model locally and uploads only model updates.
 */
export { EdgefedError } from '@edgefed/shared';
// --- participant connection ---
export { connect } from './participant/connection.js';
export { backoffDelay, resolveBackoff } from './participant/connection-backoff.js';
export type { BackoffOptions, ResolvedBackoff } from './participant/connection-backoff.js';
export { socketIoDialer } from './participant/socket-io-dialer.js';
export type {
  ChannelDialer,
  ConnectOptions,
  Connection,
  ConnectionEvents,
  SendableMessage,
  SendOptions,
} from './participant/connection-types.js';
// --- end participant connection ---
// --- participant ---
export { createParticipant } from './participant/participant.js';
export type { Participant, ParticipantOptions } from './participant/participant.js';
export type { ParticipantEventMap } from './participant/participant-events.js';
export type {
  EngineEvaluateOutput,
  EngineFitInput,
  EngineFitOutput,
  FitProgress,
  LocalTrainingEngine,
} from './participant/engine.js';
export { ModelFetcher, parseSha256, sha256Hex } from './participant/model-fetcher.js';
export type { ModelCache, ModelFetcherOptions } from './participant/model-fetcher.js';
export { TransparencyLog } from './participant/transparency-log.js';
export type { SentRecord } from './participant/transparency-log.js';
export { uploadPayload } from './participant/uploader.js';
export type { UploadOptions, UploadSummary } from './participant/uploader.js';
// --- end participant ---
// --- trainer engine ---
export { createTrainerEngine } from './participant/trainer-engine.js';
export { compileOptionsFor, defaultStepsPerRun, fitSettings } from './participant/task-settings.js';
export { cappedStepsPerRun, MAX_UNROLLED_GRAPH_BYTES } from './runtime/unroll-cap.js';
export type { TrainerEngineOptions } from './participant/trainer-engine.js';
// --- end trainer engine ---
// --- runtime: training backends, registry, trainer; local data ---
export { BACKEND_NAMES } from './runtime/backend.js';
export type {
  BackendName,
  BackendSession,
  BackendTensor,
  SessionCreateOptions,
  TrainingBackend,
} from './runtime/backend.js';
export { createNodeBackend } from './runtime/node-backend.js';
export type { NodeBackendOptions } from './runtime/node-backend.js';
export { createWasmBackend } from './runtime/wasm-backend.js';
export type { WasmBackendOptions } from './runtime/wasm-backend.js';
export { createWebGpuBackend } from './runtime/webgpu-backend.js';
export type { WebGpuBackendOptions } from './runtime/webgpu-backend.js';
export {
  BackendRegistry,
  createDefaultRegistry,
  defaultBackendRegistry,
  resolveBackend,
} from './runtime/backend-registry.js';
export type {
  BackendRegistration,
  DefaultRegistryOptions,
  ResolveBackendOptions,
} from './runtime/backend-registry.js';
export { createTrainer } from './runtime/trainer.js';
export { computeSaliency } from './runtime/saliency.js';
export type { SaliencyMap, SaliencyOptions } from './runtime/saliency.js';
export type {
  EvaluateOptions,
  EvaluateResult,
  FitOptions,
  FitProgress as TrainingProgress,
  Trainer,
  TrainerCompileOptions,
  TrainerOptions,
} from './runtime/trainer-types.js';
export { compileCached, releaseCachedSessions } from './runtime/graph-cache.js';
export { createDataSource } from './data/in-memory-data-source.js';
export type { DataSourceOptions } from './data/in-memory-data-source.js';
export type { Batch, BatchOptions, DataSource, DataSplit } from './data/data-source.js';
export { writeOneHot } from './data/one-hot.js';
export { labelLayout } from './runtime/label-layout.js';
export type { LabelLayout, LabelledShape } from './runtime/label-layout.js';
// --- end runtime ---
