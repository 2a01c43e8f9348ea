/**
 * What each initializer of an imported graph becomes: a trainable parameter, BatchNorm
 * state (a parameter with `trainable: false`), a frozen or Constant-node float constant,
 * or a compile-time integer tensor. Unused initializers are dropped.
 */
import type { Tensor } from '../../tensor/tensor.js';
import type { ConstTensor, GraphIR, NodeIR } from '../ir/types.js';
import type { ParameterInfo } from '../spec/layers.js';
import { nameMatcher } from './freeze.js';
import type { KnownInts } from './int-values.js';

/** Inputs of {@link classifyInitializers}. */
export interface ClassifyArgs {
  readonly graph: GraphIR;
  /** Initializers that were Constant nodes (never parameters). */
  readonly constantNames: ReadonlySet<string>;
  /** Value names some node reads. */
  readonly used: ReadonlySet<string>;
  readonly options: { readonly freeze?: readonly string[]; readonly localBatchNorm?: boolean };
}

/** The initializers by role. */
export interface Classified {
  readonly parameters: ParameterInfo[];
  readonly initialParameters: Map<string, Tensor>;
  readonly floatConstants: Map<string, ConstTensor>;
  readonly ints: Map<string, KnownInts>;
  readonly frozen: string[];
}

/** Every value name read by a node. */
export function usedNames(nodes: readonly NodeIR[]): Set<string> {
  return new Set(nodes.flatMap((n) => n.inputs));
}

function paramInfo(t: ConstTensor, extra: { trainable?: false; local?: true }): ParameterInfo {
  const dot = t.name.lastIndexOf('.');
  return {
    name: t.name,
    layer: dot > 0 ? t.name.slice(0, dot) : t.name,
    shape: [...t.shape],
    init: 'zeros',
    fanIn: 1,
    fanOut: 1,
    ...extra,
  };
}

function batchNormRoles(nodes: readonly NodeIR[]): { stats: Set<string>; all: Set<string> } {
  const stats = new Set<string>();
  const all = new Set<string>();
  for (const n of nodes.filter((x) => x.opType === 'BatchNormalization')) {
    n.inputs.slice(1, 5).forEach((v, i) => {
      all.add(v);
      if (i >= 2) stats.add(v);
    });
  }
  return { stats, all };
}

/** Sorts the used initializers by role (see the module comment). */
export function classifyInitializers(a: ClassifyArgs): Classified {
  const isFrozen = nameMatcher(a.options.freeze ?? []);
  const bn = batchNormRoles(a.graph.nodes);
  const out: Classified = {
    parameters: [],
    initialParameters: new Map(),
    floatConstants: new Map(),
    ints: new Map(),
    frozen: [],
  };
  for (const t of a.graph.initializers) {
    if (!a.used.has(t.name)) continue;
    if (t.dtype === 'int64' || t.dtype === 'int32' || t.dtype === 'bool') {
      out.ints.set(t.name, { shape: [...t.shape], values: Array.from(t.data as ArrayLike<number>, Number) });
    } else if (a.constantNames.has(t.name) || t.dtype !== 'float32' || isFrozen(t.name)) {
      out.floatConstants.set(t.name, t);
      if (!a.constantNames.has(t.name)) out.frozen.push(t.name);
    } else {
      const local = a.options.localBatchNorm === true && bn.all.has(t.name);
      out.parameters.push(
        paramInfo(t, {
          ...(bn.stats.has(t.name) ? { trainable: false } : {}),
          ...(local ? { local: true } : {}),
        }),
      );
      out.initialParameters.set(t.name, { dtype: 'float32', shape: [...t.shape], data: t.data });
    }
  }
  return out;
}
