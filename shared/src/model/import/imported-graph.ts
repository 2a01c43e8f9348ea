/**
 * The imported form of an ONNX inference model that the forward emitter replays: nodes in
 * order, the chosen input and output, trainable/state parameters, frozen float constants
 * and compile-time integer tensors.
 */
import type { ConstTensor, Dim, NodeIR } from '../ir/types.js';
import type { ParameterInfo } from '../spec/layers.js';
import type { KnownInts } from './int-values.js';

/** What {@link emitImportedForward} replays (see `importOnnxModel`). */
export interface ImportedGraph {
  /** Nodes in topological order (Constant nodes already turned into constants). */
  readonly nodes: readonly NodeIR[];
  /** Name of the model input (batch first) and output value in the ONNX graph. */
  readonly inputName: string;
  readonly outputName: string;
  /** The batch dimension as exported: a symbol (dynamic_axes) or a fixed size. */
  readonly exportedBatch: Dim;
  /** Parameters by ONNX initializer name (trainable ones and BatchNorm running stats). */
  readonly parameters: ReadonlyMap<string, ParameterInfo>;
  /** Float tensors baked into every graph: frozen initializers and Constant-node values. */
  readonly floatConstants: ReadonlyMap<string, ConstTensor>;
  /** Integer initializers and constants, known at import time. */
  readonly ints: ReadonlyMap<string, KnownInts>;
}
