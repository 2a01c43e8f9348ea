/**
 * Static check that a graph uses only what onnxruntime-web's WebGPU provider runs
 * without falling back to the CPU (see the project's facts on WebGPU op support).
 */
import type { GraphIR } from '../ir/types.js';

/** Ops that fall back to the CPU (or are removed by ORT's optimiser) on WebGPU. */
export const WEBGPU_FORBIDDEN_OPS: ReadonlySet<string> = new Set([
  'LogSoftmax',
  'OneHot',
  'Sign',
  'RandomUniformLike',
  'RandomNormalLike',
  'RandomUniform',
  'RandomNormal',
  'Dropout',
]);

/** Inputs (by op) that hold shapes, axes, pads or bounds: int64 constants are fine there. */
const SHAPE_INPUTS: Readonly<Record<string, readonly number[]>> = {
  Reshape: [1],
  Expand: [1],
  Slice: [1, 2, 3, 4],
  Pad: [1],
  ReduceSum: [1],
  Squeeze: [1],
  Unsqueeze: [1],
};

/**
 * Lists problems that would make a graph leave the GPU: forbidden ops, a MaxPool whose
 * Indices output is used, ops from other domains, and int64 values anywhere except
 * constant shape/axes inputs. An empty list means the graph is WebGPU-clean.
 */
export function findWebGpuIssues(graph: GraphIR): string[] {
  const issues: string[] = [];
  const int64Consts = new Set(graph.initializers.filter((t) => t.dtype === 'int64').map((t) => t.name));
  for (const v of [...graph.inputs, ...graph.outputs])
    if (v.dtype === 'int64') issues.push(`int64 graph value ${v.name}`);
  for (const n of graph.nodes) {
    if (WEBGPU_FORBIDDEN_OPS.has(n.opType))
      issues.push(`${n.opType} (${n.name}) falls back to CPU on WebGPU`);
    if (n.domain !== '' && n.domain !== 'ai.onnx')
      issues.push(`${n.opType} (${n.name}) is from domain ${n.domain}`);
    if (n.opType === 'MaxPool' && (n.outputs[1] ?? '') !== '')
      issues.push(`MaxPool ${n.name} uses its Indices output`);
    if (n.opType === 'Cast' && n.attributes.to?.kind === 'int' && n.attributes.to.value === 7)
      issues.push(`Cast to int64 (${n.name})`);
    const allowed = SHAPE_INPUTS[n.opType] ?? [];
    n.inputs.forEach((name, i) => {
      if (int64Consts.has(name) && !allowed.includes(i))
        issues.push(`int64 constant ${name} feeds ${n.opType} input ${i}`);
    });
  }
  return issues;
}
