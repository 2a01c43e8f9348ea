/**
 * @edgefed/coordinator — the federated-learning server: rounds, strategies, storage,
 * admin API and dashboard.
 */
export { EdgefedError } from '@edgefed/shared';
// --- control plane (transport) and client registry ---
export { createControlPlane, DEFAULT_CONTROL_PLANE_LIMITS } from './transport/control-plane.js';
export type {
  Authenticate,
  ClientJoinedEvent,
  ClientLeftEvent,
  ClientResumedEvent,
  ControlPlane,
  ControlPlaneLimits,
  ControlPlaneLogger,
  ControlPlaneOptions,
  ControlPlaneServer,
  InboundMessageEvent,
  InboundMessageType,
  ServerOutbound,
} from './transport/control-plane-types.js';
export { InMemoryRejectionCounter } from './transport/rejection-counter.js';
export type { RejectionCounter } from './transport/rejection-counter.js';
export { ListenerSet } from './transport/listener-set.js';
export type { Listener, Unsubscribe } from './transport/listener-set.js';
export { ClientRegistry } from './registry/client-registry.js';
export type {
  Admission,
  ClientExpiredEvent,
  ClientRecord,
  ClientRegistryOptions,
  ConnectArgs,
  ExpiryReason,
} from './registry/client-registry.js';
export { ManualClock, systemClock } from './registry/clock.js';
export type { Clock } from './registry/clock.js';
// --- end control plane ---
// --- datasets ---
export { clearDatasetCache, loadDataset, loadIdxDataset } from './datasets/load-dataset.js';
export type { LoadDatasetOptions, LoadIdxDatasetOptions } from './datasets/load-dataset.js';
export {
  checkDatasetRequest,
  DATASET_NAMES,
  DATASET_SPLITS,
  datasetFiles,
  FASHION_MNIST_DIR,
  mnistDirectory,
} from './datasets/dataset-sources.js';
export type { DatasetName, DatasetSplit, IdxFiles } from './datasets/dataset-sources.js';
export { readIdxFile } from './datasets/read-idx-file.js';
// --- end datasets ---
