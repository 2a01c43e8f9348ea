/**
 * The entries of the cluster's task-routing streams (issue #16), with their strict parsing.
 * Two streams per node: `<prefix>tasks:<nodeId>` carries what a run's leader asks of the
 * node hosting its clients (`batch`, `close`, `collect`), `<prefix>results:<nodeId>` what
 * hosts answer the node as leader (`outcome`, `partial`, `refused`). Each entry has two
 * fields, `type` and `m` (JSON). Only ids, hashes, task specs and per-client outcomes travel:
 * never model weights or updates (models go over HTTP by content hash, partial aggregates
 * through the shared BlobStore by hash). A malformed entry parses to an `INVALID_MESSAGE`
 * EdgefedError, which the reader logs and drops.
 */
import { EdgefedError, type ErrorCode, type Metrics } from '@edgefed/shared';
import type { TaskSpec } from '../rounds/task-gateway.js';

/** How the host folds a batch's fit results (absent: outcomes are relayed, evaluate only). */
export interface FoldParams {
  readonly modelHash: string;
  readonly maxExampleWeight: number;
  readonly clipNorm: number | null;
}

/** Leader -> host: run these tasks on your local clients. */
export interface BatchEntry {
  readonly type: 'batch';
  readonly batch: string;
  readonly leader: string;
  readonly runId: string;
  readonly round: number;
  readonly epoch: number;
  readonly fold: FoldParams | null;
  readonly tasks: TaskSpec[];
}

/** Leader -> host: the batch is closed; cancel its open tasks. */
export interface CloseEntry {
  readonly type: 'close';
  readonly batch: string;
  readonly code: ErrorCode;
  readonly message: string;
}

/** Leader -> host: close the batch and answer with your partial. */
export interface CollectEntry {
  readonly type: 'collect';
  readonly batch: string;
}

/** Host -> leader: what became of one task. */
export interface OutcomeEntry {
  readonly type: 'outcome';
  readonly batch: string;
  readonly node: string;
  readonly taskId: string;
  readonly status: 'folded' | 'completed' | 'rejected' | 'failed' | 'dropped';
  readonly exampleCount?: number;
  readonly metrics?: Metrics;
  readonly clamped?: boolean;
  readonly code?: ErrorCode;
  readonly message?: string;
  readonly bytesUp: number;
}

/** Host -> leader: the batch's partial aggregate is in the BlobStore under `hash` (null: empty). */
export interface PartialEntry {
  readonly type: 'partial';
  readonly batch: string;
  readonly node: string;
  readonly hash: string | null;
}

/** Host -> leader: the batch was refused as a whole (stale epoch, unknown run, bad entry). */
export interface RefusedEntry {
  readonly type: 'refused';
  readonly batch: string;
  readonly node: string;
  readonly code: ErrorCode;
  readonly message: string;
}

export type ToHostEntry = BatchEntry | CloseEntry | CollectEntry;
export type ToLeaderEntry = OutcomeEntry | PartialEntry | RefusedEntry;

/** The stream a node reads tasks from. */
export const tasksKey = (prefix: string, nodeId: string): string => `${prefix}tasks:${nodeId}`;
/** The stream a node reads its batches' results from. */
export const resultsKey = (prefix: string, nodeId: string): string => `${prefix}results:${nodeId}`;

/** The XADD arguments after the key: capped stream, auto id, the two fields. */
export function entryArgs(entry: ToHostEntry | ToLeaderEntry): string[] {
  return ['MAXLEN', '~', '10000', '*', 'type', entry.type, 'm', JSON.stringify(entry)];
}

function bad(message: string): never {
  throw new EdgefedError('INVALID_MESSAGE', `Malformed cluster stream entry: ${message}`);
}

const isStr = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length <= 512;
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function body(fields: readonly string[]): Record<string, unknown> {
  let type: string | undefined;
  let m: string | undefined;
  for (let i = 0; i + 1 < fields.length; i += 2) {
    if (fields[i] === 'type') type = fields[i + 1];
    if (fields[i] === 'm') m = fields[i + 1];
  }
  if (type === undefined || m === undefined) bad('no type or m field');
  let parsed: unknown;
  try {
    parsed = JSON.parse(m);
  } catch {
    bad('m is not JSON');
  }
  if (!isObj(parsed) || parsed.type !== type) bad('m does not match its type');
  if (!isStr(parsed.batch)) bad('no batch id');
  return parsed;
}

function checkTask(t: unknown): TaskSpec {
  if (!isObj(t)) bad('a task is not an object');
  for (const k of ['taskId', 'clientId', 'runId', 'modelHash', 'modelUrl'] as const) {
    if (!isStr(t[k])) bad(`task.${k} is missing`);
  }
  for (const k of ['round', 'modelVersion', 'deadline'] as const) if (!isNum(t[k])) bad(`task.${k}`);
  if (t.kind !== 'fit' && t.kind !== 'evaluate') bad('task.kind');
  if (typeof t.modelSpec !== 'string' || !isObj(t.hyperParameters) || !isObj(t.config)) bad('task body');
  return t as unknown as TaskSpec;
}

/** Parses an entry of a node's tasks stream; throws `INVALID_MESSAGE`. */
export function parseToHost(fields: readonly string[]): ToHostEntry {
  const m = body(fields);
  if (m.type === 'close') {
    if (!isStr(m.code) || typeof m.message !== 'string') bad('close without code');
    return m as unknown as CloseEntry;
  }
  if (m.type === 'collect') return m as unknown as CollectEntry;
  if (m.type !== 'batch') bad(`unknown type ${String(m.type)}`);
  if (!isStr(m.leader) || !isStr(m.runId) || !isNum(m.round) || !isNum(m.epoch)) bad('batch header');
  if (!Array.isArray(m.tasks) || m.tasks.length === 0) bad('batch without tasks');
  const tasks = m.tasks.map(checkTask);
  if (tasks.some((t) => t.runId !== m.runId || t.round !== m.round)) bad('a task of another run or round');
  const fold = m.fold;
  if (fold !== null) {
    if (!isObj(fold) || !isStr(fold.modelHash) || !isNum(fold.maxExampleWeight)) bad('fold');
    if (fold.clipNorm !== null && !isNum(fold.clipNorm)) bad('fold.clipNorm');
  }
  return { ...(m as unknown as BatchEntry), tasks };
}

const STATUSES = new Set(['folded', 'completed', 'rejected', 'failed', 'dropped']);

/** Parses an entry of a node's results stream; throws `INVALID_MESSAGE`. */
export function parseToLeader(fields: readonly string[]): ToLeaderEntry {
  const m = body(fields);
  if (!isStr(m.node)) bad('no node');
  if (m.type === 'partial') {
    if (m.hash !== null && !(typeof m.hash === 'string' && /^[0-9a-f]{64}$/.test(m.hash))) bad('hash');
    return m as unknown as PartialEntry;
  }
  if (m.type === 'refused') {
    if (!isStr(m.code) || typeof m.message !== 'string') bad('refused without code');
    return m as unknown as RefusedEntry;
  }
  if (m.type !== 'outcome') bad(`unknown type ${String(m.type)}`);
  if (!isStr(m.taskId) || typeof m.status !== 'string' || !STATUSES.has(m.status)) bad('outcome');
  if (!isNum(m.bytesUp)) bad('outcome.bytesUp');
  if (m.status === 'folded' || m.status === 'completed') {
    if (!isNum(m.exampleCount) || (m.metrics !== undefined && !isObj(m.metrics))) bad('outcome result');
  } else if (!isStr(m.code) || typeof m.message !== 'string') bad('outcome without code');
  return m as unknown as OutcomeEntry;
}
