/**
 * A virtual client's LocalTrainingEngine: its data is an index list into the worker's
 * shared dataset (bound after the fleet has connected), and its training runs on the
 * worker's TrainerPool, one job at a time. No per-client copy of data or model is kept.
 */
import { EdgefedError, clientIndices, type Dataset, type Partition } from '@edgefed/shared';
import { createDataSource } from '../data/in-memory-data-source.js';
import type {
  EngineEvaluateOutput,
  EngineFitInput,
  EngineFitOutput,
  LocalTrainingEngine,
} from '../participant/engine.js';
import { fitSettings, wantsInitialLoss } from '../participant/task-settings.js';
import { attackParameters, flippedLabels, type AttackSpec } from './attack.js';
import { backdoorClientData } from './backdoor.js';
import type { TrainerPool } from './trainer-pool.js';

/** Where a virtual client's data lives; `client` is set when the fleet binds it. */
export interface VirtualSlot {
  client: number | undefined;
}

/** Options of {@link createVirtualEngine}. */
export interface VirtualEngineOptions {
  readonly pool: TrainerPool;
  readonly dataset: Dataset;
  readonly partition: Partition;
  readonly slot: VirtualSlot;
  /** Called after every finished fit with its training seconds and optimizer steps. */
  readonly onFit?: (seconds: number, steps: number) => void;
  /** Optimizer steps per graph run for fits (default 1; see `compileOptionsFor`). */
  readonly stepsPerRun?: number;
  /** Simulated attack; applied only when the bound partition client is in `attack.attackers`. */
  readonly attack?: AttackSpec;
  /** Fraction of the client's examples held out for evaluate tasks (default 0: none). */
  readonly localTestFraction?: number;
}

/**
 * Splits a client's example indices into training and held-out parts: position `p` is
 * held out when `floor((p + 1) f) > floor(p f)`, i.e. `floor(n f)` examples spread evenly
 * over the list (partitions list a client's examples grouped by class, so a tail would
 * hold out one class). `f = 0` holds out nothing (`train` is the input itself).
 */
export function splitLocalHoldout(
  indices: Uint32Array,
  fraction: number,
): { readonly train: Uint32Array; readonly test: Uint32Array } {
  if (fraction <= 0) return { train: indices, test: new Uint32Array(0) };
  const train: number[] = [];
  const test: number[] = [];
  indices.forEach((index, p) => {
    (Math.floor((p + 1) * fraction) > Math.floor(p * fraction) ? test : train).push(index);
  });
  return { train: Uint32Array.from(train), test: Uint32Array.from(test) };
}

class VirtualEngine implements LocalTrainingEngine {
  readonly backend = 'node' as const;
  readonly #o: VirtualEngineOptions;

  constructor(o: VirtualEngineOptions) {
    this.#o = o;
  }

  get exampleCount(): number {
    const c = this.#o.slot.client;
    return c === undefined ? 0 : this.#split(c).train.length;
  }

  #split(client: number): ReturnType<typeof splitLocalHoldout> {
    return splitLocalHoldout(clientIndices(this.#o.partition, client), this.#o.localTestFraction ?? 0);
  }

  #poisoned: Dataset | undefined;
  readonly #backdoored = new Map<number, Dataset>();

  #attacking(client: number): AttackSpec | undefined {
    const a = this.#o.attack;
    return a !== undefined && a.attackers.includes(client) ? a : undefined;
  }

  #data(part: 'train' | 'test' = 'train') {
    const c = this.#o.slot.client;
    if (c === undefined)
      throw new EdgefedError('FAILED_PRECONDITION', 'Virtual client has no data bound yet');
    let dataset = this.#o.dataset;
    const attack = this.#attacking(c);
    if (attack?.kind === 'backdoor') {
      // the client's own examples, a seeded share triggered and relabelled (cached per client)
      let own = this.#backdoored.get(c);
      if (own === undefined) {
        const spec = {
          targetClass: attack.targetClass ?? 0,
          poisonFraction: attack.poisonFraction ?? 0.5,
          seed: attack.seed,
        };
        own = backdoorClientData(dataset, clientIndices(this.#o.partition, c), spec, c);
        this.#backdoored.set(c, own);
      }
      return { client: c, data: createDataSource(own) };
    }
    if (attack?.kind === 'label-flip') {
      this.#poisoned ??= flippedLabels(dataset);
      dataset = this.#poisoned;
    }
    return {
      client: c,
      data: createDataSource(dataset, { indices: this.#split(c)[part] }),
    };
  }

  fit(input: EngineFitInput): Promise<EngineFitOutput> {
    return this.#o.pool.exclusive(async () => {
      const { client, data } = this.#data();
      // Mix the client's partition index into the task seed: different shuffles per client,
      // identical for the same seed on every run.
      const seed = (input.seed * 1_000_003 + client) % Number.MAX_SAFE_INTEGER;
      const { options, compile } = fitSettings(input.hyperParameters, seed, this.#o.stepsPerRun);
      const trainer = await this.#o.pool.trainer(input.spec, compile);
      trainer.setParameters(input.global);
      const initial = wantsInitialLoss(input.hyperParameters)
        ? await trainer.evaluate(data, { batchSize: options.batchSize }, input.signal)
        : undefined;
      const start = performance.now();
      let loss = NaN;
      let accuracy = NaN;
      let steps = 0;
      for await (const p of trainer.fit(data, options, input.signal)) {
        steps = p.step;
        if (p.type === 'epoch') {
          loss = p.loss;
          accuracy = p.accuracy ?? NaN;
        }
        input.onProgress?.({ step: p.step, loss: p.loss });
      }
      const seconds = (performance.now() - start) / 1000;
      this.#o.onFit?.(seconds, steps);
      const metrics: Record<string, number> = { steps, trainSeconds: seconds };
      if (Number.isFinite(loss)) metrics.loss = loss;
      if (Number.isFinite(accuracy)) metrics.accuracy = accuracy;
      if (initial !== undefined && Number.isFinite(initial.loss)) metrics.initialLoss = initial.loss;
      const attack = this.#attacking(client);
      if (attack === undefined)
        return { parameters: trainer.getParameters(), exampleCount: data.size, metrics };
      const parameters = attackParameters(attack, trainer.getParameters(), input.global, seed);
      const exampleCount = attack.kind === 'example-count' ? attack.claimedExamples : data.size;
      return { parameters, exampleCount, metrics };
    });
  }

  evaluate(input: Parameters<LocalTrainingEngine['evaluate']>[0]): Promise<EngineEvaluateOutput> {
    return this.#o.pool.exclusive(async () => {
      const { data } = this.#data((this.#o.localTestFraction ?? 0) > 0 ? 'test' : 'train');
      const { compile } = fitSettings({}, 0);
      const trainer = await this.#o.pool.trainer(input.spec, compile);
      trainer.setParameters(input.global);
      const r = await trainer.evaluate(data, { batchSize: input.batchSize }, input.signal);
      return {
        loss: r.loss,
        exampleCount: r.exampleCount,
        metrics: Number.isFinite(r.accuracy) ? { accuracy: r.accuracy } : {},
      };
    });
  }

  dispose(): Promise<void> {
    return Promise.resolve();
  }
}

/**
 * A LocalTrainingEngine for one virtual client. `exampleCount` is 0 until the slot is
 * bound; `fit`/`evaluate` before binding throw `FAILED_PRECONDITION`. `fit` trains the
 * client's own examples (shuffled with the task seed mixed with the client's index) and
 * reports `loss`/`accuracy` of the last epoch, `steps` and `trainSeconds`. Evaluation runs
 * on the client's held-out examples when `localTestFraction` > 0 (training then uses the
 * rest), else on its own training examples (simulations evaluate centrally as well).
 */
export function createVirtualEngine(options: VirtualEngineOptions): LocalTrainingEngine {
  return new VirtualEngine(options);
}
