/**
 * Shared by the sequence-model WebGPU test and its browser page: tiny char-LSTM, char-GRU
 * and char-transformer training graphs, seeded feeds, and a loop that runs a few
 * training steps on any runtime through a small `run` function.
 */
import {
  charLstm,
  charTransformer,
  compileModel,
  createPrng,
  initParameters,
  type CompiledModel,
  type ModelSpec,
} from '@edgefed/shared';

/** A float32 feed or fetch. */
export interface Plain {
  readonly dims: readonly number[];
  readonly data: Float32Array;
}

/** Runs one training step: feeds in, outputs out. */
export type StepRunner = (feeds: Record<string, Plain>) => Promise<Record<string, Plain>>;

/** What one model's run returns. */
export interface SeqResult {
  readonly losses: number[];
  readonly params: Record<string, number[]>;
}

const V = 11;
const T = 6;
const B = 4;

/** The tiny sequence models, by name. */
export const SEQ_MODELS: Readonly<Record<string, ModelSpec>> = {
  lstm: {
    ...charLstm(V, T),
    layers: charLstm(V, T).layers.map((l) => (l.type === 'lstm' ? { ...l, units: 8 } : l)),
  },
  gru: {
    input: { shape: [T] },
    layers: [
      { type: 'embedding', vocabSize: V, dim: 4 },
      { type: 'gru', units: 8, returnSequences: true },
      { type: 'dense', units: V },
    ],
  },
  transformer: {
    ...charTransformer(V, T),
    layers: charTransformer(V, T)
      .layers.filter((l, i) => l.type !== 'transformerBlock' || i === 2)
      .map((l) => (l.type === 'embedding' ? { ...l, dim: 16 } : l)),
  },
};

/** Compiles one of {@link SEQ_MODELS} for the test (SGD, B = 4). */
export function compileSeq(name: string): CompiledModel {
  const spec = SEQ_MODELS[name];
  if (spec === undefined) throw new Error(`unknown model ${name}`);
  return compileModel(spec, { loss: 'softmax-cross-entropy', optimizer: { type: 'sgd' }, batchSize: B });
}

/** Runs `steps` SGD steps (lr 0.1) on seeded token windows; the last token of row 0 is padding. */
export async function trainSeq(model: CompiledModel, run: StepRunner, steps: number): Promise<SeqResult> {
  const rng = createPrng(3);
  const init = initParameters(model.parameters, 7);
  const feeds: Record<string, Plain> = {};
  for (const p of model.parameters)
    feeds[p.name] = { dims: p.shape, data: Float32Array.from(init.get(p.name)?.data ?? []) };
  feeds.lr = { dims: [], data: Float32Array.of(0.1) };
  feeds.mask = { dims: [B], data: new Float32Array(B).fill(1) };
  const losses: number[] = [];
  for (let s = 0; s < steps; s++) {
    const ids = Array.from({ length: B * (T + 1) }, () => rng.nextInt(V));
    const x = new Float32Array(B * T);
    const y = new Float32Array(B * T * V);
    for (let i = 0; i < B; i++)
      for (let t = 0; t < T; t++) {
        x[i * T + t] = ids[i * (T + 1) + t] ?? 0;
        if (i !== 0 || t !== T - 1) y[(i * T + t) * V + (ids[i * (T + 1) + t + 1] ?? 0)] = 1;
      }
    feeds.x = { dims: [B, T], data: x };
    feeds.y = { dims: [B, T, V], data: y };
    const out = await run(feeds);
    losses.push(out.loss?.data[0] ?? Number.NaN);
    for (const p of model.parameters) {
      const v = out[`${p.name}.new`];
      if (v !== undefined) feeds[p.name] = v;
    }
  }
  const params: Record<string, number[]> = {};
  for (const p of model.parameters) params[p.name] = Array.from(feeds[p.name]?.data ?? []);
  return { losses, params };
}
