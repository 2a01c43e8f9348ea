/**
 * GraphBuilder: appends ONNX nodes one at a time, inferring each output's type and shape
 * as it goes, and folding nodes whose inputs are all small constants. Scalar and int64
 * constants are shared (one initializer per distinct value).
 */
import { EdgefedError } from '../../errors.js';
import { evaluateConstant, FOLDABLE_OPS } from './fold.js';
import { inferNode } from './shape-infer.js';
import type {
  Attributes,
  ConstTensor,
  Dim,
  ElemType,
  FloatType,
  GraphIR,
  NodeIR,
  ValueInfo,
} from './types.js';

/** Constants larger than this are never folded eagerly (keeps compile time and graph size low). */
const FOLD_LIMIT = 4096;

/** Options for {@link GraphBuilder}. */
export interface GraphBuilderOptions {
  /** Graph name written into the ONNX file. */
  readonly name: string;
  /** Float type of activations and parameters (float64 only for gradient checks on CPU). */
  readonly floatType?: FloatType;
}

/** Builds one graph. Names must be unique; every method throws `INVALID_ARGUMENT` on reuse. */
export class GraphBuilder {
  readonly name: string;
  readonly floatType: FloatType;
  private readonly nodeList: NodeIR[] = [];
  private readonly inputList: ValueInfo[] = [];
  private readonly outputList: ValueInfo[] = [];
  private readonly consts = new Map<string, ConstTensor>();
  private readonly infos = new Map<string, ValueInfo>();
  private readonly cache = new Map<string, string>();
  private readonly stopped = new Set<string>();
  private counter = 0;

  constructor(options: GraphBuilderOptions) {
    this.name = options.name;
    this.floatType = options.floatType ?? 'float32';
  }

  /** Nodes appended so far, in order. */
  get nodes(): readonly NodeIR[] {
    return this.nodeList;
  }

  /** A fresh value name with the given prefix. */
  fresh(prefix: string): string {
    let name: string;
    do name = `${prefix}_${String(this.counter++)}`;
    while (this.infos.has(name));
    return name;
  }

  private claim(info: ValueInfo): void {
    if (this.infos.has(info.name)) {
      throw new EdgefedError(
        'INVALID_ARGUMENT',
        `Value name ${info.name} is already used in graph ${this.name}`,
      );
    }
    this.infos.set(info.name, info);
  }

  /** Declares a graph input and returns its name. */
  input(name: string, dtype: ElemType, shape: readonly Dim[]): string {
    const info = { name, dtype, shape: [...shape] };
    this.claim(info);
    this.inputList.push(info);
    return name;
  }

  /** Adds a constant (initializer); a generated name when `name` is omitted. */
  constant(tensor: ConstTensor | Omit<ConstTensor, 'name'>, name?: string): string {
    const full = {
      ...tensor,
      name: name ?? ('name' in tensor ? tensor.name : this.fresh('const')),
    } as ConstTensor;
    if (full.data.length !== full.shape.reduce((a, b) => a * b, 1)) {
      throw new EdgefedError('SHAPE_MISMATCH', `Constant ${full.name}: data length does not match shape`);
    }
    this.claim({ name: full.name, dtype: full.dtype, shape: full.shape });
    this.consts.set(full.name, full);
    return full.name;
  }

  /** A shared scalar (rank 0) constant of the graph's float type, or of `dtype`. */
  scalar(value: number, dtype: FloatType = this.floatType): string {
    const key = `s:${dtype}:${String(value)}`;
    const hit = this.cache.get(key);
    if (hit !== undefined) return hit;
    const data = dtype === 'float32' ? Float32Array.of(value) : Float64Array.of(value);
    const name = this.constant({ dtype, shape: [], data });
    this.cache.set(key, name);
    return name;
  }

  /** A constant of the graph's float type with the given shape and values. */
  floatConstant(shape: readonly number[], values: ArrayLike<number>): string {
    const data = this.floatType === 'float32' ? Float32Array.from(values) : Float64Array.from(values);
    return this.constant({ dtype: this.floatType, shape: [...shape], data });
  }

  /** A shared 1-D int64 constant (shapes, axes, pads, slice bounds). */
  ints(values: readonly number[]): string {
    const key = `i:${values.join(',')}`;
    const hit = this.cache.get(key);
    if (hit !== undefined) return hit;
    const name = this.constant({ dtype: 'int64', shape: [values.length], data: [...values] });
    this.cache.set(key, name);
    return name;
  }

  /** Type and shape of a value; throws `NOT_FOUND` for an unknown name. */
  info(name: string): ValueInfo {
    const i = this.infos.get(name);
    if (i === undefined) throw new EdgefedError('NOT_FOUND', `Unknown value ${name} in graph ${this.name}`);
    return i;
  }

  /** Shape of a value. */
  shape(name: string): readonly Dim[] {
    return this.info(name).shape;
  }

  /** The constant behind a value, if it is one. */
  constantOf(name: string): ConstTensor | undefined {
    return this.consts.get(name);
  }

  /** Marks a value as a constant for autodiff (no gradient flows into it). */
  stopGradient(name: string): string {
    this.stopped.add(name);
    return name;
  }

  /** True when autodiff must not propagate into `name`. */
  isStopped(name: string): boolean {
    return this.stopped.has(name) || this.consts.has(name);
  }

  /**
   * Appends a node and returns its output names (`outputs` generated names, or the given
   * names). Folds it into a constant when all inputs are small constants.
   */
  op(
    opType: string,
    inputs: readonly string[],
    attributes: Attributes = {},
    outputs: number | readonly string[] = 1,
  ): string[] {
    const names =
      typeof outputs === 'number' ? Array.from({ length: outputs }, () => this.fresh(opType)) : [...outputs];
    const node: NodeIR = {
      opType,
      inputs: [...inputs],
      outputs: names,
      attributes,
      name: this.fresh(`n_${opType}`),
      domain: '',
    };
    const ctx = { info: (n: string) => this.info(n), constant: (n: string) => this.consts.get(n) };
    const infos = inferNode(ctx, node);
    const folded = this.tryFold(node, infos);
    if (folded !== undefined) {
      this.constant(folded);
      return names;
    }
    for (const i of infos) this.claim(i);
    this.nodeList.push(node);
    return names;
  }

  /** {@link op} for a single-output node; returns the output name. */
  op1(opType: string, inputs: readonly string[], attributes: Attributes = {}, output?: string): string {
    const [out] = this.op(opType, inputs, attributes, output === undefined ? 1 : [output]);
    if (out === undefined) throw new EdgefedError('INTERNAL', 'op produced no output');
    return out;
  }

  private tryFold(node: NodeIR, infos: readonly ValueInfo[]): ConstTensor | undefined {
    const out = infos[0];
    if (!FOLDABLE_OPS.has(node.opType) || infos.length !== 1 || out === undefined) return undefined;
    const ins: ConstTensor[] = [];
    for (const name of node.inputs) {
      const c = this.consts.get(name);
      if (c === undefined || c.data.length > FOLD_LIMIT) return undefined;
      ins.push(c);
    }
    return evaluateConstant(node, ins, out);
  }

  /**
   * Declares `value` a graph output, renamed to `as` (through an Identity node) when given.
   * Constants and graph inputs always pass through an Identity, which is never folded.
   */
  output(value: string, as?: string): string {
    const src = this.info(value);
    let name = value;
    const passThrough = this.consts.has(value) || this.inputList.some((i) => i.name === value);
    if ((as !== undefined && as !== value) || passThrough) {
      name = as ?? this.fresh(`${value}_out`);
      this.claim({ name, dtype: src.dtype, shape: src.shape });
      const node = { opType: 'Identity', inputs: [value], outputs: [name], attributes: {}, domain: '' };
      this.nodeList.push({ ...node, name: this.fresh('n_Identity') });
    }
    this.outputList.push(this.info(name));
    return name;
  }

  /** The graph built so far (constants as initializers, in creation order). */
  build(): GraphIR {
    return {
      name: this.name,
      nodes: [...this.nodeList],
      inputs: [...this.inputList],
      outputs: [...this.outputList],
      initializers: [...this.consts.values()],
    };
  }
}
