/**
 * The manifest that travels with every emitted graph: each graph input and output with
 * its role, element type and shape, so a runtime can feed and read the graph without
 * parsing ONNX. See docs/training-graphs.md.
 */
import type { Dim, FloatType } from '../ir/types.js';

/** What a graph input or output is for. */
export type TensorRole =
  | 'parameter'
  | 'optimizer-state'
  | 'batch'
  | 'label'
  | 'mask'
  | 'hyper-parameter'
  | 'anchor'
  | 'output-parameter'
  | 'output-state'
  | 'loss'
  | 'metric'
  | 'prediction';

/** One graph input or output. */
export interface ManifestEntry {
  readonly name: string;
  readonly role: TensorRole;
  /** float32 (float64 only in graphs compiled for gradient checks). */
  readonly dtype: FloatType;
  /** Shape; `"N"` marks the symbolic batch dimension of inference/evaluation graphs. */
  readonly shape: readonly Dim[];
  /** For optimizer state, anchors and outputs: the parameter this belongs to. */
  readonly parameter?: string;
  /** For optimizer state: `momentum`, `adam-m` or `adam-v`. */
  readonly stateKind?: string;
  /** For batch, label and mask inputs of unrolled graphs: which of the K steps (0-based). */
  readonly step?: number;
  /** For dropout masks: the layer and its rate (feed 0/1 values kept with prob. 1 - rate). */
  readonly layer?: string;
  readonly rate?: number;
  /** For hyper-parameters: the value to feed when the caller has none. */
  readonly default?: number;
  /** One line for people reading the manifest. */
  readonly description?: string;
}

/** Which graph a manifest describes. */
export type GraphKind =
  'inference' | 'evaluation' | 'train-step' | 'saliency' | 'integrated-gradients' | 'attention';

/** The manifest of one emitted graph. */
export interface GraphManifest {
  readonly kind: GraphKind;
  readonly opset: number;
  /** Fixed batch size of training graphs; `"N"` for graphs with a symbolic batch. */
  readonly batchSize: number | 'N';
  /** Number of optimizer steps one run performs (training graphs; 1 otherwise). */
  readonly stepsPerRun: number;
  readonly inputs: readonly ManifestEntry[];
  readonly outputs: readonly ManifestEntry[];
}

/** ONNX bytes plus the manifest describing them. */
export interface EmittedGraph {
  readonly onnx: Uint8Array;
  readonly manifest: GraphManifest;
}
