/**
 * @edgefed/client/browser — the browser entry: a participant that trains in a Web Worker
 * on WebGPU (wasm fallback), with a participation policy, IndexedDB device state and the
 * transparency log. Nothing here imports Node built-ins or onnxruntime-node.
 */
export { EdgefedError } from '@edgefed/shared';
export {
  createBrowserParticipant,
  createBrowserParticipant as createParticipant,
} from './browser-participant.js';
export type { BrowserParticipant, BrowserParticipantOptions } from './browser-participant.js';
export { BrowserEvents } from './browser-events.js';
export type { BrowserParticipantEventMap } from './browser-events.js';
export { chooseBackend, checkBackendPreference } from './backend-choice.js';
export type { BackendChoice, BackendPreference, ChooseBackendOptions } from './backend-choice.js';
export { checkPolicy, evaluatePolicy } from './policy.js';
export type { DeviceConditions, PagePolicy, ParticipationPolicy, PolicyVerdict } from './policy.js';
export { PolicyGate, withPolicy } from './policy-engine.js';
export { withLocalEvaluation } from './evaluating-engine.js';
export type { LocalEvaluation } from './evaluating-engine.js';
export { watchDeviceConditions } from './device-conditions.js';
export type { ConditionsWatcher } from './device-conditions.js';
export { DEFAULT_STORE_NAME, forgetDevice, openDeviceStore } from './device-store.js';
export type { DeviceIdentity, DeviceStore, DeviceStoreOptions, SavedSession } from './device-store.js';
export { hostParticipant } from './participant-host.js';
export type { FromHost, HostReady, HostStartOptions, MessageEndpoint, ToHost } from './worker-protocol.js';
export { createDataSource } from '../data/in-memory-data-source.js';
export { computeSaliency } from '../runtime/saliency.js';
export type { SaliencyMap, SaliencyOptions } from '../runtime/saliency.js';
export { TransparencyLog } from '../participant/transparency-log.js';
export type { SentRecord } from '../participant/transparency-log.js';
export type { Participant } from '../participant/participant.js';
export type { ParticipantEventMap } from '../participant/participant-events.js';
