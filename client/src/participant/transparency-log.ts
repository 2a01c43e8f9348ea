/**
 * The transparency log: a record of exactly what this participant sent — message types,
 * tensor names, shapes and byte sizes, metrics — that an app can show its users. It never
 * holds raw examples because none are ever sent.
 */

/** One thing that left the device. */
export interface SentRecord {
  readonly at: number;
  readonly type: string;
  readonly taskId?: string;
  /** Total bytes of binary data in the message (0 for JSON-only messages). */
  readonly bytes: number;
  /** For updates: each tensor's name, shape and encoded dtype. */
  readonly tensors?: readonly {
    readonly name: string;
    readonly shape: readonly number[];
    readonly dtype: string;
  }[];
  readonly metrics?: Readonly<Record<string, number>>;
  readonly note?: string;
}

/** A bounded, append-only log of sent records. */
export class TransparencyLog {
  readonly #records: SentRecord[] = [];
  readonly #limit: number;
  #totalBytes = 0;

  constructor(limit = 1000) {
    this.#limit = limit;
  }

  add(record: SentRecord): void {
    this.#records.push(record);
    this.#totalBytes += record.bytes;
    if (this.#records.length > this.#limit) this.#records.shift();
  }

  /** The most recent records, oldest first (copies). */
  entries(): SentRecord[] {
    return [...this.#records];
  }

  /** Bytes sent since the participant started (including records that rolled off). */
  get totalBytes(): number {
    return this.#totalBytes;
  }
}
