/**
 * "What did the model look at in my digit?", answered on the device: the newest global
 * model this device received (its parameters from the participant's IndexedDB cache, its
 * spec from the participant's `model` event) runs on the page with the backend the
 * participant trains on (WebGPU, else wasm): inference gives the predicted class and its
 * probabilities, and the compiler's saliency graph (`computeSaliency`, SmoothGrad: 16 noisy
 * copies, sigma 0.3, seeded) gives the map. Nothing here touches the network: the map and
 * the drawing stay in this page.
 */
import {
  chooseBackend,
  computeSaliency,
  openDeviceStore,
  type BackendPreference,
  type SaliencyMap,
} from '@edgefed/client/browser';
import { decodeTensorMap, type TensorMap } from '@edgefed/shared';

/** SmoothGrad settings of the page's maps. */
export const SMOOTH_GRAD = { samples: 16, sigma: 0.3, seed: 1 } as const;

/** The model the page explains with. */
interface LocalModel {
  readonly version: number;
  readonly spec: unknown;
  readonly parameters: TensorMap;
}

/** One explanation: the prediction and map of one 28x28 input. */
export interface Explanation extends SaliencyMap {
  readonly modelVersion: number;
  readonly backend: string;
  readonly ms: number;
}

/** Explains inputs with the newest global model on this device. */
export class Explainer {
  #model: LocalModel | undefined;
  #preference: BackendPreference = 'auto';
  #backend: ReturnType<typeof chooseBackend> | undefined;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly storeName: string,
    private readonly wasmPaths: string,
  ) {}

  /** The model version explanations use (undefined before the first task's model). */
  get modelVersion(): number | undefined {
    return this.#model?.version;
  }

  /**
   * Takes the global model of a task from the device store (`hash`: its hex SHA-256) with
   * its `spec` (JSON text). Returns false when the store no longer holds it.
   */
  async setModel(m: { version: number; hash: string; spec: string }): Promise<boolean> {
    const store = await openDeviceStore({ name: this.storeName });
    try {
      const bytes = await store.get(m.hash);
      if (bytes === undefined) return false;
      this.#model = {
        version: m.version,
        spec: JSON.parse(m.spec) as unknown,
        parameters: decodeTensorMap(bytes),
      };
      return true;
    } finally {
      store.close();
    }
  }

  /**
   * Uses `backend` (the participant's) for the explanations; call before the first. The
   * backend starts at the first explanation, not here, so it never competes with the
   * participant's first round for the device.
   */
  useBackend(backend: BackendPreference): void {
    this.#preference = backend;
  }

  /** Prediction and saliency map of one input (784 values); undefined without a model. */
  explain(input: Float32Array): Promise<Explanation | undefined> {
    const run = this.#queue.then(() => this.#explain(input));
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #explain(input: Float32Array): Promise<Explanation | undefined> {
    const model = this.#model;
    if (model === undefined) return undefined;
    if (this.#backend === undefined) {
      const started = chooseBackend({ backend: this.#preference, wasmPaths: this.wasmPaths, wasmThreads: 1 });
      this.#backend = started;
      // A backend that failed to start is tried again at the next explanation.
      started.catch(() => {
        if (this.#backend === started) this.#backend = undefined;
      });
    }
    const choice = await this.#backend;
    const started = performance.now();
    const [map] = await computeSaliency({
      backend: choice.backend,
      spec: model.spec,
      parameters: model.parameters,
      inputs: input,
      smoothGrad: SMOOTH_GRAD,
    });
    if (map === undefined) return undefined;
    return { ...map, modelVersion: model.version, backend: choice.name, ms: performance.now() - started };
  }
}
