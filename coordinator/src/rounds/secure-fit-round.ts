/**
 * One secure (SecAgg+) training round attempt. Like fit-round.ts it selects with the
 * strategy, sends fit tasks and collects outcomes through the TaskGateway, but the update
 * never reaches the coordinator in the clear:
 *
 * 1. advertise (deadline `advertiseTimeoutMs`): selected clients send their public keys;
 *    the roster goes to everyone who advertised;
 * 2. share keys (`shareTimeoutMs`): clients send encrypted shares; the coordinator routes
 *    the opaque ciphertexts into one inbox per recipient;
 * 3. masked upload (`roundDeadlineMs`): each client uploads its masked uint32 vector with the
 *    ordinary chunked upload and `result` of its fit task;
 * 4. unmask (`unmaskTimeoutMs`): survivors send the shares that remove the masks;
 *    `SecAggServer.finish` gives the sum, `dequantizeMean` the weighted mean, and only that
 *    mean reaches the strategy, through `Strategy.aggregateMean` (never `aggregateFit`).
 *
 * Each phase closes as soon as every client still expected has answered or dropped, and at
 * its deadline at the latest. The unmask phase closes as soon as its outcome is decided
 * (unmask-progress.ts): the answers in hand rebuild every secret, or some secret can no
 * longer be rebuilt because too many of its holders are gone (the relay's `onGone`, or a
 * request that could not be sent); a survivor that silently stops answering then costs
 * nothing when the others suffice. Too few survivors (`SECAGG_TOO_FEW_SURVIVORS`, at the roster or
 * at the unmasking) or too few contributors for the strategy (`QUORUM_NOT_MET`) fail the
 * attempt with the outcomes so far in `details`, and the runner retries it like any other.
 */
import {
  EdgefedError,
  SecAggServer,
  createPrng,
  dequantizeMean,
  toEdgefedError,
  type EncryptedShare,
  type FitPlan,
  type TensorMap,
} from '@edgefed/shared';
import {
  buildTasks,
  declaredCounts,
  type FitRoundFailureDetails,
  type FitRoundInput,
  type FitRoundResult,
} from './fit-round.js';
import { PhaseGate } from './phase-gate.js';
import type { RoundContext } from './round-context.js';
import { SecureRoundState } from './secure-round-state.js';
import type { SecureRunConfig } from './secure-config.js';
import type { SecAggRelay, TaskOutcome, TaskSpec } from './task-gateway.js';

/** The flat length of a model (number of float32 values). */
function modelLength(global: TensorMap): number {
  let n = 0;
  for (const t of global.values()) n += t.data.length;
  return n;
}

/** Selects among the clients that can do secure aggregation only; caps at `maxClients`. */
function plan(ctx: RoundContext, input: FitRoundInput, sc: SecureRunConfig): FitPlan {
  const rng = createPrng(ctx.config.seed * 1_000_003 + input.round * 101 + input.attempt);
  const capable = ctx.services.participants.gateway
    .candidates(ctx.runId)
    .filter((c) => c.capabilities?.secureAggregation === true);
  const p = ctx.strategy.configureFit({
    round: input.round,
    availableClients: capable,
    globalVersion: String(input.modelVersion),
    rng,
  });
  const clientIds = p.clientIds.slice(0, sc.maxClients);
  return { ...p, clientIds, targetResults: Math.min(p.targetResults, clientIds.length) };
}

/** Runs one secure fit round attempt; see the file comment. */
export async function runSecureFitRound(ctx: RoundContext, input: FitRoundInput): Promise<FitRoundResult> {
  const { services, config } = ctx;
  const sc = config.secureAggregation;
  const relay = services.participants.gateway.secAgg;
  if (sc === undefined || relay === undefined) {
    throw new EdgefedError('UNSUPPORTED', 'This coordinator cannot run secure-aggregation rounds');
  }
  const declared = declaredCounts(services.participants.gateway.candidates(ctx.runId));
  const p = plan(ctx, input, sc);
  await input.onPlanned(p.clientIds.length);
  const now = services.clock.now();
  const advertiseDeadline = now + sc.advertiseTimeoutMs;
  const uploadDeadline = advertiseDeadline + sc.shareTimeoutMs + config.roundDeadlineMs;
  const weighting = config.strategy.privacy === undefined ? 'examples' : 'uniform';
  const tasks: TaskSpec[] = buildTasks(ctx, input, p).map((t) => ({
    ...t,
    deadline: uploadDeadline,
    secureAggregation: {
      neighbours: sc.neighbours,
      threshold: sc.threshold,
      clipRange: sc.clipRange,
      maxWeight: sc.maxWeight,
      maxClients: sc.maxClients,
      weighting,
      advertiseDeadline,
    },
  }));
  services.downloads.register(
    { runId: ctx.runId, round: input.round, attempt: input.attempt },
    tasks.map((t) => t.taskId),
  );
  const server = new SecAggServer({
    config: sc,
    round: input.round,
    seed: crypto.getRandomValues(new Uint8Array(32)),
  });
  const gate = new PhaseGate();
  const state = new SecureRoundState({ tasks, server, poke: () => gate.poke() });
  const unregister = relay.register(
    tasks.map((t) => t.taskId),
    (clientId, message) => state.onMessage(clientId, message),
  );
  const unsubscribeGone = relay.onGone?.((clientId) => {
    state.survivorGone(clientId);
  });
  const batch = new AbortController();
  const onOuterAbort = (): void => {
    batch.abort(new EdgefedError('CANCELLED', 'round cancelled'));
  };
  input.signal.addEventListener('abort', onOuterAbort, { once: true });
  const length = modelLength(input.global);
  let bytesUp = 0;
  const consumer = (async () => {
    for await (const o of services.participants.gateway.runTasks({ tasks, signal: batch.signal })) {
      bytesUp += o.bytesUp;
      emitOutcome(ctx, input.round, o);
      state.onOutcome(o, length, declared, config.maxExampleWeight);
      if (state.uploads >= p.targetResults && state.phase === 'upload') gate.poke();
    }
  })();
  const wait = (done: () => boolean, deadline: number) =>
    gate.until({ done, deadline, signal: input.signal, now: () => services.clock.now() });
  const failure = (err: unknown): EdgefedError => {
    const e = toEdgefedError(err);
    const details: FitRoundFailureDetails = { outcomes: state.outcomes(), selected: tasks.length, bytesUp };
    return new EdgefedError(e.code, e.message, { cause: err, details: { ...details } });
  };
  try {
    await wait(() => state.allAdvertised(), advertiseDeadline);
    cancelledCheck(input.signal);
    const shareDeadline = services.clock.now() + sc.shareTimeoutMs;
    sendRoster(relay, state, input.round, shareDeadline);
    await wait(() => state.allShared(), shareDeadline);
    cancelledCheck(input.signal);
    sendInboxes(relay, state);
    await wait(() => state.allUploaded(p.targetResults), uploadDeadline);
    batch.abort(new EdgefedError('DEADLINE_EXCEEDED', 'the masked-upload phase closed'));
    await consumer;
    cancelledCheck(input.signal);
    const unmaskDeadline = services.clock.now() + sc.unmaskTimeoutMs;
    sendUnmaskRequests(relay, state, unmaskDeadline);
    await wait(() => state.allUnmasked(), unmaskDeadline);
    cancelledCheck(input.signal);
    const sum = await state.finish(length);
    const mean = dequantizeMean(sum.sum, sum.weightSum, sum.survivors.length, state.params());
    const aggregateMean = ctx.strategy.aggregateMean?.bind(ctx.strategy);
    if (aggregateMean === undefined) {
      throw new EdgefedError('UNSUPPORTED', `${ctx.strategy.name} cannot aggregate a secure mean`);
    }
    const aggregate = await aggregateMean({
      round: input.round,
      global: input.global,
      mean,
      contributors: sum.survivors.length,
      totalWeight: sum.weightSum,
      failures: state.failures(),
    });
    const metrics = {
      ...state.clientMetrics(),
      ...aggregate.metrics,
      secureAggregation: 1,
      secaggSurvivors: sum.survivors.length,
      secaggDropped: sum.dropped.length,
    };
    return {
      aggregate: { ...aggregate, metrics },
      outcomes: state.outcomes(),
      bytesUp,
      selected: tasks.length,
    };
  } catch (err) {
    throw failure(err);
  } finally {
    unregister();
    unsubscribeGone?.();
    input.signal.removeEventListener('abort', onOuterAbort);
    batch.abort(new EdgefedError('CANCELLED', 'round finished'));
    await consumer.catch(() => undefined);
    state.close();
  }
}

function cancelledCheck(signal: AbortSignal): void {
  if (signal.aborted) throw new EdgefedError('CANCELLED', 'round cancelled');
}

function emitOutcome(ctx: RoundContext, round: number, o: TaskOutcome): void {
  ctx.services.telemetry.emit({
    type: 'task-outcome',
    runId: ctx.runId,
    round,
    clientId: o.task.clientId,
    outcome: o.status,
    code: o.status === 'completed' ? null : o.code,
  });
}

function sendRoster(relay: SecAggRelay, state: SecureRoundState, round: number, deadline: number): void {
  const roster = state.closeAdvertise();
  for (const c of roster.clients) {
    const task = state.taskOf(c.clientId);
    relay.send(c.clientId, {
      type: 'secagg-roster',
      taskId: task.taskId,
      round,
      seed: roster.seed,
      params: { ...roster.params },
      clients: roster.clients.map((k) => ({ ...k })),
      deadline,
    });
  }
}

function sendInboxes(relay: SecAggRelay, state: SecureRoundState): void {
  const inboxes: Map<string, EncryptedShare[]> = state.closeShares();
  for (const clientId of state.sharers()) {
    const inbox = inboxes.get(clientId) ?? [];
    relay.send(clientId, {
      type: 'secagg-inbox',
      taskId: state.taskOf(clientId).taskId,
      shares: inbox.map((s) => ({ from: s.from, ciphertext: s.ciphertext })),
    });
  }
}

function sendUnmaskRequests(relay: SecAggRelay, state: SecureRoundState, deadline: number): void {
  const request = state.closeUploads();
  for (const clientId of request.survivors) {
    const sent = relay.send(clientId, {
      type: 'secagg-unmask-request',
      taskId: state.taskOf(clientId).taskId,
      survivors: [...request.survivors],
      dropped: [...request.dropped],
      deadline,
    });
    // not connected now: the request is lost, so it will never answer
    if (!sent) state.survivorGone(clientId);
  }
}
