/**
 * Browser entry of the saliency WebGPU test (bundled by webgpu-saliency.test.ts): runs the
 * saliency and integrated-gradients graphs on onnxruntime-web's native WebGPU provider with
 * placement logging on, and returns their outputs.
 */
import * as ort from 'onnxruntime-web/webgpu';
import { saliencyCases } from './saliency-feeds.js';

async function runOnGpu(name: string): Promise<Record<string, number[]>> {
  const c = saliencyCases()[name];
  if (c === undefined) throw new Error(`no case ${name}`);
  const session = await ort.InferenceSession.create(c.onnx, {
    executionProviders: ['webgpu'],
    graphOptimizationLevel: 'all',
    logSeverityLevel: 0,
    logVerbosityLevel: 0,
  });
  const feeds: Record<string, ort.Tensor> = {};
  for (const [k, v] of Object.entries(c.feeds)) feeds[k] = new ort.Tensor('float32', v.data, [...v.dims]);
  const out = await session.run(feeds);
  const res: Record<string, number[]> = {};
  for (const [k, v] of Object.entries(out)) res[k] = [...((await v.getData()) as Float32Array)];
  await session.release();
  return res;
}

(globalThis as { edgefedSaliency?: typeof runOnGpu }).edgefedSaliency = runOnGpu;
