/**
 * Enforces a participation policy around any LocalTrainingEngine. A {@link PolicyGate}
 * holds the latest verdict (fed from the page: visibility, battery, network); a task that
 * starts while the policy does not hold fails at once, and one in progress is aborted the
 * moment the policy stops holding. Either way the engine throws `NOT_ELIGIBLE`, which the
 * participant reports to the coordinator as an `error` for that task: a clean failure the
 * round counts, never a hang.
 */
import { EdgefedError, TypedEmitter } from '@edgefed/shared';
import type {
  EngineEvaluateOutput,
  EngineFitInput,
  EngineFitOutput,
  LocalTrainingEngine,
} from '../participant/engine.js';
import type { PolicyVerdict } from './policy.js';

/** The current policy verdict and its subscribers (on shared's {@link TypedEmitter}). */
export class PolicyGate {
  #verdict: PolicyVerdict;
  readonly #changes = new TypedEmitter<{ change: PolicyVerdict }>();

  /** Starts with `initial` (default: allowed). */
  constructor(initial: PolicyVerdict = { allowed: true, reasons: [] }) {
    this.#verdict = initial;
  }

  get verdict(): PolicyVerdict {
    return this.#verdict;
  }

  /**
   * Sets the verdict and notifies subscribers (also when unchanged), in subscription order;
   * a throwing subscriber does not stop the others.
   */
  set(verdict: PolicyVerdict): void {
    this.#verdict = verdict;
    this.#changes.emit('change', verdict);
  }

  /** Subscribes; returns the unsubscribe function. */
  onChange(listener: (verdict: PolicyVerdict) => void): () => void {
    return this.#changes.on('change', listener);
  }
}

function notEligible(verdict: PolicyVerdict): EdgefedError {
  const why = verdict.reasons.join('; ') || 'participation policy not met';
  return new EdgefedError('NOT_ELIGIBLE', `Participation policy stopped training: ${why}`, {
    details: { reasons: [...verdict.reasons] },
  });
}

/** Runs `work` with a signal that also aborts when the gate denies; maps that to NOT_ELIGIBLE. */
async function guarded<T>(
  gate: PolicyGate,
  outer: AbortSignal,
  work: (s: AbortSignal) => Promise<T>,
): Promise<T> {
  if (!gate.verdict.allowed) throw notEligible(gate.verdict);
  const controller = new AbortController();
  let denied: PolicyVerdict | undefined;
  const stop = gate.onChange((v) => {
    if (v.allowed || denied !== undefined) return;
    denied = v;
    controller.abort(notEligible(v));
  });
  const onOuter = (): void => {
    controller.abort(outer.reason);
  };
  if (outer.aborted) onOuter();
  outer.addEventListener('abort', onOuter, { once: true });
  try {
    const result = await work(controller.signal);
    if (denied !== undefined) throw notEligible(denied);
    return result;
  } catch (e) {
    if (denied !== undefined && !outer.aborted) throw notEligible(denied);
    throw e;
  } finally {
    stop();
    outer.removeEventListener('abort', onOuter);
  }
}

class PolicyEngine implements LocalTrainingEngine {
  constructor(
    private readonly inner: LocalTrainingEngine,
    private readonly gate: PolicyGate,
  ) {}

  get backend(): LocalTrainingEngine['backend'] {
    return this.inner.backend;
  }

  get exampleCount(): number {
    return this.inner.exampleCount;
  }

  fit(input: EngineFitInput): Promise<EngineFitOutput> {
    return guarded(this.gate, input.signal, (signal) => this.inner.fit({ ...input, signal }));
  }

  evaluate(input: Parameters<LocalTrainingEngine['evaluate']>[0]): Promise<EngineEvaluateOutput> {
    return guarded(this.gate, input.signal, (signal) => this.inner.evaluate({ ...input, signal }));
  }

  dispose(): Promise<void> {
    return this.inner.dispose();
  }
}

/**
 * Wraps `engine` so fit and evaluate run only while `gate` allows. A task started while
 * denied throws `NOT_ELIGIBLE` without touching the engine; a task running when the gate
 * turns to denied is aborted through its signal and throws `NOT_ELIGIBLE` (even if the
 * engine finished in the same tick, its result is dropped). Aborts from the participant
 * (cancel, stop) pass through unchanged.
 */
export function withPolicy(engine: LocalTrainingEngine, gate: PolicyGate): LocalTrainingEngine {
  return new PolicyEngine(engine, gate);
}
