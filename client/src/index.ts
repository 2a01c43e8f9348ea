/**
 * @edgefed/client — the participant library a web app (or Node app) embeds: trains the
 * model locally and uploads only model updates.
 */
export { EdgefedError } from '@edgefed/shared';
// --- participant connection ---
export { connect } from './participant/connection.js';
export { backoffDelay, resolveBackoff } from './participant/connection-backoff.js';
export type { BackoffOptions, ResolvedBackoff } from './participant/connection-backoff.js';
export type {
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
export { formatCrc32c, uploadPayload } from './participant/uploader.js';
export type { UploadOptions, UploadSummary } from './participant/uploader.js';
// --- end participant ---
