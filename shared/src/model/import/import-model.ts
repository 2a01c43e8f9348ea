/**
 * importOnnxModel: an ONNX inference model (for example from `torch.onnx.export`) as a
 * model the compiler trains. Float initializers become parameters (unless frozen),
 * BatchNorm running statistics non-trainable state, integer initializers and Constant
 * nodes compile-time constants; the forward pass is replayed by emit-imported.ts.
 */
import { EdgefedError } from '../../errors.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { Dim } from '../ir/types.js';
import type { ParameterInfo } from '../spec/layers.js';
import type { ImportedGraph } from './imported-graph.js';
import { classifyInitializers, usedNames } from './initializers.js';
import { readOnnxModel } from './onnx-raw.js';
import { assertSupported } from './supported-ops.js';
import { traceImported, type ImportedTrace } from './trace.js';

/** Options of {@link importOnnxModel}. */
export interface ImportOptions {
  /** Model name (manifests, metadata); default the ONNX graph name. */
  readonly name?: string;
  /** Graph input to feed the batch; required when the graph has several. */
  readonly input?: string;
  /** Graph output that gives the logits; required when the graph has several. */
  readonly output?: string;
  /** Initializer names or globs (`*`, `?`) kept constant: `['conv1.*', 'fc1.weight']`. */
  readonly freeze?: readonly string[];
  /**
   * FedBN: mark every BatchNormalization scale, bias and running statistic `local`
   * (participants keep their own values and do not upload them). Default false.
   */
  readonly localBatchNorm?: boolean;
  /** Example shape (no batch dim) when the model's input has other symbolic dims. */
  readonly inputShape?: readonly number[];
}

/** An imported model: what `compileImportedModel` compiles, plus a summary. */
export interface ImportedModel extends ImportedTrace {
  readonly name: string;
  readonly graph: ImportedGraph;
  /** Parameters in graph-input order (trainable ones and BatchNorm running stats). */
  readonly parameters: readonly ParameterInfo[];
  /** The values the model was exported with, by parameter name. */
  readonly initialParameters: ReadonlyMap<string, Tensor>;
  /** Float initializers kept constant by `freeze`. */
  readonly frozen: readonly string[];
  /** Node count by op type (Constant nodes included). */
  readonly opCounts: Readonly<Record<string, number>>;
}

function pickOne(kind: string, names: readonly string[], wanted: string | undefined): string {
  if (wanted !== undefined) {
    if (!names.includes(wanted))
      throw new EdgefedError('NOT_FOUND', `No graph ${kind} "${wanted}" (has: ${names.join(', ')})`);
    return wanted;
  }
  const [only] = names;
  if (names.length !== 1 || only === undefined) {
    throw new EdgefedError(
      'INVALID_ARGUMENT',
      `The model has ${String(names.length)} ${kind}s (${names.join(', ')}); choose one with the ${kind} option`,
    );
  }
  return only;
}

/**
 * Imports ONNX bytes. Throws `UNSUPPORTED_OP` naming every unsupported node at once,
 * `INVALID_ARGUMENT` / `NOT_FOUND` for an ambiguous or unknown input/output,
 * `INVALID_MODEL` for a graph whose shapes do not work out and `CORRUPT_PAYLOAD` for bytes
 * that are not ONNX. The batch dimension is the input's first dimension (dynamic or not).
 */
export function importOnnxModel(bytes: Uint8Array, options: ImportOptions = {}): ImportedModel {
  const { model, constantNames, positions } = readOnnxModel(bytes);
  const g = model.graph;
  const raw = g.nodes;
  assertSupported(raw, (n) => positions[raw.indexOf(n)] ?? -1);
  const inits = new Map(g.initializers.map((t) => [t.name, t]));
  const inputName = pickOne(
    'input',
    g.inputs.filter((v) => !inits.has(v.name)).map((v) => v.name),
    options.input,
  );
  const outputName = pickOne(
    'output',
    g.outputs.map((v) => v.name),
    options.output,
  );
  const used = usedNames(raw);
  const { parameters, initialParameters, floatConstants, ints, frozen } = classifyInitializers({
    graph: g,
    constantNames,
    used,
    options,
  });
  const input = g.inputs.find((v) => v.name === inputName);
  const dims: readonly Dim[] = input?.shape ?? [];
  if (input?.dtype !== 'float32')
    throw new EdgefedError(
      'INVALID_MODEL',
      `Input ${inputName} must be float32 (got ${String(input?.dtype)})`,
    );
  const graph: ImportedGraph = {
    nodes: raw,
    inputName,
    outputName,
    exportedBatch: dims[0] ?? 'N',
    parameters: new Map(parameters.map((p) => [p.name, p])),
    floatConstants,
    ints,
  };
  const opCounts: Record<string, number> = {};
  for (const n of raw) opCounts[n.opType] = (opCounts[n.opType] ?? 0) + 1;
  for (const c of constantNames) if (used.has(c)) opCounts.Constant = (opCounts.Constant ?? 0) + 1;
  const trace = traceImported(graph, exampleShape(dims, options.inputShape, inputName));
  return {
    name: options.name ?? g.name,
    graph,
    parameters,
    initialParameters,
    frozen,
    opCounts,
    ...trace,
  };
}

function exampleShape(dims: readonly Dim[], given: readonly number[] | undefined, input: string): number[] {
  if (given !== undefined) return [...given];
  const rest = dims.slice(1);
  if (dims.length < 2 || !rest.every((d): d is number => typeof d === 'number')) {
    throw new EdgefedError(
      'INVALID_MODEL',
      `Input ${input} has shape [${dims.join(', ')}]: give the example shape (inputShape option)`,
    );
  }
  return rest;
}
