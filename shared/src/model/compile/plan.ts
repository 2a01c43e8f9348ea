/**
 * Compile options, the model plan (parameters, dropout masks, output shape) and helpers
 * shared by the graph emitters.
 */
import { EdgefedError } from '../../errors.js';
import { GraphBuilder } from '../ir/builder.js';
import type { Dim, FloatType } from '../ir/types.js';
import { emitForward, type ForwardOptions, type MaskInfo, type ParameterInfo } from '../spec/layers.js';
import { parseModelSpec, type ModelSpec } from '../spec/model-spec.js';
import type { LossKind } from './losses.js';
import type { ManifestEntry, TensorRole } from './manifest.js';
import type { OptimizerSpec } from './optimizers.js';
import type { Tensor } from '../../tensor/tensor.js';
import { planOnnxSpec } from '../import/onnx-spec.js';

/** Options of `compileModel`. */
export interface CompileOptions {
  readonly loss: LossKind;
  readonly optimizer: OptimizerSpec;
  /** Fixed batch size B of the training graph (pad a short last batch, mask its rows). Default 32. */
  readonly batchSize?: number;
  /** Optimizer steps per run, unrolled into one graph (K batches in). Default 1. */
  readonly stepsPerRun?: number;
  /** Adds FedProx anchors (global parameters) and the `mu` input: + mu/2 * ||w - w_global||^2. */
  readonly fedProx?: boolean;
  /** Adds the `clip_norm` input: gradients are scaled to a global L2 norm of at most clip_norm. */
  readonly clipNorm?: boolean;
  /** Float type of all graphs; float64 is for gradient checks on CPU only. Default float32. */
  readonly floatType?: FloatType;
}

/** What the forward pass of a spec needs and produces. */
export interface ModelPlan {
  readonly spec: ModelSpec;
  readonly parameters: readonly ParameterInfo[];
  readonly masks: readonly MaskInfo[];
  /** Shape of one example's input and output (no batch dimension). */
  readonly inputShape: readonly number[];
  readonly outputShape: readonly number[];
  /**
   * Emits the forward pass; when absent the layers of `spec` are emitted. Imported ONNX
   * models (`importOnnxModel`) set it, so they share the graph construction of spec models.
   */
  readonly forward?: (b: GraphBuilder, opts: ForwardOptions) => string;
  /** Starting values of the parameters when the model brings its own (imported ONNX). */
  readonly initialValues?: ReadonlyMap<string, Tensor>;
}

/** Emits the forward pass of a plan (its own `forward`, or the layers of its spec). */
export function emitPlanForward(b: GraphBuilder, plan: ModelPlan, opts: ForwardOptions): string {
  return plan.forward === undefined ? emitForward(b, plan.spec, opts) : plan.forward(b, opts);
}

/**
 * Validates a spec and traces its forward pass once (batch 1) to list parameters, masks
 * and the output shape. Throws `INVALID_MODEL` / `SHAPE_MISMATCH` for bad specs.
 */
export function planModel(specInput: unknown): ModelPlan {
  const spec = parseModelSpec(specInput);
  if (spec.onnx !== undefined) return planOnnxSpec(spec);
  const b = new GraphBuilder({ name: 'plan' });
  const parameters: ParameterInfo[] = [];
  const masks: MaskInfo[] = [];
  const x = b.input('x', 'float32', [1, ...spec.input.shape]);
  const out = emitForward(b, spec, {
    input: x,
    training: true,
    param: (p) => {
      parameters.push(p);
      return b.input(p.name, 'float32', p.shape);
    },
    mask: (m) => {
      masks.push(m);
      return b.input(m.name, 'float32', [1, ...m.shape]);
    },
  });
  const outputShape = b.shape(out).slice(1).map(Number);
  return { spec, parameters, masks, inputShape: [...spec.input.shape], outputShape };
}

/** Checks compile options; returns them with defaults filled. Throws `INVALID_ARGUMENT`. */
export function resolveOptions(o: CompileOptions): Required<CompileOptions> {
  const batchSize = o.batchSize ?? 32;
  const stepsPerRun = o.stepsPerRun ?? 1;
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new EdgefedError('INVALID_ARGUMENT', `batchSize must be a positive integer, got ${batchSize}`);
  if (!Number.isInteger(stepsPerRun) || stepsPerRun < 1 || stepsPerRun > 64) {
    throw new EdgefedError(
      'INVALID_ARGUMENT',
      `stepsPerRun must be an integer in [1, 64], got ${stepsPerRun}`,
    );
  }
  return {
    loss: o.loss,
    optimizer: o.optimizer,
    batchSize,
    stepsPerRun,
    fedProx: o.fedProx ?? false,
    clipNorm: o.clipNorm ?? false,
    floatType: o.floatType ?? 'float32',
  };
}

/** Declares graph inputs and records their manifest entries in order. */
export class Inputs {
  readonly entries: ManifestEntry[] = [];
  constructor(private readonly b: GraphBuilder) {}

  /** Adds one input of the graph's float type. */
  add(name: string, role: TensorRole, shape: readonly Dim[], extra: Partial<ManifestEntry> = {}): string {
    this.entries.push({ ...extra, name, role, dtype: this.b.floatType, shape: [...shape] });
    return this.b.input(name, this.b.floatType, shape);
  }
}

/** Declares graph outputs and records their manifest entries in order. */
export class Outputs {
  readonly entries: ManifestEntry[] = [];
  constructor(private readonly b: GraphBuilder) {}

  /** Marks `value` as output `name`. */
  add(value: string, name: string, role: TensorRole, extra: Partial<ManifestEntry> = {}): void {
    const out = this.b.output(value, name);
    this.entries.push({ ...extra, name, role, dtype: this.b.floatType, shape: [...this.b.shape(out)] });
  }
}
