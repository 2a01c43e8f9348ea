/**
 * Messages a participant sends to the coordinator: `hello`, `result`, `upload-chunk`,
 * `progress` (the secure-aggregation ones are in secagg-messages.ts). (`error` and
 * `heartbeat` go both ways; see common-messages.ts.)
 */
import { z } from 'zod';
import {
  binarySchema,
  checksumSchema,
  countSchema,
  idSchema,
  metricsSchema,
  positiveCountSchema,
} from './fields.js';

/** What a participant can do; sent in `hello`, kept by the coordinator's registry. */
export const capabilitiesSchema = z.object({
  runtime: z.enum(['browser', 'node', 'react-native', 'worker']),
  backend: z.enum(['webgpu', 'wasm', 'node', 'unknown']),
  /** Local training examples available (0 allowed: evaluation-only or not yet loaded). */
  exampleCount: countSchema,
  deviceClass: z.enum(['desktop', 'mobile', 'server', 'virtual', 'unknown']),
  /** False when the device should not train now (battery, metered network, user choice). */
  eligible: z.boolean(),
  clientVersion: z.string().min(1).max(64),
  /** Largest model the device accepts, in bytes. */
  maxModelBytes: positiveCountSchema.optional(),
  /**
   * True when the participant implements secure aggregation (the SecAgg+ phases of
   * protocol 1.3.0). Absent or false: never selected for a secure run.
   */
  secureAggregation: z.boolean().optional(),
});

/**
 * `hello`: the first message on every connection. `protocolVersion` is checked before the
 * rest of the message (so a peer of another major version gets PROTOCOL_VERSION, not
 * INVALID_MESSAGE). `resumeToken` asks to keep the identity of an earlier connection.
 */
export const helloSchema = z.object({
  type: z.literal('hello'),
  protocolVersion: z.string().min(1).max(64),
  token: z.string().min(1).max(4096),
  resumeToken: z.string().min(1).max(256).optional(),
  capabilities: capabilitiesSchema,
});

/** Where an uploaded update lies: the chunks already sent with `payloadId`. */
export const updateRefSchema = z.object({
  payloadId: idSchema,
  byteLength: positiveCountSchema,
  chunkCount: positiveCountSchema,
  /** Checksum of the whole payload (all chunks concatenated). */
  checksum: checksumSchema,
});

/**
 * `result`: a finished task. `update` is required for `fit` and absent for `evaluate`
 * (the coordinator checks that against the task kind). Acknowledged.
 */
export const resultSchema = z.object({
  type: z.literal('result'),
  taskId: idSchema,
  runId: idSchema,
  round: countSchema,
  exampleCount: countSchema,
  metrics: metricsSchema,
  update: updateRefSchema.optional(),
});

/**
 * `upload-chunk`: one piece of an update payload, sent before the `result` that refers to
 * it. `checksum` covers this chunk's `data` only. Acknowledged; a chunk larger than the
 * `maxChunkBytes` limit from `welcome` is rejected with PAYLOAD_TOO_LARGE.
 */
export const uploadChunkSchema = z
  .object({
    type: z.literal('upload-chunk'),
    taskId: idSchema,
    payloadId: idSchema,
    index: countSchema,
    count: positiveCountSchema,
    /** Size of every chunk but the last (the last holds the rest). */
    chunkBytes: positiveCountSchema,
    totalBytes: positiveCountSchema,
    /** Checksum of this chunk's `data`. */
    checksum: checksumSchema,
    /** Checksum of the whole payload; the same in every chunk of the payload. */
    payloadChecksum: checksumSchema,
    data: binarySchema,
  })
  .refine((m) => m.index < m.count, { message: 'index must be < count', path: ['index'] })
  .refine((m) => m.data.byteLength <= m.totalBytes, {
    message: 'chunk is larger than totalBytes',
    path: ['data'],
  });

/** `progress`: optional training progress for a running task. */
export const progressSchema = z.object({
  type: z.literal('progress'),
  taskId: idSchema,
  step: countSchema,
  totalSteps: positiveCountSchema.optional(),
  loss: z.number().optional(),
});

/** Participant capabilities. */
export type Capabilities = z.infer<typeof capabilitiesSchema>;
/** A parsed `hello`. */
export type HelloMessage = z.infer<typeof helloSchema>;
/** Reference to an uploaded update payload. */
export type UpdateRef = z.infer<typeof updateRefSchema>;
/** A parsed `result`. */
export type ResultMessage = z.infer<typeof resultSchema>;
/** A parsed `upload-chunk` (data always a Uint8Array). */
export type UploadChunkMessage = z.infer<typeof uploadChunkSchema>;
/** An `upload-chunk` as a sender may write it (data may be an ArrayBuffer). */
export type UploadChunkInput = z.input<typeof uploadChunkSchema>;
/** A parsed `progress`. */
export type ProgressMessage = z.infer<typeof progressSchema>;
