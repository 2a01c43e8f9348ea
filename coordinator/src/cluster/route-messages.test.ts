/**
 * The routing streams' entries: what a node writes parses back to the same entry, and every
 * malformed entry (missing fields, bad JSON, a type that disagrees with its body, tasks of
 * another run, an outcome without its code, a hash that is not hex SHA-256) is refused with
 * `INVALID_MESSAGE` instead of reaching the host or the leader.
 */
import { describe, expect, it } from 'vitest';
import { isEdgefedError } from '@edgefed/shared';
import {
  entryArgs,
  parseToHost,
  parseToLeader,
  type BatchEntry,
  type OutcomeEntry,
} from './route-messages.js';

const task = {
  taskId: 't1',
  clientId: 'c1',
  runId: 'r1',
  round: 2,
  kind: 'fit' as const,
  modelVersion: 1,
  modelHash: 'sha256:ab',
  modelUrl: 'http://n/models/ab',
  hyperParameters: { epochs: 1 },
  modelSpec: '{}',
  config: {},
  deadline: 1e12,
};
const batch: BatchEntry = {
  type: 'batch',
  batch: 'b1',
  leader: 'node-a',
  runId: 'r1',
  round: 2,
  epoch: 3,
  fold: { modelHash: 'ab', maxExampleWeight: 1000, clipNorm: null },
  tasks: [task],
};
const outcome: OutcomeEntry = {
  type: 'outcome',
  batch: 'b1',
  node: 'node-b',
  taskId: 't1',
  status: 'folded',
  exampleCount: 12,
  metrics: { loss: 0.3 },
  clamped: false,
  bytesUp: 99,
};

/** The fields XADD stores (entryArgs minus the MAXLEN and id arguments). */
const fields = (e: Parameters<typeof entryArgs>[0]): string[] => entryArgs(e).slice(4);
const raw = (type: string, m: unknown): string[] => ['type', type, 'm', JSON.stringify(m)];

function code(f: () => unknown): string | undefined {
  try {
    f();
  } catch (err) {
    return isEdgefedError(err) ? err.code : 'not an EdgefedError';
  }
  return undefined;
}

describe('routing stream entries', () => {
  it('round-trip', () => {
    expect(parseToHost(fields(batch))).toEqual(batch);
    expect(parseToHost(fields({ type: 'collect', batch: 'b1' }))).toEqual({ type: 'collect', batch: 'b1' });
    expect(parseToLeader(fields(outcome))).toEqual(outcome);
    const partial = { type: 'partial' as const, batch: 'b1', node: 'node-b', hash: 'a'.repeat(64) };
    expect(parseToLeader(fields(partial))).toEqual(partial);
  });

  it('refuses malformed entries with INVALID_MESSAGE', () => {
    const bad: (() => unknown)[] = [
      () => parseToHost(['type', 'batch']),
      () => parseToHost(['type', 'batch', 'm', '{nope']),
      () => parseToHost(raw('close', batch)),
      () => parseToHost(raw('batch', { ...batch, tasks: [] })),
      () => parseToHost(raw('batch', { ...batch, tasks: [{ ...task, runId: 'other' }] })),
      () => parseToHost(raw('batch', { ...batch, tasks: [{ ...task, kind: 'train' }] })),
      () => parseToHost(raw('batch', { ...batch, epoch: 'x' })),
      () => parseToHost(raw('batch', { ...batch, fold: { modelHash: 'ab' } })),
      () => parseToHost(raw('nope', { type: 'nope', batch: 'b1' })),
      () => parseToLeader(raw('outcome', { ...outcome, node: undefined })),
      () => parseToLeader(raw('outcome', { ...outcome, status: 'lost' })),
      () => parseToLeader(raw('outcome', { ...outcome, status: 'failed' })),
      () => parseToLeader(raw('outcome', { ...outcome, exampleCount: 'many' })),
      () => parseToLeader(raw('partial', { type: 'partial', batch: 'b1', node: 'n', hash: '../etc' })),
    ];
    expect(bad.map(code)).toEqual(bad.map(() => 'INVALID_MESSAGE'));
  });
});
