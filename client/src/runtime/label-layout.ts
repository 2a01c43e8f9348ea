/**
 * How a DataSource's labels map onto a compiled model's label input: `rows` one-hot rows of
 * `classes` floats per example. A classifier has one row (labels `[]`, output `[V]`); a
 * sequence model one row per position (labels `[T]`, output `[T, V]`, fed as [B, T, V]).
 */
import { EdgefedError } from '@edgefed/shared';

/** One example's label rows and the classes per row. */
export interface LabelLayout {
  readonly rows: number;
  readonly classes: number;
}

/** The data side of the check: what a DataSource (or Dataset) says about its examples. */
export interface LabelledShape {
  readonly featureSize: number;
  readonly labelShape: readonly number[];
  readonly labelSize: number;
  readonly numClasses: number;
}

const product = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);

/**
 * Checks that `data` fits a model with per-example `inputShape` and `outputShape` and
 * returns the label layout. The model output must hold `labelSize * numClasses` floats, and
 * when both the labels and the output have a position axis (`labelShape` non-empty, output
 * rank > 1), the output must be `[...labelShape, numClasses]`. Throws `SHAPE_MISMATCH`
 * (saying both sides) otherwise.
 */
export function labelLayout(
  model: { readonly inputShape: readonly number[]; readonly outputShape: readonly number[] },
  data: LabelledShape,
): LabelLayout {
  const inSize = product(model.inputShape);
  const outSize = product(model.outputShape);
  const seq = data.labelShape.length > 0 && model.outputShape.length > 1;
  const expected = [...data.labelShape, data.numClasses];
  const fits =
    data.featureSize === inSize &&
    outSize === data.labelSize * data.numClasses &&
    (!seq || expected.join(',') === model.outputShape.join(','));
  if (!fits) {
    throw new EdgefedError(
      'SHAPE_MISMATCH',
      `Data has ${data.featureSize} features and labels [${data.labelShape.join(', ')}] of ${data.numClasses} classes; ` +
        `the model takes [${model.inputShape.join(', ')}] and outputs [${model.outputShape.join(', ')}]`,
    );
  }
  return { rows: data.labelSize, classes: data.numClasses };
}
