/**
 * Where the client runs: Node (onnxruntime-node available) or a browser/worker.
 */

interface MaybeProcess {
  readonly process?: { readonly versions?: { readonly node?: string } };
}

/** True in Node.js (and Node-compatible runtimes that report `process.versions.node`). */
export function isNodeRuntime(): boolean {
  const p = (globalThis as MaybeProcess).process;
  return typeof p?.versions?.node === 'string';
}

/** True when the page is cross-origin isolated (wasm threads allowed); false in Node. */
export function isCrossOriginIsolated(): boolean {
  return (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true;
}

/** Logical cores reported by the runtime (1 when unknown). */
export function hardwareConcurrency(): number {
  const n = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency;
  return typeof n === 'number' && n > 0 ? n : 1;
}
