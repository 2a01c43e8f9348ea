/**
 * MetricsMeter: turns run metrics (loss mean, correct count, row count) and host-side
 * example counts into `FitProgress` events, with throughput per event window and per epoch.
 */
import type { FitProgress } from './trainer-types.js';

/** Metrics read back from one run. */
export interface ReadMetrics {
  /** Mean loss over the run's real rows. */
  readonly loss: number;
  readonly count: number;
  readonly correct: number | undefined;
}

/** Accumulates metrics of one fit call. */
export class MetricsMeter {
  private examples = 0;
  private windowExamples = 0;
  private windowStart = performance.now();
  private epochExamples = 0;
  private epochStart = performance.now();
  private lossSum = 0;
  private count = 0;
  private correct = 0;
  private hasCorrect = false;

  /** Real examples trained on so far. */
  get total(): number {
    return this.examples;
  }

  /** Records `n` real examples trained on (counted on the host, read or not). */
  addExamples(n: number): void {
    this.examples += n;
    this.windowExamples += n;
    this.epochExamples += n;
  }

  /** A `step` event for the metrics of a read run; starts a new throughput window. */
  stepEvent(m: ReadMetrics, step: number, epoch: number): FitProgress {
    this.lossSum += m.loss * m.count;
    this.count += m.count;
    if (m.correct !== undefined) {
      this.correct += m.correct;
      this.hasCorrect = true;
    }
    const now = performance.now();
    const sps = rate(this.windowExamples, now - this.windowStart);
    this.windowExamples = 0;
    this.windowStart = now;
    const base = {
      type: 'step' as const,
      step,
      epoch,
      loss: m.loss,
      examples: this.examples,
      samplesPerSecond: sps,
    };
    return m.correct === undefined
      ? base
      : { ...base, accuracy: m.count > 0 ? m.correct / m.count : Number.NaN };
  }

  /** The `epoch` event over the runs read since the last one; resets the epoch totals. */
  epochEvent(step: number, epoch: number): FitProgress {
    const now = performance.now();
    const base = {
      type: 'epoch' as const,
      step,
      epoch,
      loss: this.count > 0 ? this.lossSum / this.count : Number.NaN,
      examples: this.examples,
      samplesPerSecond: rate(this.epochExamples, now - this.epochStart),
    };
    const event = this.hasCorrect
      ? { ...base, accuracy: this.count > 0 ? this.correct / this.count : Number.NaN }
      : base;
    this.lossSum = 0;
    this.count = 0;
    this.correct = 0;
    this.epochExamples = 0;
    this.epochStart = now;
    this.windowStart = now;
    this.windowExamples = 0;
    return event;
  }
}

function rate(n: number, ms: number): number {
  return ms > 0 ? (n * 1000) / ms : 0;
}
