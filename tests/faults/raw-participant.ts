/**
 * A hand-driven participant for fault and security tests: the real `connect()` API, but the
 * test decides what goes back for each task — a crafted update, a late result, nothing.
 */
import { connect, uploadPayload, type Connection } from '@edgefed/client';
import {
  PROTOCOL_VERSION,
  compressUpdate,
  crc32c,
  decodeTensorMap,
  formatCrc32c,
  encodeTensorMap,
  type Capabilities,
  type TaskMessage,
  type Tensor,
  type TensorMap,
} from '@edgefed/shared';

export const rawCapabilities: Capabilities = {
  runtime: 'node',
  backend: 'node',
  exampleCount: 50,
  deviceClass: 'virtual',
  eligible: true,
  clientVersion: PROTOCOL_VERSION,
};

/** A connection plus a queue of received tasks. */
export interface RawParticipant {
  readonly conn: Connection;
  /** The next task (one already received, or the next to arrive). */
  nextTask(): Promise<TaskMessage>;
  /** Resolves when a `cancel` for `taskId` arrives (or already arrived). */
  cancelled(taskId: string): Promise<void>;
  /** Downloads the task's global model with the join token. */
  fetchModel(task: TaskMessage): Promise<TensorMap>;
  /** Uploads `update` with the real uploader and sends the `result`; rejects with the ack's error. */
  submit(
    task: TaskMessage,
    update: TensorMap | Uint8Array,
    extra?: { exampleCount?: number; metrics?: Record<string, number> },
  ): Promise<void>;
  close(): Promise<void>;
}

/** Connects a raw participant with `token` (websocket, fast reconnects); `capabilities` overrides the hello's. */
export async function rawParticipant(
  url: string,
  token: string,
  capabilities: Partial<Capabilities> = {},
): Promise<RawParticipant> {
  const conn = await connect({
    url,
    token,
    capabilities: { ...rawCapabilities, ...capabilities },
    reconnect: { initialDelayMs: 20, maxDelayMs: 100 },
    ackTimeoutMs: 20_000,
  });
  const tasks: TaskMessage[] = [];
  const cancels = new Set<string>();
  const wake = new Set<() => void>();
  const poke = (): void => {
    for (const w of [...wake]) w();
  };
  conn.on('task', (t) => {
    tasks.push(t);
    poke();
  });
  conn.on('cancel', (c) => {
    cancels.add(c.taskId);
    poke();
  });
  const until = <T>(ready: () => T | undefined): Promise<T> =>
    new Promise((ok) => {
      const check = (): void => {
        const v = ready();
        if (v === undefined) return;
        wake.delete(check);
        ok(v);
      };
      wake.add(check);
      check();
    });
  return {
    conn,
    nextTask: () => until(() => tasks.shift()),
    cancelled: (taskId) => until(() => (cancels.has(taskId) ? true : undefined)).then(() => undefined),
    async fetchModel(task) {
      const res = await fetch(task.modelUrl, { headers: { authorization: `Bearer ${token}` } });
      if (res.status !== 200) throw new Error(`model download: ${res.status}`);
      return decodeTensorMap(new Uint8Array(await res.arrayBuffer()));
    },
    async submit(task, update, extra = {}) {
      const payload = update instanceof Uint8Array ? update : encodeUpdate(update);
      const payloadId = `${task.taskId}.u`;
      const summary = await uploadPayload({
        connection: conn,
        taskId: task.taskId,
        payloadId,
        payload,
        maxChunkBytes: conn.welcome.limits.maxChunkBytes,
        signal: new AbortController().signal,
      });
      await conn.send({
        type: 'result',
        taskId: task.taskId,
        runId: task.runId,
        round: task.round,
        exampleCount: extra.exampleCount ?? 50,
        metrics: extra.metrics ?? { loss: 1 },
        update: {
          payloadId,
          byteLength: payload.byteLength,
          chunkCount: summary.chunkCount,
          checksum: summary.checksum,
        },
      });
    },
    close: () => conn.close(),
  };
}

/**
 * Encodes an update as participants do (compression `none`); `tamper` may then change the
 * encoded tensors — e.g. plant a NaN, which the compressor itself would refuse.
 */
export function encodeUpdate(update: TensorMap, tamper?: (encoded: Map<string, Tensor>) => void): Uint8Array {
  const compressed = compressUpdate(update, { method: 'none' });
  tamper?.(compressed);
  return encodeTensorMap(compressed);
}

/** A checksum string for `data` as the wire wants it. */
export function checksumOf(data: Uint8Array): string {
  return formatCrc32c(crc32c(data));
}
