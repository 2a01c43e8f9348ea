/**
 * Server optimizer state: named float32 slots (momentum, first and second moments), each a
 * flat array over the model's layout. Serialized as a TensorMap whose keys are
 * `<slot>/<tensor name>`, so the TensorMap codec and the checkpoint store can keep it.
 */
import {
  assertSameLayout,
  layoutData,
  tensorLayout,
  unflatten,
  type TensorLayout,
} from '../aggregation/layout.js';
import { EdgefedError } from '../errors.js';
import type { Tensor, TensorMap } from '../tensor/tensor.js';

/** Optimizer slots over one layout; empty until the first aggregation creates them. */
export class SlotState {
  private layout: TensorLayout | undefined;
  private slots = new Map<string, Float32Array>();

  /** The slot names this state holds (fixed per strategy). */
  constructor(private readonly names: readonly string[]) {}

  /** True once the slots exist (after the first aggregation or a restore of non-empty state). */
  get initialized(): boolean {
    return this.layout !== undefined;
  }

  /**
   * Returns the slots for `layout`, creating them filled with `initial` on first use. Throws
   * `NAME_MISMATCH` / `SHAPE_MISMATCH` when existing slots belong to another model layout.
   */
  slotsFor(layout: TensorLayout, initial = 0): ReadonlyMap<string, Float32Array> {
    if (this.layout === undefined) {
      this.layout = layout;
      this.slots = new Map(this.names.map((n) => [n, new Float32Array(layout.size).fill(initial)]));
      return this.slots;
    }
    this.check(layout);
    return this.slots;
  }

  /** Throws when existing slots do not fit `layout`; no-op while uninitialized. */
  check(layout: TensorLayout): void {
    const own = this.layout;
    if (own === undefined) return;
    assertSameLayout(own, layout);
  }

  /** The slots as a TensorMap (`<slot>/<tensor>` keys), copied. Empty while uninitialized. */
  toTensors(): TensorMap {
    const out = new Map<string, Tensor>();
    const layout = this.layout;
    if (layout === undefined) return out;
    for (const [slot, flat] of this.slots) {
      for (const [name, t] of unflatten(layout, flat.slice())) out.set(`${slot}/${name}`, t);
    }
    return out;
  }

  /**
   * Replaces the slots from {@link toTensors}'s form (copied). An empty map resets to
   * uninitialized. Throws `NAME_MISMATCH` when a slot is missing, unknown or its tensors
   * differ between slots, `DTYPE_MISMATCH` for non-float32 tensors.
   */
  fromTensors(tensors: TensorMap): void {
    if (tensors.size === 0) {
      this.layout = undefined;
      this.slots = new Map();
      return;
    }
    const bySlot = new Map<string, Map<string, Tensor>>(this.names.map((n) => [n, new Map()]));
    for (const [key, t] of tensors) {
      const cut = key.indexOf('/');
      const group = bySlot.get(key.slice(0, cut));
      if (cut < 0 || group === undefined) {
        throw new EdgefedError('NAME_MISMATCH', `Unknown state tensor "${key}"`, { details: { key } });
      }
      group.set(key.slice(cut + 1), t);
    }
    const first = bySlot.get(this.names[0] ?? '') ?? new Map<string, Tensor>();
    const layout = tensorLayout(first);
    const slots = new Map<string, Float32Array>();
    for (const [slot, group] of bySlot) {
      const flat = new Float32Array(layout.size);
      layoutData(layout, group).forEach((d, i) => {
        flat.set(d, layout.entries[i]?.offset ?? 0);
      });
      slots.set(slot, flat);
    }
    this.layout = layout;
    this.slots = slots;
  }
}
