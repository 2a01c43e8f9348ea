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
