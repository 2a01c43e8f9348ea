/**
 * Browser entry of the sequence-model WebGPU test (bundled by webgpu-seq.test.ts): runs a
 * few training steps of each tiny sequence model on onnxruntime-web's native WebGPU
 * provider, with placement logging on, and returns losses and parameters.
 */
import * as ort from 'onnxruntime-web/webgpu';
import { compileSeq, trainSeq, type Plain, type SeqResult } from './seq-steps.js';

async function trainOnGpu(name: string, steps: number): Promise<SeqResult> {
  const model = compileSeq(name);
  const session = await ort.InferenceSession.create(model.trainStep.onnx, {
    executionProviders: ['webgpu'],
    graphOptimizationLevel: 'all',
    logSeverityLevel: 0,
    logVerbosityLevel: 0,
  });
  const result = await trainSeq(
    model,
    async (feeds) => {
      const ortFeeds: Record<string, ort.Tensor> = {};
      for (const [k, v] of Object.entries(feeds))
        ortFeeds[k] = new ort.Tensor('float32', v.data, [...v.dims]);
      const out = await session.run(ortFeeds);
      const res: Record<string, Plain> = {};
      for (const [k, v] of Object.entries(out))
        res[k] = { dims: [...v.dims], data: (await v.getData()) as Float32Array };
      return res;
    },
    steps,
  );
  await session.release();
  return result;
}

(globalThis as { edgefedTrainSeq?: typeof trainOnGpu }).edgefedTrainSeq = trainOnGpu;
