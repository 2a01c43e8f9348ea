/**
 * Field schemas shared by several protocol messages: identifiers, counters, records and
 * binary data. Receivers strip unknown object keys (forward compatibility within a major
 * version), but every known field is checked for type and range.
 */
import { z } from 'zod';

/** Longest identifier accepted anywhere on the wire. */
export const MAX_ID_LENGTH = 128;

/** A url-safe identifier: 1-128 chars of `A-Z a-z 0-9 _ - . :`. */
export const idSchema = z
  .string()
  .min(1)
  .max(MAX_ID_LENGTH)
  .regex(/^[A-Za-z0-9_.:-]+$/, 'Expected a url-safe identifier');

/** A non-negative safe integer (counts, indexes, byte sizes). */
export const countSchema = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);

/** A positive safe integer. */
export const positiveCountSchema = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);

/** A wall-clock instant in milliseconds since the Unix epoch. */
export const epochMsSchema = countSchema;

/** A checksum as `algorithm:hex`, e.g. `crc32c:1a2b3c4d` or `sha256:...`. */
export const checksumSchema = z
  .string()
  .max(160)
  .regex(/^[a-z0-9-]{1,16}:[0-9a-f]{8,128}$/, 'Expected a checksum "algorithm:hex"');

/** A bounded record key (1-128 chars). */
const keySchema = z.string().min(1).max(MAX_ID_LENGTH);

/** Metric values: finite numbers only (NaN and ±Infinity are rejected). */
export const metricsSchema = z.record(keySchema, z.number());

/** A scalar configuration value. */
export const scalarSchema = z.union([z.number(), z.string().max(4096), z.boolean()]);

/** Hyper-parameters and per-task config: flat records of finite numbers, strings or booleans. */
export const scalarRecordSchema = z.record(keySchema, scalarSchema);

/** Largest `task.modelSpec` (JSON text; an imported ONNX model is embedded base64). */
export const MAX_MODEL_SPEC_CHARS = 768 * 1024;

/**
 * Binary data as socket.io delivers it: a Uint8Array (Node `Buffer` included) or an
 * ArrayBuffer (browsers); always parsed to a Uint8Array view without copying.
 */
export const binarySchema = z
  .custom<Uint8Array | ArrayBuffer>((v) => v instanceof Uint8Array || v instanceof ArrayBuffer, {
    message: 'Expected binary data (Uint8Array or ArrayBuffer)',
  })
  .transform((v) => (v instanceof Uint8Array ? v : new Uint8Array(v)));
