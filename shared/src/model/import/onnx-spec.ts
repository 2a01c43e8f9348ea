/**
 * Imported ONNX models as model specs: `onnxModelSpec` embeds the file (base64) in a
 * JSON spec, so an imported model travels wherever a spec does (run config, participants,
 * `compileModel`, trainers), and `planOnnxSpec` is what `planModel` does for such a spec.
 */
import { EdgefedError } from '../../errors.js';
import type { ModelPlan } from '../compile/plan.js';
import type { ModelSpec } from '../spec/model-spec.js';
import { fromBase64, toBase64 } from './base64.js';
import { emitImportedForward } from './emit-imported.js';
import { importOnnxModel, type ImportedModel, type ImportOptions } from './import-model.js';

/**
 * The ModelPlan of an imported model. `spec` is the given one or a layer-less stand-in
 * with the name and input shape: the forward pass is `plan.forward`.
 */
export function planImportedModel(m: ImportedModel, spec?: ModelSpec): ModelPlan {
  return {
    spec: spec ?? { name: m.name, input: { shape: [...m.inputShape] }, layers: [] },
    parameters: m.parameters,
    masks: m.masks,
    inputShape: m.inputShape,
    outputShape: m.outputShape,
    forward: (b, opts) => emitImportedForward(b, m.graph, opts),
    initialValues: m.initialParameters,
  };
}

function importOptions(spec: ModelSpec): ImportOptions {
  const o = spec.onnx;
  return {
    ...(spec.name === undefined ? {} : { name: spec.name }),
    ...(o?.freeze === undefined ? {} : { freeze: o.freeze }),
    ...(o?.localBatchNorm === undefined ? {} : { localBatchNorm: o.localBatchNorm }),
    ...(o?.input === undefined ? {} : { input: o.input }),
    ...(o?.output === undefined ? {} : { output: o.output }),
    inputShape: spec.input.shape,
  };
}

/** Plans a validated spec that has `onnx` (throws what `importOnnxModel` throws). */
export function planOnnxSpec(spec: ModelSpec): ModelPlan {
  if (spec.onnx === undefined) throw new EdgefedError('INTERNAL', 'planOnnxSpec needs an onnx spec');
  return planImportedModel(importOnnxModel(fromBase64(spec.onnx.model), importOptions(spec)), spec);
}

/**
 * A JSON model spec for ONNX bytes: imports them once (validating; the same errors as
 * `importOnnxModel`) and records the input shape. `options.inputShape` is needed only when
 * the model's input has symbolic dimensions besides the batch.
 */
export function onnxModelSpec(bytes: Uint8Array, options: ImportOptions = {}): ModelSpec {
  const m = importOnnxModel(bytes, options);
  return {
    name: m.name,
    input: { shape: [...m.inputShape] },
    layers: [],
    onnx: {
      model: toBase64(bytes),
      ...(options.freeze === undefined ? {} : { freeze: [...options.freeze] }),
      ...(options.localBatchNorm === undefined ? {} : { localBatchNorm: options.localBatchNorm }),
      ...(options.input === undefined ? {} : { input: options.input }),
      ...(options.output === undefined ? {} : { output: options.output }),
    },
  };
}
