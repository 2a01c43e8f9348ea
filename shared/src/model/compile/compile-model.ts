/**
 * compileModel: ModelSpec -> inference, evaluation and training-step ONNX graphs with
 * manifests. Pure and deterministic: the same spec and options give the same bytes on
 * every platform, so a coordinator and its clients compile identical graphs.
 */
import { optimizeGraph } from '../ir/passes.js';
import { DEFAULT_OPSET, type GraphIR } from '../ir/types.js';
import { encodeModel } from '../onnx/codec.js';
import type { ParameterInfo } from '../spec/layers.js';
import type { ModelSpec } from '../spec/model-spec.js';
import type { Tensor } from '../../tensor/tensor.js';
import { buildAttentionGraph, type AttentionGraphOptions } from './attention-graph.js';
import { buildEvaluationGraph, buildInferenceGraph } from './eval-graphs.js';
import type { LossKind } from './losses.js';
import type { EmittedGraph, GraphManifest } from './manifest.js';
import { planModel, resolveOptions, type CompileOptions, type ModelPlan } from './plan.js';
import { buildIntegratedGradientsGraph, buildSaliencyGraph } from './saliency-graphs.js';
import { buildTrainGraph } from './train-graph.js';

/** The result of {@link compileModel}. */
export interface CompiledModel {
  readonly spec: ModelSpec;
  readonly options: Required<CompileOptions>;
  /** Trainable tensors in graph-input order (initialise with `initParameters`). */
  readonly parameters: readonly ParameterInfo[];
  readonly inputShape: readonly number[];
  readonly outputShape: readonly number[];
  readonly inference: EmittedGraph;
  readonly evaluation: EmittedGraph;
  readonly trainStep: EmittedGraph;
}

function emit(built: { graph: GraphIR; manifest: GraphManifest }, spec: ModelSpec): EmittedGraph {
  const graph = optimizeGraph(built.graph);
  const metadata = { 'edgefed.graph': built.manifest.kind, 'edgefed.model': spec.name ?? '' };
  return {
    onnx: encodeModel({ graph, opsetVersion: DEFAULT_OPSET, producerName: 'edgefed', metadata }),
    manifest: built.manifest,
  };
}

/**
 * Compiles a model spec (validated; unknown JSON is fine) into three ONNX graphs with
 * manifests. Throws `INVALID_MODEL` for a bad spec or a loss that does not fit the output
 * shape, `INVALID_ARGUMENT` for bad options and `UNSUPPORTED_OP` if a layer combination has
 * no gradient. All graphs use opset 17 and only ops that run on onnxruntime-web's WebGPU.
 */
export function compileModel(spec: unknown, options: CompileOptions): CompiledModel {
  return compilePlan(planModel(spec), options);
}

/**
 * Compiles an already planned model (a spec's plan, or an imported ONNX model's plan from
 * `planImportedModel`) into the three graphs. Throws as {@link compileModel}.
 */
export function compilePlan(plan: ModelPlan, options: CompileOptions): CompiledModel {
  const o = resolveOptions(options);
  return {
    spec: plan.spec,
    options: o,
    parameters: plan.parameters,
    inputShape: plan.inputShape,
    outputShape: plan.outputShape,
    inference: emit(buildInferenceGraph(plan, o.loss), plan.spec),
    evaluation: emit(buildEvaluationGraph(plan, o.loss), plan.spec),
    trainStep: emit(buildTrainGraph(plan, o), plan.spec),
  };
}

/**
 * A self-contained inference model (parameters baked in as initializers; one input `x`
 * [N, ...input shape]; outputs `logits` + `probabilities`, or `prediction` for mse).
 * Throws `NAME_MISMATCH`, `DTYPE_MISMATCH` or `SHAPE_MISMATCH` when `parameters` does not
 * match the model.
 */
export function exportInferenceModel(
  spec: unknown,
  loss: LossKind,
  parameters: ReadonlyMap<string, Tensor>,
): EmittedGraph {
  const plan = planModel(spec);
  return emit(buildInferenceGraph(plan, loss, parameters), plan.spec);
}

/** The saliency graphs of a model ({@link compileSaliencyGraphs}). */
export interface SaliencyGraphs {
  readonly saliency: EmittedGraph;
  readonly integratedGradients: EmittedGraph;
}

/**
 * Compiles the saliency graphs of a model spec (saliency-graphs.ts: input gradients of a
 * class score, plain or SmoothGrad, and integrated gradients), separately from
 * {@link compileModel} so training never pays for them. Shapes are static: `batchSize` rows
 * of the saliency graph (default 1), `steps` path points of integrated gradients (default
 * 16). Throws as {@link compileModel}, and `INVALID_ARGUMENT` for a bad size.
 */
export function compileSaliencyGraphs(
  spec: unknown,
  options: { readonly batchSize?: number; readonly steps?: number } = {},
): SaliencyGraphs {
  const plan = planModel(spec);
  return {
    saliency: emit(buildSaliencyGraph(plan, { batchSize: options.batchSize ?? 1 }), plan.spec),
    integratedGradients: emit(
      buildIntegratedGradientsGraph(plan, { batchSize: options.steps ?? 16 }),
      plan.spec,
    ),
  };
}

/** The attention graph of a model ({@link compileAttentionGraph}) and the layer it shows. */
export interface AttentionGraph extends EmittedGraph {
  /** The attention layer whose weights the `attention` output holds. */
  readonly layer: { readonly layer: string; readonly heads: number; readonly length: number };
}

/**
 * Compiles the attention graph of a Transformer model (attention-graph.ts): inference plus
 * the `attention` output [N, T, T], the softmax weights of `options.layer` (default: the
 * last attention layer) for `options.head` (default 0, or `mean`). With `parameters` they
 * are baked in (one input `x`, like {@link exportInferenceModel}); without, they are
 * inputs. Throws `INVALID_MODEL` for a model without attention, `INVALID_ARGUMENT` for an
 * unknown layer or head, and as {@link exportInferenceModel} for parameters that do not fit.
 */
export function compileAttentionGraph(
  spec: unknown,
  options: AttentionGraphOptions = {},
  parameters?: ReadonlyMap<string, Tensor>,
): AttentionGraph {
  const plan = planModel(spec);
  const built = buildAttentionGraph(plan, options, parameters);
  const { layer, heads, length } = built.layer;
  return { ...emit(built, plan.spec), layer: { layer, heads, length } };
}
