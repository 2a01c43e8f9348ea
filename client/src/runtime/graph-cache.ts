/**
 * Caches of compiled models and loaded sessions, so a participant that trains many rounds
 * (or a simulation with many trainers on one backend) compiles and loads each graph once.
 * Keys: the spec's JSON, the compile options and the batch size; sessions also per backend.
 */
import { compileModel, type CompiledModel, type CompileOptions } from '@edgefed/shared';
import type { BackendSession, SessionCreateOptions, TrainingBackend } from './backend.js';

/** Which graph of a compiled model. */
export type GraphChoice = 'trainStep' | 'evaluation' | 'inference';

const MAX_COMPILED = 32;
const compiled = new Map<string, CompiledModel>();
const sessions = new WeakMap<TrainingBackend, Map<string, Promise<BackendSession>>>();

function keyOf(spec: unknown, options: CompileOptions): string {
  return JSON.stringify([spec, options]);
}

/**
 * `compileModel(spec, options)`, memoised (the most recent 32 results). Throws what
 * `compileModel` throws (not cached).
 */
export function compileCached(spec: unknown, options: CompileOptions): CompiledModel {
  const key = keyOf(spec, options);
  const hit = compiled.get(key);
  if (hit !== undefined) {
    compiled.delete(key);
    compiled.set(key, hit);
    return hit;
  }
  const model = compileModel(spec, options);
  compiled.set(key, model);
  if (compiled.size > MAX_COMPILED) {
    const oldest = compiled.keys().next().value;
    if (oldest !== undefined) compiled.delete(oldest);
  }
  return model;
}

/** Options for {@link sessionCached}. */
export interface CachedSessionOptions extends SessionCreateOptions {
  readonly spec: unknown;
  readonly compileOptions: CompileOptions;
  readonly graph: GraphChoice;
}

/**
 * The session for one graph of a compiled model on `backend`, created once and shared.
 * A failed creation is not cached. Sessions live until {@link releaseCachedSessions}.
 */
export function sessionCached(backend: TrainingBackend, o: CachedSessionOptions): Promise<BackendSession> {
  let perBackend = sessions.get(backend);
  if (perBackend === undefined) {
    perBackend = new Map();
    sessions.set(backend, perBackend);
  }
  const key = JSON.stringify([keyOf(o.spec, o.compileOptions), o.graph, o.deviceOutputs, o.logSeverityLevel]);
  const hit = perBackend.get(key);
  if (hit !== undefined) return hit;
  const model = compileCached(o.spec, o.compileOptions);
  const pending = backend.createSession(model[o.graph].onnx, {
    ...(o.deviceOutputs === undefined ? {} : { deviceOutputs: o.deviceOutputs }),
    ...(o.logSeverityLevel === undefined ? {} : { logSeverityLevel: o.logSeverityLevel }),
  });
  perBackend.set(key, pending);
  const map = perBackend;
  pending.catch(() => {
    if (map.get(key) === pending) map.delete(key);
  });
  return pending;
}

/** Releases every cached session of `backend` (call when no trainer uses it any more). */
export async function releaseCachedSessions(backend: TrainingBackend): Promise<void> {
  const perBackend = sessions.get(backend);
  if (perBackend === undefined) return;
  sessions.delete(backend);
  const all = await Promise.allSettled(perBackend.values());
  for (const r of all) if (r.status === 'fulfilled') await r.value.release();
}
