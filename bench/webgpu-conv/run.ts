/**
 * Is onnxruntime-web's WebGPU Conv wrong for some input-channel counts, or our graphs?
 * Builds single-node Conv models (nothing of edgefed's compiler: one `Conv` with given
 * input channels, kernel, padding and group) and runs each on onnxruntime-node (CPU, the
 * reference) and, in headless Chromium (SwiftShader adapter), on onnxruntime-web's WebGPU EP
 * and wasm with the same seeded input. Prints one JSON line per case: the largest error of
 * each browser backend relative to the reference's largest magnitude.
 *
 *   node --conditions=@edgefed/source --import tsx bench/webgpu-conv/run.ts
 */
import { fileURLToPath } from 'node:url';
import * as ortNode from 'onnxruntime-node';
import { createPrng, encodeModel, type ModelIR } from '@edgefed/shared';
import { launchChromium } from '../../tests/support/chromium.js';
import { serveOrtPage } from '../../tests/support/ort-page-server.js';

interface Case {
  readonly cin: number;
  readonly cout: number;
  readonly k: number;
  readonly pad: number;
  readonly size: number;
}

function convModel(c: Case, seed: number): { bytes: Uint8Array; input: Float32Array; dims: number[] } {
  const rng = createPrng(seed);
  const w = Float32Array.from({ length: c.cout * c.cin * c.k * c.k }, () => rng.nextFloat() - 0.5);
  const b = Float32Array.from({ length: c.cout }, () => rng.nextFloat() - 0.5);
  const dims = [2, c.cin, c.size, c.size];
  const input = Float32Array.from({ length: dims.reduce((a, d) => a * d, 1) }, () => rng.nextFloat());
  const out = c.size + 2 * c.pad - c.k + 1;
  const model: ModelIR = {
    opsetVersion: 17,
    producerName: 'bench',
    metadata: {},
    graph: {
      name: 'conv',
      inputs: [{ name: 'x', dtype: 'float32', shape: dims }],
      outputs: [{ name: 'y', dtype: 'float32', shape: [2, c.cout, out, out] }],
      initializers: [
        { name: 'w', dtype: 'float32', shape: [c.cout, c.cin, c.k, c.k], data: w },
        { name: 'b', dtype: 'float32', shape: [c.cout], data: b },
      ],
      nodes: [
        {
          opType: 'Conv',
          name: 'conv',
          domain: '',
          inputs: ['x', 'w', 'b'],
          outputs: ['y'],
          attributes: {
            kernel_shape: { kind: 'ints', value: [c.k, c.k] },
            pads: { kind: 'ints', value: [c.pad, c.pad, c.pad, c.pad] },
            strides: { kind: 'ints', value: [1, 1] },
            dilations: { kind: 'ints', value: [1, 1] },
          },
        },
      ],
    },
  };
  return { bytes: encodeModel(model), input, dims };
}

function relErr(ref: Float32Array, got: readonly number[]): number {
  let scale = 0;
  let worst = 0;
  ref.forEach((v, i) => {
    scale = Math.max(scale, Math.abs(v));
    worst = Math.max(worst, Math.abs(v - (got[i] ?? Number.NaN)));
  });
  return got.length === ref.length ? worst / scale : Number.POSITIVE_INFINITY;
}

const cases: Case[] = [];
for (const cin of [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 14, 16, 18, 24])
  cases.push({ cin, cout: 8, k: 5, pad: 0, size: 12 });
for (const cin of [4, 6]) cases.push({ cin, cout: 8, k: 3, pad: 1, size: 12 });
cases.push({ cin: 6, cout: 16, k: 5, pad: 0, size: 14 }, { cin: 6, cout: 8, k: 1, pad: 0, size: 12 });

const server = await serveOrtPage({
  entry: fileURLToPath(new URL('./page.ts', import.meta.url)),
  title: 'webgpu conv channels',
});
const browser = await launchChromium();
try {
  const page = await browser.newPage();
  const placement: string[] = [];
  page.on('console', (m) => {
    if (/Node\(s\) placed on|placed on \[/i.test(m.text())) placement.push(m.text());
  });
  await page.goto(server.origin);
  await page.waitForFunction(() => 'convCompare' in globalThis);
  for (const [i, c] of cases.entries()) {
    const { bytes, input, dims } = convModel(c, 100 + i);
    const session = await ortNode.InferenceSession.create(bytes);
    const ref = (await session.run({ x: new ortNode.Tensor('float32', input, dims) })).y
      ?.data as Float32Array;
    const r = await page.evaluate(
      ([m, x, d]) =>
        (
          globalThis as unknown as {
            convCompare: (
              m: number[],
              x: number[],
              d: number[],
            ) => Promise<{ webgpu: number[]; wasm: number[] }>;
          }
        ).convCompare(m, x, d),
      [Array.from(bytes), Array.from(input), dims] as const,
    );
    console.log(
      JSON.stringify({
        bench: 'webgpu-conv',
        ...c,
        webgpuRelErr: Number(relErr(ref, r.webgpu).toExponential(2)),
        wasmRelErr: Number(relErr(ref, r.wasm).toExponential(2)),
      }),
    );
  }
  console.log(JSON.stringify({ bench: 'webgpu-conv', placement: placement.slice(-1) }));
} finally {
  await browser.close();
  await server.close();
}
