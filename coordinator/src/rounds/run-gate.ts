/**
 * RunGate: what the RunManager asks before it drives a run, in cluster mode. One node at a
 * time holds a run's lease (cluster/lease-gate.ts implements it over Redis); only the
 * holder runs the run's round state machine. Without a gate (one coordinator, the default)
 * every run is driven locally, exactly as before.
 */

/** The right to drive one run, until `lost` fires or it is released. */
export interface RunLeaseHandle {
  /** Fencing epoch of this grant (grows with every acquisition of the run's lease). */
  readonly epoch: number;
  /** Aborted when the lease is lost (missed renewals, Redis gone) or released. */
  readonly lost: AbortSignal;
  /** Gives the lease up (idempotent; best effort when Redis is gone). */
  release(): Promise<void>;
}

/** Grants run leases to this node. */
export interface RunGate {
  /** This node's id. */
  readonly nodeId: string;
  /**
   * Takes the run's lease; undefined when another node holds it. The grant's epoch is at
   * least `minEpoch` when given.
   */
  tryAcquire(runId: string, minEpoch?: number): Promise<RunLeaseHandle | undefined>;
  /** The node holding the run's lease now, if any. */
  holder(runId: string): Promise<string | undefined>;
}
