/**
 * Browser entry of bench/webgpu-conv/run.ts (bundled by the ort page server): runs one ONNX
 * model on onnxruntime-web's native WebGPU EP and on wasm with the same input and returns
 * both outputs and the WebGPU session's placement log.
 */
import * as ort from 'onnxruntime-web/webgpu';

async function runOn(ep: 'webgpu' | 'wasm', model: Uint8Array, input: Float32Array, dims: number[]) {
  const session = await ort.InferenceSession.create(model, {
    executionProviders: [ep],
    logSeverityLevel: ep === 'webgpu' ? 0 : 3,
  });
  const out = await session.run({ x: new ort.Tensor('float32', input, dims) });
  const y = out[session.outputNames[0] ?? ''];
  const data = Array.from((await y?.getData()) as Float32Array);
  await session.release();
  return data;
}

async function compare(model: number[], input: number[], dims: number[]) {
  const m = Uint8Array.from(model);
  const x = Float32Array.from(input);
  return { webgpu: await runOn('webgpu', m, x, dims), wasm: await runOn('wasm', m, x, dims) };
}

(globalThis as { convCompare?: typeof compare }).convCompare = compare;
