/**
 * A RunStore view for a run lease holder (cluster mode): every run write it makes that a
 * deposed leader must not make — `commitRound`, `saveCheckpoint`, `updateRun`,
 * `raiseFence` — carries the lease's epoch as its `fence` (a fence the caller passed is
 * replaced), so the store refuses it with `CONFLICT` once a later holder has written with a
 * higher epoch. Reads and the other writes (round records, outcomes, metrics, sessions,
 * reports) pass through unchanged. The view does not own the store: `close()` does not
 * close it.
 */
import type { RunStore, WriteFence } from './run-store.js';

/** `store` with every fenced write carrying `{ epoch }` (see the file comment). */
export function fenceRunStore(store: RunStore, epoch: number): RunStore {
  const fence: WriteFence = { epoch };
  return {
    createRun: (input) => store.createRun(input),
    getRun: (id) => store.getRun(id),
    listRuns: (options) => store.listRuns(options),
    updateRun: (id, patch, options) => store.updateRun(id, patch, { ...options, fence }),
    raiseFence: (runId) => store.raiseFence(runId, fence),
    recordRound: (input) => store.recordRound(input),
    updateRound: (key, patch) => store.updateRound(key, patch),
    getRound: (key) => store.getRound(key),
    listRounds: (runId) => store.listRounds(runId),
    recordClientOutcomes: (outcomes) => store.recordClientOutcomes(outcomes),
    recordClientOutcome: (outcome) => store.recordClientOutcome(outcome),
    listClientOutcomes: (runId, options) => store.listClientOutcomes(runId, options),
    appendMetrics: (points) => store.appendMetrics(points),
    listMetrics: (runId, options) => store.listMetrics(runId, options),
    saveCheckpoint: (input, options) => store.saveCheckpoint(input, { ...options, fence }),
    latestCheckpoint: (runId) => store.latestCheckpoint(runId),
    getCheckpoint: (runId, version) => store.getCheckpoint(runId, version),
    listCheckpoints: (runId) => store.listCheckpoints(runId),
    upsertClientSession: (input) => store.upsertClientSession(input),
    getClientSession: (clientId) => store.getClientSession(clientId),
    findClientSessionByTokenHash: (hash) => store.findClientSessionByTokenHash(hash),
    commitRound: (input) => store.commitRound({ ...input, fence }),
    putEvaluationReport: (input) => store.putEvaluationReport(input),
    listEvaluationReports: (runId, options) => store.listEvaluationReports(runId, options),
    close: () => Promise.resolve(),
  };
}
