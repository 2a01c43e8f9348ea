/**
 * Backend registry: backends registered with a priority; resolution tries them from the
 * highest priority down, falls back when one fails to initialise, remembers each failure
 * (a failed backend is not retried) and, when none works, throws `BACKEND_UNAVAILABLE`
 * listing every reason — the scheme of onnxruntime-web's own `backend-impl`.
 */
import { EdgefedError, toEdgefedError } from '@edgefed/shared';
import type { BackendName, TrainingBackend } from './backend.js';
import { isNodeRuntime } from './environment.js';
import { createNodeBackend, type NodeBackendOptions } from './node-backend.js';
import { createWasmBackend, type WasmBackendOptions } from './wasm-backend.js';
import { createWebGpuBackend, type WebGpuBackendOptions } from './webgpu-backend.js';

/** One registered backend. */
export interface BackendRegistration {
  readonly name: BackendName;
  /** Higher is tried first. */
  readonly priority: number;
  /** Creates (initialises) the backend; throws when it cannot run here. */
  readonly init: () => Promise<TrainingBackend>;
}

/** Options for {@link BackendRegistry.resolve}. */
export interface ResolveBackendOptions {
  /**
   * Force one backend, or try only these (in this order). Unregistered names throw
   * `INVALID_ARGUMENT`. Default: every registered backend by priority.
   */
  readonly backend?: BackendName | readonly BackendName[];
}

interface Slot {
  readonly registration: BackendRegistration;
  pending?: Promise<TrainingBackend>;
  backend?: TrainingBackend;
  failure?: string;
}

/** Registered backends and the outcome of their initialisation. */
export class BackendRegistry {
  private readonly slots = new Map<BackendName, Slot>();

  /**
   * Registers a backend, replacing one of the same name (and forgetting its outcome).
   * Throws `INVALID_ARGUMENT` for a non-finite priority.
   */
  register(registration: BackendRegistration): void {
    if (!Number.isFinite(registration.priority))
      throw new EdgefedError('INVALID_ARGUMENT', `priority must be finite, got ${registration.priority}`);
    this.slots.set(registration.name, { registration });
  }

  /** Registered names, highest priority first (ties: registration order). */
  names(): BackendName[] {
    return [...this.slots.values()]
      .map((s, i) => ({ s, i }))
      .sort((a, b) => b.s.registration.priority - a.s.registration.priority || a.i - b.i)
      .map(({ s }) => s.registration.name);
  }

  /** Why each backend that was tried and failed is unavailable. */
  failures(): ReadonlyMap<BackendName, string> {
    const out = new Map<BackendName, string>();
    for (const [name, s] of this.slots) if (s.failure !== undefined) out.set(name, s.failure);
    return out;
  }

  /**
   * The first backend (by priority, or as forced by `options.backend`) that initialises.
   * Initialisation runs once per backend; concurrent calls share it. Throws
   * `BACKEND_UNAVAILABLE` with `details.reasons` (name -> reason) when none works.
   */
  async resolve(options: ResolveBackendOptions = {}): Promise<TrainingBackend> {
    const order = this.order(options.backend);
    const reasons: Record<string, string> = {};
    for (const name of order) {
      const slot = this.slots.get(name);
      if (slot === undefined) continue;
      try {
        return await this.init(slot);
      } catch (e) {
        reasons[name] = slot.failure ?? toEdgefedError(e).message;
      }
    }
    const list = Object.entries(reasons).map(([n, r]) => `${n}: ${r}`);
    throw new EdgefedError('BACKEND_UNAVAILABLE', `No training backend is available (${list.join('; ')})`, {
      details: { tried: order, reasons },
    });
  }

  private order(force: ResolveBackendOptions['backend']): BackendName[] {
    if (force === undefined) return this.names();
    const list = typeof force === 'string' ? [force] : [...force];
    if (list.length === 0) throw new EdgefedError('INVALID_ARGUMENT', 'backend list is empty');
    for (const n of list) {
      if (!this.slots.has(n)) {
        throw new EdgefedError('INVALID_ARGUMENT', `Backend ${n} is not registered`, {
          details: { registered: this.names() },
        });
      }
    }
    return list;
  }

  private async init(slot: Slot): Promise<TrainingBackend> {
    if (slot.backend !== undefined) return slot.backend;
    if (slot.failure !== undefined) throw new EdgefedError('BACKEND_UNAVAILABLE', slot.failure);
    slot.pending ??= slot.registration.init();
    try {
      slot.backend = await slot.pending;
      return slot.backend;
    } catch (e) {
      slot.failure ??= toEdgefedError(e).message;
      throw e;
    }
  }
}

/** Per-backend options for {@link createDefaultRegistry}. */
export interface DefaultRegistryOptions {
  readonly node?: NodeBackendOptions;
  readonly wasm?: WasmBackendOptions;
  readonly webgpu?: WebGpuBackendOptions;
}

/**
 * A registry with edgefed's three backends. Priorities: in Node `node` > `wasm` > `webgpu`
 * (webgpu then fails with its reason); in browsers `webgpu` > `wasm` > `node`.
 */
export function createDefaultRegistry(options: DefaultRegistryOptions = {}): BackendRegistry {
  const inNode = isNodeRuntime();
  const registry = new BackendRegistry();
  registry.register({ name: 'node', priority: inNode ? 30 : 1, init: () => createNodeBackend(options.node) });
  registry.register({
    name: 'webgpu',
    priority: inNode ? 5 : 30,
    init: () => createWebGpuBackend(options.webgpu),
  });
  registry.register({ name: 'wasm', priority: 10, init: () => createWasmBackend(options.wasm) });
  return registry;
}

let shared: BackendRegistry | undefined;

/** The process-wide default registry (created on first use). */
export function defaultBackendRegistry(): BackendRegistry {
  shared ??= createDefaultRegistry();
  return shared;
}

/** Resolves a backend from the default registry; see {@link BackendRegistry.resolve}. */
export function resolveBackend(options: ResolveBackendOptions = {}): Promise<TrainingBackend> {
  return defaultBackendRegistry().resolve(options);
}
