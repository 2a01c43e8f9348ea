/**
 * ModelLibrary: the ONNX models uploaded to a coordinator (`POST /api/models`), named by
 * the SHA-256 of their bytes, and their resolution into model specs for runs whose config
 * says `"model": { "onnx": "sha256:..." }`.
 *
 * `add` validates a model by importing it (`importOnnxModel`: an unsupported op throws
 * `UNSUPPORTED_OP` naming every such node; bytes that are not ONNX `INVALID_MODEL`) and
 * refuses files over {@link MAX_ONNX_MODEL_BYTES} with `PAYLOAD_TOO_LARGE` (the spec
 * travels base64 in each task message, at most `MAX_MODEL_SPEC_CHARS`). Adding the same
 * bytes again keeps the first entry (`created: false`).
 *
 * `specFor` is synchronous because the run runner resolves a run's model synchronously:
 * every implementation keeps what it needs in memory (the file one loads its directory on
 * open and writes every upload durably before `add` resolves). With a backend other nodes
 * write too (PostgreSQL, `openPgModelLibrary`), the cache is filled on open and `refresh`
 * loads what other nodes added since; callers that can wait (listing models, creating a
 * run) refresh on a miss before answering.
 */
import { z } from 'zod';
import {
  EdgefedError,
  MAX_MODEL_SPEC_CHARS,
  importOnnxModel,
  isEdgefedError,
  onnxModelSpec,
  type ImportedModel,
  type ModelSpec,
} from '@edgefed/shared';
import { sha256Hex } from './hash.js';
import type { ModelEntry, ModelSummary } from './model-entry.js';

export type { ModelEntry, ModelSummary } from './model-entry.js';

/**
 * Largest ONNX file accepted: its base64 (4/3 of the bytes) plus the spec's JSON must fit
 * the task message's `modelSpec` limit (768 KiB), which leaves 560 KiB.
 */
export const MAX_ONNX_MODEL_BYTES = 560 * 1024;

/** A run config's reference to an uploaded model. */
export const onnxModelRefSchema = z.strictObject({
  onnx: z.string().regex(/^sha256:[0-9a-f]{64}$/, 'onnx must be "sha256:" and 64 lower-case hex characters'),
  /** Initializer names or globs kept constant (`edgefed model import --freeze`). */
  freeze: z.array(z.string().min(1).max(256)).max(256).optional(),
  /** FedBN: BatchNorm tensors stay on each client (`--local-bn`). */
  localBn: z.boolean().optional(),
});

/** `{ onnx: "sha256:...", freeze?, localBn? }`. */
export type OnnxModelRef = z.output<typeof onnxModelRefSchema>;

/** True when a run config's `model` is a reference to an uploaded model (has `onnx` as a string). */
export function isOnnxModelRef(model: unknown): boolean {
  return (
    typeof model === 'object' && model !== null && typeof (model as { onnx?: unknown }).onnx === 'string'
  );
}

/** The uploaded-model store; see the file comment. */
export interface ModelLibrary {
  /** Validates and stores `bytes`; resolves once durable. */
  add(bytes: Uint8Array, options?: { readonly name?: string }): Promise<ModelEntry & { created: boolean }>;
  /** Every model, oldest first. */
  list(): ModelEntry[];
  /** One model; `NOT_FOUND` when absent. Accepts `sha256:<hex>` or the bare hex. */
  get(hash: string): ModelEntry;
  /** The model's bytes; `NOT_FOUND` when absent. */
  bytes(hash: string): Uint8Array;
  /**
   * The spec a run trains for a reference: the file embedded with the reference's options.
   * Throws `INVALID_MODEL` for a malformed reference or an unknown hash, and what
   * `importOnnxModel` throws for options that do not fit the model.
   */
  specFor(ref: unknown): ModelSpec;
  /**
   * Loads entries added to the backend since open by other nodes (a shared backend); a
   * cheap no-op for a per-node one. Concurrent calls share one load.
   */
  refresh(): Promise<void>;
  close(): Promise<void>;
}

/** Where an implementation keeps entries and bytes (memory, or files; see the factories). */
export interface ModelLibraryBackend {
  /**
   * Entries and bytes stored, but for the hashes in `known` (loaded when the library opens,
   * and again by `refresh` with what the library already holds).
   */
  load(known?: ReadonlySet<string>): Promise<{ entry: ModelEntry; bytes: Uint8Array }[]>;
  /**
   * Stores one new model durably. A shared backend where another node stored the same
   * bytes first returns that node's entry (the first upload wins); otherwise nothing.
   */
  save(entry: ModelEntry, bytes: Uint8Array): Promise<ModelEntry | undefined>;
}

/** Import summary of an imported model. */
export function modelSummary(m: ImportedModel): ModelSummary {
  const count = (trainable: boolean): number =>
    m.parameters
      .filter((p) => (p.trainable !== false) === trainable)
      .reduce((a, p) => a + p.shape.reduce((x, y) => x * y, 1), 0);
  return {
    inputShape: [...m.inputShape],
    outputShape: [...m.outputShape],
    ops: { ...m.opCounts },
    trainableParameters: count(true),
    stateParameters: count(false),
    batchNorm: (m.opCounts.BatchNormalization ?? 0) > 0,
  };
}

/** Bare hex of `sha256:<hex>` or `<hex>`; `INVALID_ARGUMENT` otherwise. */
export function modelHashHex(hash: string): string {
  const hex = hash.startsWith('sha256:') ? hash.slice(7) : hash;
  if (!/^[0-9a-f]{64}$/.test(hex))
    throw new EdgefedError(
      'INVALID_ARGUMENT',
      `A model hash is "sha256:" and 64 lower-case hex characters, got "${hash.slice(0, 80)}"`,
    );
  return hex;
}

function importChecked(bytes: Uint8Array): ImportedModel {
  if (bytes.byteLength > MAX_ONNX_MODEL_BYTES)
    throw new EdgefedError(
      'PAYLOAD_TOO_LARGE',
      `The ONNX model is ${bytes.byteLength} bytes; at most ${MAX_ONNX_MODEL_BYTES} are accepted (its spec travels in every task message)`,
      { details: { size: bytes.byteLength, limit: MAX_ONNX_MODEL_BYTES } },
    );
  if (bytes.byteLength === 0)
    throw new EdgefedError('INVALID_MODEL', 'The upload is empty: send the ONNX file as the request body');
  try {
    return importOnnxModel(bytes);
  } catch (err) {
    // Decoder errors (CORRUPT_PAYLOAD, ...) mean the bytes are not an ONNX model at all.
    if (isEdgefedError(err) && err.code !== 'CORRUPT_PAYLOAD' && err.code !== 'TRUNCATED_PAYLOAD') throw err;
    throw new EdgefedError(
      'INVALID_MODEL',
      `Not a readable ONNX model: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
}

class Library implements ModelLibrary {
  readonly #entries = new Map<string, ModelEntry>();
  readonly #bytes = new Map<string, Uint8Array>();
  readonly #specs = new Map<string, ModelSpec>();
  readonly #backend: ModelLibraryBackend;
  readonly #now: () => Date;
  #refreshing: Promise<void> | undefined;

  constructor(backend: ModelLibraryBackend, now: () => Date) {
    this.#backend = backend;
    this.#now = now;
  }

  async open(): Promise<this> {
    await this.#load();
    return this;
  }

  async #load(): Promise<void> {
    for (const { entry, bytes } of await this.#backend.load(new Set(this.#entries.keys()))) {
      if (this.#entries.has(entry.hash)) continue;
      this.#entries.set(entry.hash, entry);
      this.#bytes.set(entry.hash, bytes);
    }
  }

  refresh(): Promise<void> {
    this.#refreshing ??= this.#load().finally(() => (this.#refreshing = undefined));
    return this.#refreshing;
  }

  async add(
    bytes: Uint8Array,
    options: { readonly name?: string } = {},
  ): Promise<ModelEntry & { created: boolean }> {
    const hash = `sha256:${sha256Hex(bytes)}`;
    const known = this.#entries.get(hash);
    if (known !== undefined) return { ...known, created: false };
    const m = importChecked(bytes);
    const name = (options.name ?? m.name).slice(0, 200);
    const entry: ModelEntry = {
      hash,
      size: bytes.byteLength,
      name,
      uploadedAt: this.#now().toISOString(),
      summary: modelSummary(m),
    };
    const copy = Uint8Array.from(bytes);
    const first = await this.#backend.save(entry, copy);
    this.#entries.set(hash, first ?? entry);
    this.#bytes.set(hash, copy);
    return { ...(first ?? entry), created: first === undefined };
  }

  list(): ModelEntry[] {
    return [...this.#entries.values()].sort((a, b) => a.uploadedAt.localeCompare(b.uploadedAt));
  }

  get(hash: string): ModelEntry {
    const key = `sha256:${modelHashHex(hash)}`;
    const e = this.#entries.get(key);
    if (e === undefined)
      throw new EdgefedError('NOT_FOUND', `No uploaded model ${key} (upload it with POST /api/models)`, {
        details: { hash: key },
      });
    return e;
  }

  bytes(hash: string): Uint8Array {
    const e = this.get(hash);
    const b = this.#bytes.get(e.hash);
    if (b === undefined) throw new EdgefedError('INTERNAL', `Model ${e.hash} has no bytes`);
    return b;
  }

  specFor(ref: unknown): ModelSpec {
    const r = onnxModelRefSchema.safeParse(ref);
    if (!r.success)
      throw new EdgefedError('INVALID_MODEL', `Invalid model reference: ${z.prettifyError(r.error)}`, {
        details: { expected: '{ "onnx": "sha256:<64 hex>", "freeze"?: [patterns], "localBn"?: boolean }' },
      });
    const key = JSON.stringify([r.data.onnx, r.data.freeze ?? [], r.data.localBn ?? false]);
    const cached = this.#specs.get(key);
    if (cached !== undefined) return cached;
    if (!this.#entries.has(r.data.onnx))
      throw new EdgefedError(
        'INVALID_MODEL',
        `The run's model ${r.data.onnx} is not uploaded to this coordinator (POST /api/models uploads one; GET /api/models lists them)`,
        { details: { hash: r.data.onnx } },
      );
    const bytes = this.bytes(r.data.onnx);
    const spec = onnxModelSpec(bytes, {
      name: this.get(r.data.onnx).name,
      ...(r.data.freeze === undefined ? {} : { freeze: r.data.freeze }),
      ...(r.data.localBn === undefined ? {} : { localBatchNorm: r.data.localBn }),
    });
    if (JSON.stringify(spec).length > MAX_MODEL_SPEC_CHARS)
      throw new EdgefedError('PAYLOAD_TOO_LARGE', `Model ${r.data.onnx} is too large for a task message`);
    this.#specs.set(key, spec);
    return spec;
  }

  close(): Promise<void> {
    this.#specs.clear();
    return Promise.resolve();
  }
}

/** Opens a library over a backend (see {@link createMemoryModelLibrary}, `openFsModelLibrary`). */
export function openModelLibrary(
  backend: ModelLibraryBackend,
  now: () => Date = () => new Date(),
): Promise<ModelLibrary> {
  return new Library(backend, now).open();
}

/** A library that keeps everything in memory (the memory store's; lost on restart). */
export function createMemoryModelLibrary(now?: () => Date): Promise<ModelLibrary> {
  const saved: { entry: ModelEntry; bytes: Uint8Array }[] = [];
  return openModelLibrary(
    {
      load: (known) => Promise.resolve(saved.filter((s) => known?.has(s.entry.hash) !== true)),
      save: (entry, bytes) => {
        saved.push({ entry, bytes });
        return Promise.resolve(undefined);
      },
    },
    now,
  );
}
