/**
 * StepRunner: one training-step session plus the bookkeeping of a run — feed parameters,
 * optimizer state, anchors and hyper-parameters from a shared {@link FitState}, batch
 * inputs from {@link BatchSlot}s, then carry the new parameters and state back into the
 * state (outputs fed back as inputs; the superseded tensors are disposed, which frees GPU
 * memory on device backends).
 */
import { EdgefedError, type GraphManifest } from '@edgefed/shared';
import type { BackendSession, BackendTensor } from './backend.js';
import { batchInputKind, type BatchInputKind, type BatchSlot } from './batch-slot.js';

/** Parameters, optimizer state, anchors and hyper-parameters by graph input name. */
export interface FitState {
  readonly feeds: Record<string, BackendTensor>;
}

/** The metric outputs of a run; the caller reads or disposes them. */
export interface RunMetrics {
  readonly loss: BackendTensor;
  readonly correct: BackendTensor | undefined;
  readonly count: BackendTensor;
}

interface BatchFeed {
  readonly name: string;
  readonly step: number;
  readonly kind: BatchInputKind;
}

/** Runs one compiled training-step graph. */
export class StepRunner {
  private readonly batchFeeds: BatchFeed[] = [];
  /** Output name -> input name it replaces. */
  private readonly carry = new Map<string, string>();
  readonly stepsPerRun: number;

  constructor(
    private readonly session: BackendSession,
    manifest: GraphManifest,
  ) {
    this.stepsPerRun = manifest.stepsPerRun;
    for (const e of manifest.inputs) {
      const kind = batchInputKind(e);
      if (kind !== undefined) this.batchFeeds.push({ name: e.name, step: e.step ?? 0, kind });
    }
    for (const e of manifest.outputs) {
      if (e.role === 'output-parameter' || e.role === 'output-state')
        this.carry.set(e.name, e.name.slice(0, -'.new'.length));
    }
  }

  /** Runs `slots` (exactly `stepsPerRun` of them) and updates `state` in place. */
  async run(state: FitState, slots: readonly BatchSlot[]): Promise<RunMetrics> {
    if (slots.length !== this.stepsPerRun)
      throw new EdgefedError('INTERNAL', `Expected ${this.stepsPerRun} batches, got ${slots.length}`);
    const feeds: Record<string, BackendTensor> = { ...state.feeds };
    for (const f of this.batchFeeds) {
      const slot = slots[f.step];
      if (slot === undefined) throw new EdgefedError('INTERNAL', `No slot for step ${f.step}`);
      feeds[f.name] = slot.tensor(f.kind);
    }
    const out = await this.session.run(feeds);
    for (const [output, input] of this.carry) {
      const t = out[output];
      if (t === undefined) throw new EdgefedError('TRAINING_FAILED', `Run produced no ${output}`);
      state.feeds[input]?.dispose();
      state.feeds[input] = t;
    }
    const loss = out.loss;
    const count = out.count;
    if (loss === undefined || count === undefined)
      throw new EdgefedError('TRAINING_FAILED', 'Run produced no loss/count');
    return { loss, count, correct: out.correct };
  }
}
