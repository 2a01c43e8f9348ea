/**
 * A drawing as an MNIST digit, prepared the way MNIST's digits were (LeCun et al.): the
 * ink's bounding box is scaled, keeping its aspect ratio, to fit a 20x20 box (area
 * averaging, so strokes keep their grey anti-aliased edges), then placed in a 28x28 image
 * so that the centre of mass of its pixels sits at the image centre. Values are in [0, 1]
 * (0 = background), as the example's shards feed the model. Also: how much of a saliency
 * map's energy lies inside the ink's bounding box (what the end-to-end test checks).
 */

/** Side of the model's input image. */
export const MNIST_SIDE = 28;
/** Side of the box the digit is scaled into. */
const BOX = 20;

/** A grey-scale image: `width * height` values in [0, 1], row after row. */
export interface InkImage {
  readonly width: number;
  readonly height: number;
  readonly data: Float32Array;
}

/** The bounding box of values above `threshold` (inclusive bounds), or undefined when there are none. */
export function inkBox(
  img: InkImage,
  threshold = 0.05,
): { x0: number; y0: number; x1: number; y1: number } | undefined {
  let x0 = img.width;
  let y0 = img.height;
  let x1 = -1;
  let y1 = -1;
  for (let y = 0; y < img.height; y++)
    for (let x = 0; x < img.width; x++) {
      if ((img.data[y * img.width + x] ?? 0) <= threshold) continue;
      x0 = Math.min(x0, x);
      y0 = Math.min(y0, y);
      x1 = Math.max(x1, x);
      y1 = Math.max(y1, y);
    }
  return x1 < 0 ? undefined : { x0, y0, x1, y1 };
}

/** Area-averaged resampling of the box [x0, x0 + w) x [y0, y0 + h) of `img` to `ow` x `oh`. */
function resample(
  img: InkImage,
  box: { x0: number; y0: number; w: number; h: number },
  ow: number,
  oh: number,
) {
  const out = new Float32Array(ow * oh);
  const sx = box.w / ow;
  const sy = box.h / oh;
  for (let oy = 0; oy < oh; oy++)
    for (let ox = 0; ox < ow; ox++) {
      const fx0 = box.x0 + ox * sx;
      const fy0 = box.y0 + oy * sy;
      let sum = 0;
      for (let y = Math.floor(fy0); y < Math.ceil(fy0 + sy); y++) {
        const wy = Math.min(y + 1, fy0 + sy) - Math.max(y, fy0);
        for (let x = Math.floor(fx0); x < Math.ceil(fx0 + sx); x++) {
          const wx = Math.min(x + 1, fx0 + sx) - Math.max(x, fx0);
          sum += wx * wy * (img.data[y * img.width + x] ?? 0);
        }
      }
      out[oy * ow + ox] = sum / (sx * sy);
    }
  return out;
}

/**
 * The 28x28 MNIST input of a drawing (784 values in [0, 1]); all zeros when nothing is
 * drawn. A drawing smaller than the 20x20 box is not enlarged past 20 pixels on its long
 * side; a thin stroke (a "1") keeps its aspect ratio.
 */
export function toMnistInput(img: InkImage): Float32Array {
  const out = new Float32Array(MNIST_SIDE * MNIST_SIDE);
  const box = inkBox(img);
  if (box === undefined) return out;
  const w = box.x1 - box.x0 + 1;
  const h = box.y1 - box.y0 + 1;
  const side = Math.max(w, h);
  const ow = Math.max(1, Math.round((BOX * w) / side));
  const oh = Math.max(1, Math.round((BOX * h) / side));
  const digit = resample(img, { x0: box.x0, y0: box.y0, w, h }, ow, oh);
  let mass = 0;
  let cx = 0;
  let cy = 0;
  digit.forEach((v, i) => {
    mass += v;
    cx += v * (i % ow);
    cy += v * Math.floor(i / ow);
  });
  // Shift so the centre of mass lands on the centre of the 28x28 image (clamped inside).
  const left = Math.min(MNIST_SIDE - ow, Math.max(0, Math.round(MNIST_SIDE / 2 - 0.5 - cx / mass)));
  const top = Math.min(MNIST_SIDE - oh, Math.max(0, Math.round(MNIST_SIDE / 2 - 0.5 - cy / mass)));
  for (let y = 0; y < oh; y++)
    for (let x = 0; x < ow; x++) out[(top + y) * MNIST_SIDE + left + x] = Math.min(1, digit[y * ow + x] ?? 0);
  return out;
}

/**
 * Where a saliency map's energy (sum of squared values) lies relative to the ink of `input`
 * (both 28x28): the share inside the ink's bounding box, and the box's share of the image's
 * area. A map that looks at the strokes has `inside` well above `area` (and above 1/2 for a
 * digit of ordinary size); an untrained CNN's SmoothGrad map spreads out (`inside` ~ `area`).
 */
export function saliencyInsideInk(
  input: ArrayLike<number>,
  saliency: ArrayLike<number>,
): { inside: number; area: number } {
  const data = Float32Array.from(input);
  const box = inkBox({ width: MNIST_SIDE, height: MNIST_SIDE, data });
  if (box === undefined) return { inside: 0, area: 0 };
  let total = 0;
  let inside = 0;
  for (let i = 0; i < MNIST_SIDE * MNIST_SIDE; i++) {
    const v = (saliency[i] ?? 0) ** 2;
    const x = i % MNIST_SIDE;
    const y = Math.floor(i / MNIST_SIDE);
    total += v;
    if (x >= box.x0 && x <= box.x1 && y >= box.y0 && y <= box.y1) inside += v;
  }
  const area = ((box.x1 - box.x0 + 1) * (box.y1 - box.y0 + 1)) / (MNIST_SIDE * MNIST_SIDE);
  return { inside: total === 0 ? 0 : inside / total, area };
}
