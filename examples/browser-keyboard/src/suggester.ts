/**
 * Keyboard suggestions from the current global model, computed in the page with
 * onnxruntime-web (wasm, one thread): the model's self-contained attention graph
 * (`compileAttentionGraph`: the inference graph with the global parameters baked in, plus
 * the softmax attention weights of its last attention layer, averaged over heads) predicts
 * the next character after the typed context; the three most likely characters are each
 * extended greedily, in one batch, until the word ends — the word completions a keyboard
 * shows. The attention row of the last typed position says which earlier characters that
 * prediction attended to. Nothing is sent.
 */
import type { InferenceSession, Tensor as OrtTensor } from 'onnxruntime-web';
import { compileAttentionGraph, topKCorrect, type Dataset, type TensorMap } from '@edgefed/shared';
import {
  encodeText,
  KEYBOARD_CONTEXT,
  KEYBOARD_VOCABULARY,
  keyboardModel,
  type KeyboardModelSize,
} from './keyboard-model.js';

type Ort = typeof import('onnxruntime-web');

/** What the keyboard shows for a context. */
export interface Suggestions {
  /** The top-3 next characters with their probabilities. */
  readonly nextChars: readonly { readonly char: string; readonly p: number }[];
  /** Up to three completions of the current word (or next words after a space). */
  readonly words: readonly string[];
  /** The part of the current word already typed. */
  readonly partial: string;
  /**
   * What the next-character prediction attended to: the last (up to T) characters of the
   * context and the attention weight of each (mean over heads of the last attention
   * layer; they sum to 1). Empty without a model.
   */
  readonly attention: { readonly chars: readonly string[]; readonly weights: readonly number[] };
}

const V = KEYBOARD_VOCABULARY.size;
const T = KEYBOARD_CONTEXT;
const MAX_WORD = 14;
const isLetter = (ch: string): boolean => /^[a-z'#-]$/.test(ch);

function topK(probs: Float32Array, offset: number, k: number): number[] {
  const ids = Array.from({ length: V }, (_, i) => i);
  ids.sort((a, b) => (probs[offset + b] ?? 0) - (probs[offset + a] ?? 0));
  return ids.slice(0, k);
}

/** Suggestions from a model; {@link Suggester.setModel} swaps in each new global model. */
export class Suggester {
  #session: InferenceSession | undefined;
  #busy: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly ort: Ort,
    private readonly size: KeyboardModelSize,
  ) {}

  /** Loads onnxruntime-web (wasm files from `wasmPaths`) for the `size` keyboard model. */
  static async create(size: KeyboardModelSize, wasmPaths: string): Promise<Suggester> {
    const ort = await import('onnxruntime-web');
    ort.env.wasm.numThreads = 1;
    ort.env.wasm.wasmPaths = wasmPaths;
    return new Suggester(ort, size);
  }

  /** Whether a model is loaded. */
  get ready(): boolean {
    return this.#session !== undefined;
  }

  /** Compiles the attention graph with `parameters` baked in and makes it current. */
  async setModel(parameters: TensorMap): Promise<void> {
    const graph = compileAttentionGraph(keyboardModel(this.size), { head: 'mean' }, parameters);
    const session = await this.ort.InferenceSession.create(graph.onnx, { executionProviders: ['wasm'] });
    const old = this.#session;
    this.#session = session;
    await this.#busy.catch(() => undefined);
    await old?.release();
  }

  async #probabilities(rows: readonly Int32Array[]): Promise<Float32Array> {
    return (await this.#run(rows)).probabilities;
  }

  /** Next-character probabilities [rows, T, V] and attention weights [rows, T, T]. */
  async #run(rows: readonly Int32Array[]): Promise<{ probabilities: Float32Array; attention: Float32Array }> {
    const session = this.#session;
    if (session === undefined) return { probabilities: new Float32Array(0), attention: new Float32Array(0) };
    const x = new Float32Array(rows.length * T);
    rows.forEach((r, i) => {
      x.set(Float32Array.from(r.subarray(Math.max(0, r.length - T))), i * T);
    });
    const run = session.run({ x: new this.ort.Tensor('float32', x, [rows.length, T]) });
    this.#busy = run;
    const out = await run;
    const data = (t: OrtTensor | undefined): Float32Array =>
      t === undefined ? new Float32Array(0) : (t.data as Float32Array);
    return { probabilities: data(out.probabilities), attention: data(out.attention) };
  }

  /** Where row `r`'s prediction for the token after its last one sits in the output. */
  static #lastOffset(row: Int32Array, r: number): number {
    return (r * T + Math.min(row.length, T) - 1) * V;
  }

  /** Top-3 next characters and word completions after `typed` (empty without a model). */
  async suggest(typed: string): Promise<Suggestions> {
    const ids = encodeText(typed.length === 0 ? ' ' : typed);
    const context = ids.length === 0 ? Int32Array.of(0) : ids;
    const text = Array.from(
      context.subarray(Math.max(0, context.length - T)),
      (i) => KEYBOARD_VOCABULARY.chars[i] ?? '',
    );
    const partial = /[a-z'#-]*$/.exec(text.join(''))?.[0] ?? '';
    const { probabilities: probs, attention } = await this.#run([context]);
    if (probs.length === 0)
      return { nextChars: [], words: [], partial, attention: { chars: [], weights: [] } };
    const first = topK(probs, Suggester.#lastOffset(context, 0), 3);
    // Row of the last context position (the query whose output predicts the next character).
    const last = text.length - 1;
    const weights = Array.from(attention.subarray(last * T, last * T + text.length));
    const nextChars = first.map((id) => ({
      char: KEYBOARD_VOCABULARY.chars[id] ?? '',
      p: probs[id + Suggester.#lastOffset(context, 0)] ?? 0,
    }));
    return {
      nextChars,
      words: await this.#complete(context, first, partial),
      partial,
      attention: { chars: text, weights },
    };
  }

  async #complete(context: Int32Array, first: number[], partial: string): Promise<string[]> {
    const rows = first.map((id) =>
      Int32Array.of(...context.subarray(Math.max(0, context.length - T + 1)), id),
    );
    const words = first.map((id) => partial + (KEYBOARD_VOCABULARY.chars[id] ?? ''));
    const open = words.map((w) => isLetter(w.slice(-1)));
    for (let step = 0; step < MAX_WORD && open.some(Boolean); step++) {
      const probs = await this.#probabilities(rows);
      rows.forEach((row, r) => {
        if (open[r] !== true) return;
        const next = topK(probs, Suggester.#lastOffset(row, r), 1)[0] ?? 0;
        const ch = KEYBOARD_VOCABULARY.chars[next] ?? ' ';
        if (!isLetter(ch)) open[r] = false;
        else {
          words[r] = (words[r] ?? '') + ch;
          rows[r] = Int32Array.of(...row.subarray(Math.max(0, row.length - T + 1)), next);
        }
      });
    }
    const cleaned = words.map((w) => w.replace(/[^a-z'#-]+$/, '')).filter((w) => w !== '');
    return [...new Set(cleaned)];
  }

  /**
   * Top-3 next-character accuracy of the current model on held-out windows (positions
   * labelled -1 do not count): how often the right key is among the three suggested.
   */
  async heldOutTop3(data: Dataset): Promise<number> {
    const rows = Array.from({ length: data.size }, (_, i) =>
      Int32Array.from(data.features.subarray(i * T, (i + 1) * T)),
    );
    const probs = await this.#probabilities(rows);
    if (probs.length === 0) return Number.NaN;
    const { correct, count } = topKCorrect(probs, data.labels, V, 3);
    return count === 0 ? Number.NaN : correct / count;
  }
}
