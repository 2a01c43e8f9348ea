/**
 * Saliency maps of a fixed sample of the coordinator's own test images (never client
 * data) for the dashboard: the first `count` examples of the test set, each with its label,
 * the model version's prediction and the gradient of the predicted class's score with
 * respect to the image (client/runtime/saliency.ts on onnxruntime-node).
 */
import { computeSaliency, createNodeBackend } from '@edgefed/client';
import { EdgefedError, type Dataset, type TensorMap } from '@edgefed/shared';

/** One sample's map, as JSON. */
export interface SaliencySample {
  readonly index: number;
  readonly label: number;
  readonly predicted: number;
  readonly confidence: number;
  /** Per example shape, e.g. [1, 28, 28]. */
  readonly shape: readonly number[];
  readonly image: readonly number[];
  readonly saliency: readonly number[];
}

/** Computes the sample's maps for a model spec and its parameters. */
export type SaliencySampler = (spec: unknown, parameters: TensorMap) => Promise<SaliencySample[]>;

/** A sampler over the first `count` (default 8) images of `test`. */
export function createSaliencySampler(o: {
  readonly test: Dataset;
  readonly count?: number;
}): SaliencySampler {
  const count = Math.min(o.count ?? 8, o.test.size);
  if (!Number.isInteger(count) || count < 1)
    throw new EdgefedError('INVALID_ARGUMENT', 'The saliency sample needs at least one test image');
  if (o.test.labelShape.length !== 0)
    throw new EdgefedError(
      'INVALID_ARGUMENT',
      'Saliency samples need a classifier test set (one label per example)',
    );
  const size = o.test.featureSize;
  const inputs = o.test.features.slice(0, count * size);
  const backend = createNodeBackend({ intraOpNumThreads: 1 });
  return async (spec, parameters) => {
    const maps = await computeSaliency({ backend: await backend, spec, parameters, inputs });
    return maps.map((m, i) => ({
      index: i,
      label: o.test.labels[i] ?? -1,
      predicted: m.predicted,
      confidence: m.probabilities[m.predicted] ?? 0,
      shape: [...o.test.featureShape],
      image: [...inputs.subarray(i * size, (i + 1) * size)],
      saliency: [...m.saliency],
    }));
  };
}
