/**
 * @edgefed/client/node — Node-only parts of the client (worker-thread fleets of virtual
 * participants for simulations). Kept out of the main entry so browser bundles of
 * `@edgefed/client` never see `node:worker_threads` or `node:os`.
 */
export { startFleet } from './fleet/fleet.js';
export type { Fleet, FleetOptions, FleetStats } from './fleet/fleet.js';
export type { SecAggDropSpec, WorkerStats } from './fleet/fleet-messages.js';
export { datasetFromShared, shareDataset, sharePartition } from './fleet/shared-dataset.js';
export type { SharedDataset, SharedPartition } from './fleet/shared-dataset.js';
export { createVirtualEngine } from './fleet/virtual-engine.js';
export type { VirtualEngineOptions, VirtualSlot } from './fleet/virtual-engine.js';
export { TrainerPool } from './fleet/trainer-pool.js';
export { SharedModelCache } from './fleet/shared-model-cache.js';
export { spawnModuleWorker } from './fleet/spawn-worker.js';
export type { SpawnWorkerOptions } from './fleet/spawn-worker.js';
// --- fleet: in-process transport and training throughput ---
export { DEFAULT_STEPS_PER_RUN } from './fleet/fleet.js';
export type { FleetTransport } from './fleet/fleet.js';
// --- end fleet: in-process transport ---
// --- fleet: simulated attacks (issue #15) ---
export { ATTACK_KINDS, attackParameters, chooseAttackers, flippedLabels } from './fleet/attack.js';
export type { AttackKind, AttackSpec } from './fleet/attack.js';
export { backdoorClientData, backdoorTestSet, stampTrigger, TRIGGER_SIZE } from './fleet/backdoor.js';
export type { BackdoorSpec } from './fleet/backdoor.js';
