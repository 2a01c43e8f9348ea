/**
 * Imported models through the ordinary compiler: the plan's forward pass replays the ONNX
 * graph (onnx-spec.ts), so inference, evaluation and train-step
 * graphs, optimizers and manifests are exactly those of spec models.
 * `exportImportedModel` writes trained values back into the user's original ONNX file.
 */
import { EdgefedError } from '../../errors.js';
import type { Tensor } from '../../tensor/tensor.js';
import { compilePlan, type CompiledModel } from '../compile/compile-model.js';
import type { CompileOptions } from '../compile/plan.js';
import { planImportedModel } from './onnx-spec.js';
import type { ImportedModel } from './import-model.js';
import { decodeRaw, encodeRaw } from './onnx-raw.js';
import { ONNX_DATA_TYPE } from '../onnx/schema.js';

/**
 * Compiles an imported model into inference, evaluation and train-step graphs (see
 * `compileModel`). BatchNorm running statistics are parameters with `trainable: false`:
 * graph inputs like any parameter, updated by the train step's forward pass.
 */
export function compileImportedModel(m: ImportedModel, options: CompileOptions): CompiledModel {
  return compilePlan(planImportedModel(m), options);
}

interface RawTensorObj {
  name?: string;
  dims?: number[];
  dataType?: number;
  [key: string]: unknown;
}

function replaced(t: RawTensorObj, v: Tensor): RawTensorObj {
  const name = t.name ?? '';
  const dims = t.dims ?? [];
  if (t.dataType !== ONNX_DATA_TYPE.float32 || v.dtype !== 'float32')
    throw new EdgefedError('DTYPE_MISMATCH', `Initializer ${name}: float32 expected`);
  if (dims.length !== v.shape.length || dims.some((d, i) => d !== v.shape[i])) {
    throw new EdgefedError(
      'SHAPE_MISMATCH',
      `Initializer ${name}: model has [${dims.join(', ')}], value has [${v.shape.join(', ')}]`,
    );
  }
  const bytes = new Uint8Array(v.data.buffer, v.data.byteOffset, v.data.byteLength).slice();
  return { name, dims, dataType: t.dataType, rawData: bytes };
}

/**
 * The original ONNX model with the initializers named in `parameters` replaced by those
 * values (everything else kept: nodes, names, opset, metadata). Throws `NAME_MISMATCH` for
 * a value that names no initializer, `SHAPE_MISMATCH` / `DTYPE_MISMATCH` for a wrong one.
 * Fields outside edgefed's ONNX schema (e.g. model functions) are not kept.
 */
export function exportImportedModel(
  original: Uint8Array,
  parameters: ReadonlyMap<string, Tensor>,
): Uint8Array {
  const raw = decodeRaw(original);
  const inits = (raw.graph?.initializer ?? []) as RawTensorObj[];
  const seen = new Set<string>();
  const initializer = inits.map((t) => {
    const v = parameters.get(t.name ?? '');
    if (v === undefined) return t;
    seen.add(t.name ?? '');
    return replaced(t, v);
  });
  const missing = [...parameters.keys()].filter((k) => !seen.has(k));
  if (missing.length > 0)
    throw new EdgefedError('NAME_MISMATCH', `No initializer named ${missing.join(', ')} in the model`);
  return encodeRaw({ ...raw, graph: { ...raw.graph, initializer } });
}
