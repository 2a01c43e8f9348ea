/**
 * Models for text federations: the text presets are functions of the vocabulary size and
 * window length, so they are resolved against the data (`char-lstm` and `char-transformer`
 * from `@edgefed/shared`); a spec object is taken as given.
 */
import { charLstm, charTransformer, EdgefedError, parseModelSpec, type ModelSpec } from '@edgefed/shared';

/**
 * Text presets by name: `(vocabularySize, sequenceLength) => spec`. `char-lstm` is the
 * FedAvg paper's Shakespeare model (embedding 8, two LSTM layers of 256); `char-transformer`
 * a small causal transformer whose context is the window length. Both also serve word-level
 * data (the "characters" are then word ids).
 */
export const TEXT_MODEL_PRESETS: Readonly<
  Record<string, (vocabularySize: number, sequenceLength: number) => ModelSpec>
> = {
  'char-lstm': (v, t) => charLstm(v, t),
  'char-transformer': (v, t) => charTransformer(v, t),
};

/**
 * The spec of `model` for a text dataset with `vocabularySize` tokens and windows of
 * `sequenceLength`: a text preset sized to the data, or a spec object (validated;
 * `INVALID_MODEL`). Throws `INVALID_ARGUMENT` for an unknown preset name (image presets
 * included: they do not take token windows), listing the text presets.
 */
export function resolveTextModel(
  model: string | Readonly<Record<string, unknown>>,
  vocabularySize: number,
  sequenceLength: number,
): ModelSpec {
  if (typeof model !== 'string') return parseModelSpec(model);
  const preset = TEXT_MODEL_PRESETS[model];
  if (preset === undefined) {
    throw new EdgefedError(
      'INVALID_ARGUMENT',
      `Model "${model}" is not a text model; use ${Object.keys(TEXT_MODEL_PRESETS).join(', ')} or a spec`,
      { details: { presets: Object.keys(TEXT_MODEL_PRESETS) } },
    );
  }
  return preset(vocabularySize, sequenceLength);
}
