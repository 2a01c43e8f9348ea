/**
 * The drawing pad of the MNIST example: a canvas the user draws a digit on with a mouse,
 * a finger or a pen (pointer events, white strokes on black like MNIST), cleared with a
 * button. It reports each finished stroke; `ink()` reads the drawing back as grey values
 * in [0, 1] for `toMnistInput`. `show()` paints a 28x28 image onto it (a held-out image
 * picked with the keyboard-usable "use one of my images" button).
 */
import type { InkImage } from './mnist-input.js';

/** Stroke width in canvas pixels: about 2 MNIST pixels after scaling 280 -> 28. */
const STROKE = 22;

/** A pad on `canvas`; `onStroke` runs after every stroke (pointer up). */
export class DrawPad {
  readonly #canvas: HTMLCanvasElement;
  readonly #ctx: CanvasRenderingContext2D;
  #last: { x: number; y: number } | undefined;

  constructor(canvas: HTMLCanvasElement, onStroke: () => void) {
    const ctx = canvas.getContext('2d', { willReadFrequently: true });
    if (ctx === null) throw new Error('2D canvas is not available');
    this.#canvas = canvas;
    this.#ctx = ctx;
    this.clear();
    canvas.style.touchAction = 'none';
    canvas.addEventListener('pointerdown', (e) => {
      canvas.setPointerCapture(e.pointerId);
      this.#last = this.#point(e);
      this.#segment(this.#last);
    });
    canvas.addEventListener('pointermove', (e) => {
      if (this.#last !== undefined) this.#segment(this.#point(e));
    });
    const end = (e: PointerEvent): void => {
      if (this.#last === undefined) return;
      this.#last = undefined;
      if (canvas.hasPointerCapture(e.pointerId)) canvas.releasePointerCapture(e.pointerId);
      onStroke();
    };
    canvas.addEventListener('pointerup', end);
    canvas.addEventListener('pointercancel', end);
  }

  #point(e: PointerEvent): { x: number; y: number } {
    const r = this.#canvas.getBoundingClientRect();
    return {
      x: ((e.clientX - r.left) * this.#canvas.width) / r.width,
      y: ((e.clientY - r.top) * this.#canvas.height) / r.height,
    };
  }

  #segment(to: { x: number; y: number }): void {
    const from = this.#last ?? to;
    const c = this.#ctx;
    c.strokeStyle = '#fff';
    c.lineWidth = STROKE;
    c.lineCap = 'round';
    c.lineJoin = 'round';
    c.beginPath();
    c.moveTo(from.x, from.y);
    c.lineTo(to.x, to.y);
    c.stroke();
    this.#last = to;
  }

  /** Paints the pad black. */
  clear(): void {
    this.#ctx.fillStyle = '#000';
    this.#ctx.fillRect(0, 0, this.#canvas.width, this.#canvas.height);
  }

  /** Paints a 28x28 image (values in [0, 1]) over the whole pad. */
  show(image: ArrayLike<number>, side = 28): void {
    const cell = this.#canvas.width / side;
    this.clear();
    for (let i = 0; i < side * side; i++) {
      const v = Math.round(255 * Math.min(1, Math.max(0, image[i] ?? 0)));
      this.#ctx.fillStyle = `rgb(${v},${v},${v})`;
      this.#ctx.fillRect((i % side) * cell, Math.floor(i / side) * cell, cell, cell);
    }
  }

  /** The drawing as grey values in [0, 1] (the red channel). */
  ink(): InkImage {
    const { width, height } = this.#canvas;
    const rgba = this.#ctx.getImageData(0, 0, width, height).data;
    const data = new Float32Array(width * height);
    for (let i = 0; i < data.length; i++) data[i] = (rgba[i * 4] ?? 0) / 255;
    return { width, height, data };
  }
}
