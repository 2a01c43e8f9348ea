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
export {
  ensureTextCorpora,
  ensureTextCorpus,
  hasTextCorpus,
  installTextCorpus,
  TEXT_CORPORA,
  TEXT_CORPUS_NAMES,
  textCorpusCacheDir,
  textCorpusDirectory,
  textCorpusTarballName,
} from './datasets/text-corpora.js';
export type { ProvisionOptions, TextCorpusName, TextCorpusPackage } from './datasets/text-corpora.js';
export { loadTextFederation, readTextDocuments } from './datasets/load-text.js';
export { readTar } from './datasets/tar-reader.js';
export type { TarEntry } from './datasets/tar-reader.js';
export { resolveTextModel, TEXT_MODEL_PRESETS } from './datasets/text-models.js';
// --- end datasets ---
// --- store (RunStore, BlobStore) ---
export { createMemoryRunStore } from './store/memory-run-store.js';
export type { MemoryRunStoreOptions } from './store/memory-run-store.js';
export { openSqliteRunStore, RUN_STORE_SCHEMA_VERSION } from './store/sqlite-run-store.js';
export type { SqliteRunStoreOptions } from './store/sqlite-run-store.js';
export { openPgRunStore, PG_RUN_STORE_SCHEMA_VERSION } from './store/pg-run-store.js';
export type { PgRunStoreOptions } from './store/pg-run-store.js';
export { openPgBlobStore } from './store/pg-blob-store.js';
export type { PgBlobStoreOptions } from './store/pg-blob-store.js';
export type { PgConnectionOptions } from './store/pg-connection.js';
export type { RunStoreClockOptions } from './store/table-run-store.js';
export type {
  CommitRoundInput,
  CommitRoundResult,
  FenceOptions,
  RoundCheckpointInput,
  RoundMetricInput,
  RunStore,
  UpdateRunOptions,
  WriteFence,
} from './store/run-store.js';
export { fenceRunStore } from './store/fenced-run-store.js';
export { CLIENT_OUTCOMES, METRIC_SCOPES, ROUND_STATES, RUN_STATUSES } from './store/records.js';
export type {
  CheckpointInput,
  CheckpointRecord,
  ClientOutcomeFields,
  ClientOutcomeInput,
  ClientOutcomeKind,
  ClientOutcomeRecord,
  ClientSessionInput,
  ClientSessionRecord,
  CreateRunInput,
  ListClientOutcomesOptions,
  ListMetricsOptions,
  ListRunsOptions,
  MetricInput,
  MetricPoint,
  MetricScope,
  RoundInput,
  RoundKey,
  RoundPatch,
  RoundRecord,
  RoundState,
  RunPatch,
  RunRecord,
  RunStatus,
} from './store/records.js';
export type { JsonObject, JsonValue, MetricMap } from './store/json.js';
export { createMemoryBlobStore } from './store/memory-blob-store.js';
export { openFsBlobStore } from './store/fs-blob-store.js';
export type { FsBlobStoreOptions } from './store/fs-blob-store.js';
export type { BlobInfo, BlobRange, BlobStore, GetBlobOptions } from './store/blob-store.js';
export { isSha256Hex, sha256Hex } from './store/hash.js';
export {
  createMemoryModelLibrary,
  isOnnxModelRef,
  MAX_ONNX_MODEL_BYTES,
  onnxModelRefSchema,
  openModelLibrary,
} from './store/model-library.js';
export type { ModelLibrary, ModelLibraryBackend, OnnxModelRef } from './store/model-library.js';
export type { ModelEntry, ModelSummary } from './store/model-entry.js';
export { openFsModelLibrary } from './store/fs-model-library.js';
export { openPgModelLibrary, type PgModelLibraryOptions } from './store/pg-model-library.js';
export type { FsModelLibraryOptions } from './store/fs-model-library.js';
// --- end store ---
// --- coordinator server, rounds, config, auth ---
export { createCoordinator } from './server/coordinator.js';
export type { Coordinator, CoordinatorOptions } from './server/coordinator.js';
export { openStores } from './server/open-stores.js';
export type { Stores } from './server/open-stores.js';
export { exportModel, initialParameters, resolveModelSpec, validateModel } from './server/model-support.js';
export { coordinatorConfigSchema } from './config/schema.js';
export type { CoordinatorConfig, CoordinatorConfigInput } from './config/schema.js';
export { loadConfig, mergeConfig } from './config/load.js';
export type { ConfigSources } from './config/load.js';
export { adminTokenMatches, createJoinToken, verifyJoinToken } from './auth/join-token.js';
export type { CreateJoinTokenOptions, JoinClaims } from './auth/join-token.js';
export { resolveSecrets } from './auth/secrets.js';
export type { Secrets } from './auth/secrets.js';
export { parseRunConfig, runConfigSchema, trainingConfigSchema } from './rounds/run-config.js';
export type { RunConfig, RunConfigInput } from './rounds/run-config.js';
export { RUN_PHASES } from './rounds/run-events.js';
export type { RunEvent, RunPhase } from './rounds/run-events.js';
export { RunManager } from './rounds/run-manager.js';
export type { CreateRunRequest } from './rounds/run-manager.js';
export { RunRunner } from './rounds/run-runner.js';
export { checkClusterRun } from './rounds/cluster-config.js';
export type { ClusterRunCheck } from './rounds/cluster-config.js';
export { finishClusterRound, PartialFold } from './rounds/partial-fold.js';
export type { ClusterRoundInput, FoldResult, PartialFoldOptions } from './rounds/partial-fold.js';
export { admitResult } from './rounds/result-admission.js';
export type { AdmitInput, AdmittedResult } from './rounds/result-admission.js';
export type { RoundContext } from './rounds/round-context.js';
export type {
  CentralEvaluator,
  ModelCatalog,
  Participants,
  RunClock,
  RunServices,
  RunStorage,
  RunTelemetry,
  UpdateDecoder,
} from './rounds/run-services.js';
export { ROUND_EVENTS, ROUND_TRANSITIONS, transition } from './rounds/round-machine.js';
export type { RoundEffect, RoundEvent, Transition } from './rounds/round-machine.js';
export type {
  CompletedOutcome,
  FailedOutcome,
  RunTasksOptions,
  TaskGateway,
  TaskOutcome,
  TaskSpec,
} from './rounds/task-gateway.js';
export { SocketTaskGateway } from './transport/socket-task-gateway.js';
export { createMetrics } from './observability/metrics.js';
export type { CoordinatorMetrics } from './observability/metrics.js';
export { createLogger, memoryLogger, silentLogger } from './observability/logger.js';
export type { Logger } from './observability/logger.js';
// --- end coordinator server ---
// --- simulation (Node only: runs @edgefed/client fleets) ---
export { runSimulation } from './simulation/run-simulation.js';
export type { RunSimulationOptions, SimulationProgress } from './simulation/run-simulation.js';
export {
  defaultModelName,
  isTextDataset,
  parseSimulationConfig,
  simulationConfigSchema,
  toRunConfig,
} from './simulation/simulation-config.js';
export type { SimulationConfig, SimulationConfigInput } from './simulation/simulation-config.js';
export type {
  PartitionReportJson,
  RoundRecord as SimulationRoundRecord,
  SimulationResult,
  SimulationTotals,
} from './simulation/simulation-result.js';
export { CSV_COLUMNS, writeSimulationOutputs } from './simulation/write-outputs.js';
export { createCentralEvaluator } from './simulation/central-evaluator.js';
export { loadTextSimulationData } from './simulation/simulation-text-data.js';
export type { TextSimulationData } from './simulation/simulation-text-data.js';
export { createSaliencySampler } from './simulation/saliency-sampler.js';
export type { SaliencySample, SaliencySampler } from './simulation/saliency-sampler.js';
export type { CentralEvaluatorOptions } from './simulation/central-evaluator.js';
// --- end simulation ---
// --- cluster (several coordinator nodes on one Redis; docs/deploy.md) ---
export { connectRedis } from './cluster/redis-connection.js';
export type { RedisConnectOptions } from './cluster/redis-connection.js';
export { parseRedisUrl, redactRedisUrl } from './cluster/redis-url.js';
export { RunLeases } from './cluster/run-lease.js';
export type { LeaseGrant, LeaseHolder, RunLeasesOptions } from './cluster/run-lease.js';
export { HeldLease } from './cluster/held-lease.js';
export type { HeldLeaseOptions } from './cluster/held-lease.js';
export { NodeRegistry } from './cluster/node-registry.js';
export type { ClusterNode, NodeRegistryOptions } from './cluster/node-registry.js';
export { joinCluster, defaultNodeId } from './cluster/cluster.js';
export type { ClusterConfig, ClusterNodeHandle, ClusterView } from './cluster/cluster.js';
export type { RunGate, RunLeaseHandle } from './rounds/run-gate.js';
