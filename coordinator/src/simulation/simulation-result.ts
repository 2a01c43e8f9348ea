/**
 * The result of a simulation: config, one record per round, rounds-to-target, totals and
 * the partition report. Plain JSON data (what `--out FILE.json` holds).
 */
import type { ClientDistribution, PartitionReport } from '@edgefed/shared';
import type { SimulationConfig } from './simulation-config.js';

/** One committed round. Accuracy and loss are null when the round was not evaluated. */
export interface RoundRecord {
  readonly round: number;
  /** Central test accuracy and loss of the model after this round. */
  readonly testAccuracy: number | null;
  readonly testLoss: number | null;
  /** Text datasets: central test perplexity (null otherwise; JSON only, not in the CSV). */
  readonly testPerplexity?: number | null;
  /** Word-level text: central top-3 accuracy (null otherwise; JSON only, not in the CSV). */
  readonly testTopKAccuracy?: number | null;
  /**
   * `localTestFraction` runs only: example-weighted mean accuracy and loss of every client's
   * model on its held-out examples (federated evaluation; JSON only, not in the CSV).
   */
  readonly localAccuracy?: number | null;
  readonly localLoss?: number | null;
  /** Example-weighted mean local training loss of the completed clients. */
  readonly trainLoss: number | null;
  readonly selected: number;
  readonly completed: number;
  /** Clients that reported an error or whose update was rejected. */
  readonly failed: number;
  /** Clients that vanished or missed the deadline. */
  readonly dropped: number;
  /** Update bytes received by the coordinator. */
  readonly bytesUp: number;
  /** Model bytes the coordinator served over HTTP (workers share one download per version). */
  readonly bytesDown: number;
  /** Seconds from the end of the previous round to the end of this one (incl. evaluation). */
  readonly wallSeconds: number;
  /** Failed attempts of this round before it committed. */
  readonly failedAttempts: number;
  /** Differentially private runs only: the privacy spent up to this round, at the run's delta. */
  readonly epsilon?: number;
  /**
   * Virtual-time runs only (`--speeds`, `--bandwidth`, ...): virtual seconds since the previous
   * round committed (failed attempts included), and since the simulation started.
   */
  readonly virtualSeconds?: number;
  readonly virtualTime?: number;
  /** `--attack backdoor` only: share of triggered test images of other classes put in the target class. */
  readonly attackSuccessRate?: number | null;
  /**
   * Evaluated rounds of classifiers: the distribution over clients of each client's
   * label-weighted test accuracy (client-accuracy.ts): mean, p10, worst-10% mean, std,
   * histogram. JSON only.
   */
  readonly clientAccuracy?: ClientDistribution;
}

/** Sums over the run. */
export interface SimulationTotals {
  readonly rounds: number;
  readonly clientUpdates: number;
  readonly bytesUp: number;
  readonly bytesDown: number;
  /** Seconds of training summed over workers (a fit's time includes work interleaved on its worker). */
  readonly trainSeconds: number;
  /** Optimizer steps summed over workers. */
  readonly trainSteps: number;
  /** `trainSteps / trainSeconds` (0 without training). */
  readonly trainStepsPerSecond: number;
  /** Seconds from starting the run to its end (rounds only). */
  readonly wallSeconds: number;
  /** Seconds spent loading data, starting the coordinator and connecting the fleet. */
  readonly setupSeconds: number;
  /** Peak resident memory of the process (all threads), bytes. */
  readonly peakRssBytes: number;
  readonly clientUpdatesPerSecond: number;
  readonly finalAccuracy: number | null;
  readonly bestAccuracy: number | null;
}

/** Partition report as JSON (histograms as arrays). */
export interface PartitionReportJson {
  readonly summary: PartitionReport['summary'];
  readonly clients: readonly { readonly count: number; readonly labelHistogram: readonly number[] }[];
}

/** Everything a simulation produced. */
export interface SimulationResult {
  readonly config: SimulationConfig;
  /** How virtual clients reached the coordinator's control plane. */
  readonly transport: SimulationConfig['transport'];
  readonly workers: number;
  /** `completed`, `failed` or `stopped` (the run's final status). */
  readonly status: string;
  readonly rounds: readonly RoundRecord[];
  /** First round whose test accuracy reached the target; null if never (or no target). */
  readonly roundsToTarget: number | null;
  readonly totals: SimulationTotals;
  readonly partition: PartitionReportJson;
  /**
   * Present with `--attack`: the kind and the partition indices of the attacking clients
   * (client k is the virtual client with the k-th smallest id; see the fleet).
   */
  readonly attack?: {
    readonly kind: string;
    readonly attackers: readonly number[];
    /** `backdoor` only: the target class and the last evaluated attack success rate. */
    readonly targetClass?: number;
    readonly finalAttackSuccessRate?: number | null;
  };
  /**
   * Virtual-time runs only: virtual seconds until the first round whose test accuracy reached
   * the target (null if never), and in all.
   */
  readonly timeToTarget?: number | null;
  readonly virtualSeconds?: number;
}

/** The partition report in JSON form. */
export function partitionReportJson(report: PartitionReport): PartitionReportJson {
  return {
    summary: report.summary,
    clients: report.clients.map((c) => ({ count: c.count, labelHistogram: Array.from(c.labelHistogram) })),
  };
}

/** Virtual time of the first round reaching `target` (null when never, no target or no virtual time). */
export function timeToTarget(rounds: readonly RoundRecord[], target: number | undefined): number | null {
  if (target === undefined) return null;
  return rounds.find((r) => r.testAccuracy !== null && r.testAccuracy >= target)?.virtualTime ?? null;
}

/** The first round reaching `target` (null when `target` is undefined or never reached). */
export function roundsToTarget(rounds: readonly RoundRecord[], target: number | undefined): number | null {
  if (target === undefined) return null;
  return rounds.find((r) => r.testAccuracy !== null && r.testAccuracy >= target)?.round ?? null;
}
