/**
 * The `backdoor` attack of `edgefed simulate --attack backdoor` (issue #15): attackers train
 * honestly on their own data in which a seeded fraction of examples carries a trigger (a
 * bright square in the bottom-right corner of the image) and is relabelled to a target
 * class. The attack success rate is the share of triggered test images of other classes
 * that the global model puts in the target class. Only for simulations.
 */
import { EdgefedError, createDataset, createPrng, type Dataset } from '@edgefed/shared';

/** Side of the square trigger, in pixels. */
export const TRIGGER_SIZE = 4;
/** Pixels between the trigger and the image's bottom-right border. */
const TRIGGER_MARGIN = 1;

/** What the backdoor needs of the attack spec. */
export interface BackdoorSpec {
  readonly targetClass: number;
  /** Fraction of each attacker's examples that are triggered and relabelled. */
  readonly poisonFraction: number;
  readonly seed: number;
}

/** Image height and width (the last two feature dimensions); channels before them. */
function imageDims(shape: readonly number[]): { h: number; w: number; channels: number } {
  const h = shape[shape.length - 2];
  const w = shape[shape.length - 1];
  if (
    shape.length < 2 ||
    h === undefined ||
    w === undefined ||
    h < TRIGGER_SIZE + TRIGGER_MARGIN ||
    w < TRIGGER_SIZE + TRIGGER_MARGIN
  )
    throw new EdgefedError(
      'INVALID_ARGUMENT',
      `The backdoor attack needs images, got examples of shape [${shape.join(', ')}]`,
    );
  return { h, w, channels: shape.slice(0, -2).reduce((a, b) => a * b, 1) };
}

/** Sets the trigger pixels of the example at `offset` (floats) to 1. */
export function stampTrigger(features: Float32Array, offset: number, shape: readonly number[]): void {
  const { h, w, channels } = imageDims(shape);
  for (let c = 0; c < channels; c++) {
    for (let y = h - TRIGGER_MARGIN - TRIGGER_SIZE; y < h - TRIGGER_MARGIN; y++) {
      for (let x = w - TRIGGER_MARGIN - TRIGGER_SIZE; x < w - TRIGGER_MARGIN; x++)
        features[offset + c * h * w + y * w + x] = 1;
    }
  }
}

function checkTarget(dataset: Dataset, target: number): void {
  if (dataset.labelSize !== 1)
    throw new EdgefedError('INVALID_ARGUMENT', 'The backdoor attack needs one label per example');
  if (!Number.isInteger(target) || target < 0 || target >= dataset.numClasses)
    throw new EdgefedError(
      'INVALID_ARGUMENT',
      `Backdoor target class ${String(target)} is not in [0, ${dataset.numClasses})`,
    );
}

/**
 * An attacker's own examples (`indices` of `dataset`) as a new dataset, with a seeded
 * `poisonFraction` of them triggered and labelled `targetClass`. Memory: the client's
 * examples only. Throws `INVALID_ARGUMENT` for non-image data or a target outside the classes.
 */
export function backdoorClientData(
  dataset: Dataset,
  indices: Uint32Array,
  spec: BackdoorSpec,
  client: number,
): Dataset {
  checkTarget(dataset, spec.targetClass);
  const f = dataset.featureSize;
  const features = new Float32Array(indices.length * f);
  const labels = new Int32Array(indices.length);
  const rng = createPrng(spec.seed * 7_919 + 31 + client);
  indices.forEach((src, i) => {
    features.set(dataset.features.subarray(src * f, src * f + f), i * f);
    labels[i] = dataset.labels[src] ?? 0;
    if (rng.nextFloat() < spec.poisonFraction) {
      stampTrigger(features, i * f, dataset.featureShape);
      labels[i] = spec.targetClass;
    }
  });
  return createDataset({
    features,
    labels,
    featureShape: dataset.featureShape,
    numClasses: dataset.numClasses,
  });
}

/**
 * The attack-success test set: every test example whose label is not `targetClass`, with the
 * trigger, labelled `targetClass` (its accuracy is the attack success rate).
 */
export function backdoorTestSet(test: Dataset, targetClass: number): Dataset {
  checkTarget(test, targetClass);
  const f = test.featureSize;
  const keep: number[] = [];
  for (let i = 0; i < test.size; i++) if (test.labels[i] !== targetClass) keep.push(i);
  const features = new Float32Array(keep.length * f);
  keep.forEach((src, i) => {
    features.set(test.features.subarray(src * f, src * f + f), i * f);
    stampTrigger(features, i * f, test.featureShape);
  });
  const labels = new Int32Array(keep.length).fill(targetClass);
  return createDataset({ features, labels, featureShape: test.featureShape, numClasses: test.numClasses });
}
