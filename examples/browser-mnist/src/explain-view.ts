/**
 * Renders an explanation on the MNIST page: the predicted class, a probability bar per
 * class (a labelled `<meter>` each, so screen readers read them), and the saliency heatmap:
 * the 28x28 input in grey with |saliency| (scaled to the map's largest value) laid over it
 * from transparent to red-yellow.
 */
import { el, text } from '../../common/ui.js';
import type { Explanation } from './explainer.js';

/** Red-yellow "hot" colour of a weight in [0, 1]. */
function hot(w: number): [number, number, number] {
  return [255, Math.round(255 * Math.min(1, Math.max(0, 2 * w - 0.6))), 0];
}

/** Paints the input with the map over it onto `#heatmap`. */
export function drawHeatmap(input: ArrayLike<number>, saliency: ArrayLike<number>, side = 28): void {
  const canvas = el('heatmap', HTMLCanvasElement);
  const ctx = canvas.getContext('2d');
  if (ctx === null) return;
  let max = 0;
  for (let i = 0; i < side * side; i++) max = Math.max(max, Math.abs(saliency[i] ?? 0));
  const cell = canvas.width / side;
  for (let i = 0; i < side * side; i++) {
    const g = Math.round(90 * (input[i] ?? 0));
    const w = max === 0 ? 0 : Math.abs(saliency[i] ?? 0) / max;
    const [r, gg, b] = hot(w);
    const a = Math.min(1, w * 1.4);
    const mix = (c: number): number => Math.round(c * a + g * (1 - a));
    ctx.fillStyle = `rgb(${mix(r)},${mix(gg)},${mix(b)})`;
    ctx.fillRect((i % side) * cell, Math.floor(i / side) * cell, cell, cell);
  }
}

/** Fills the prediction line and the probability list. */
export function showExplanation(e: Explanation, input: ArrayLike<number>): void {
  const p = e.probabilities[e.predicted] ?? 0;
  text(
    'prediction',
    `Looks like a ${e.predicted} (${(p * 100).toFixed(1)}%), model version ${e.modelVersion}, ` +
      `computed on this device with ${e.backend} in ${Math.round(e.ms)} ms`,
  );
  const list = el('probabilities', HTMLOListElement);
  list.replaceChildren(
    ...Array.from(e.probabilities, (v, c) => {
      const item = document.createElement('li');
      const label = document.createElement('label');
      const meter = document.createElement('meter');
      meter.id = `p-${c}`;
      meter.min = 0;
      meter.max = 1;
      meter.value = v;
      label.htmlFor = meter.id;
      label.textContent = `${c}: ${(v * 100).toFixed(1)}% `;
      if (c === e.predicted) item.className = 'predicted';
      item.append(label, meter);
      return item;
    }),
  );
  drawHeatmap(input, e.saliency);
}
