/**
 * Training FLOPs per example of a model spec (dense and conv layers; other layers are
 * negligible): forward 2*MACs, backward 4*MACs (input and weight gradients), so 6*MACs in
 * all — the usual estimate. Used for the benchmark's "fraction of the ceiling".
 */
import { planModel } from '@edgefed/shared';

function pair(v: number | readonly [number, number] | undefined, d: number): [number, number] {
  if (v === undefined) return [d, d];
  return typeof v === 'number' ? [v, v] : [v[0], v[1]];
}

/** Forward multiply-accumulates per example for a sequential spec of dense/conv/pool layers. */
export function forwardMacs(specInput: unknown): number {
  const { spec } = planModel(specInput);
  let shape = [...spec.input.shape];
  let macs = 0;
  for (const l of spec.layers) {
    if (l.type === 'dense') {
      const inSize = shape.at(-1) ?? 1;
      macs += shape.slice(0, -1).reduce((a, b) => a * b, 1) * inSize * l.units;
      shape = [...shape.slice(0, -1), l.units];
    } else if (l.type === 'conv2d') {
      const [c, h, w] = [shape[0] ?? 1, shape[1] ?? 1, shape[2] ?? 1];
      const [kh, kw] = pair(l.kernelSize, 1);
      const [sh, sw] = pair(l.strides, 1);
      const same = l.padding === 'same';
      const oh = same ? Math.ceil(h / sh) : Math.floor((h - kh) / sh) + 1;
      const ow = same ? Math.ceil(w / sw) : Math.floor((w - kw) / sw) + 1;
      macs += oh * ow * l.filters * (c / (l.groups ?? 1)) * kh * kw;
      shape = [l.filters, oh, ow];
    } else if (l.type === 'maxPool2d' || l.type === 'avgPool2d') {
      const [ph, pw] = pair(l.poolSize, 1);
      const [sh, sw] = pair(l.strides, ph);
      shape = [
        shape[0] ?? 1,
        Math.floor(((shape[1] ?? 1) - ph) / sh) + 1,
        Math.floor(((shape[2] ?? 1) - pw) / sw) + 1,
      ];
    } else if (l.type === 'flatten') {
      shape = [shape.reduce((a, b) => a * b, 1)];
    }
  }
  return macs;
}

/** Training FLOPs per example: 6 x forward MACs. */
export function trainingFlopsPerExample(spec: unknown): number {
  return 6 * forwardMacs(spec);
}
