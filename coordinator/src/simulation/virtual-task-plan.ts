/**
 * When and how one simulated task ends in virtual time: download, train and upload at the
 * client's speeds, unless it drops out first (a seeded draw), goes offline (its online
 * windows), or runs past the deadline. A device that vanishes mid-task says nothing (an app
 * killed, a lost network), so the server learns of it only at the task's deadline: that is
 * what makes deadlines and over-selection matter. Pure arithmetic; the virtual-time gateway
 * acts on it.
 */
import type { CompressionSpec } from '@edgefed/shared';
import { offlineAt, type DeviceProfile } from './device-profiles.js';

/** How a task ends: finished, vanished mid-task, went offline, or missed the deadline. */
export type TaskEnd = 'complete' | 'dropout' | 'offline' | 'late';

/** The planned end of one task. */
export interface TaskTiming {
  readonly end: TaskEnd;
  /** Virtual second at which the server learns the outcome (the deadline for a vanished device). */
  readonly at: number;
  /** Virtual second the device stopped (dropout, offline); `at` otherwise. */
  readonly stoppedAt: number;
  /** Seconds the task would take without interruption (download + train + upload). */
  readonly duration: number;
}

/** Input of {@link planTask}. */
export interface PlanTaskInput {
  /** Virtual second the task is sent. */
  readonly start: number;
  readonly profile: DeviceProfile;
  /** Examples processed (epochs x local examples, capped by maxSteps x batch). */
  readonly workExamples: number;
  readonly examplesPerSecond: number;
  readonly downBytes: number;
  readonly upBytes: number;
  /** Seconds the task has; Infinity for none. */
  readonly deadlineSeconds: number;
  readonly dropoutRate: number;
  /** Two uniform draws in [0, 1): whether it drops out, and where in the task. */
  readonly draws: readonly [number, number];
}

/** Plans one task; see the file comment. */
export function planTask(p: PlanTaskInput): TaskTiming {
  const { profile } = p;
  const duration =
    p.downBytes / profile.downBytesPerSecond +
    p.workExamples / (p.examplesPerSecond * profile.speed) +
    p.upBytes / profile.upBytesPerSecond;
  let end: TaskEnd = 'complete';
  let at = p.start + duration;
  if (p.draws[0] < p.dropoutRate) {
    end = 'dropout';
    at = p.start + p.draws[1] * duration;
  }
  const off = offlineAt(profile.availability, p.start);
  if (off < at) {
    end = 'offline';
    at = off;
  }
  const deadline = p.start + p.deadlineSeconds;
  if (at > deadline) return { end: 'late', at: deadline, stoppedAt: deadline, duration };
  if (end !== 'complete') return { end, at: deadline, stoppedAt: at, duration };
  return { end, at, stoppedAt: at, duration };
}

/** Bytes an update of a `modelBytes` model takes after the task's `compression`. */
export function uploadBytesEstimate(modelBytes: number, compression: CompressionSpec): number {
  if (compression.method === 'fp16') return modelBytes / 2;
  if (compression.method === 'int8') return modelBytes / 4;
  // top-k sends a value and an index per kept entry
  if (compression.method === 'topk') return Math.min(1, 2 * compression.fraction) * modelBytes;
  return modelBytes;
}

/** Examples a fit task processes, from its hyper-parameters and the client's example count. */
export function workExamples(hyper: Readonly<Record<string, unknown>>, examples: number): number {
  const epochs = typeof hyper.epochs === 'number' ? hyper.epochs : 1;
  const batch = typeof hyper.batchSize === 'number' ? hyper.batchSize : 32;
  const maxSteps = typeof hyper.maxSteps === 'number' ? hyper.maxSteps : 0;
  const work = epochs * examples;
  return maxSteps > 0 ? Math.min(work, maxSteps * batch) : work;
}
