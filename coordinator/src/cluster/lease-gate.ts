/**
 * The RunGate of a cluster node: run leases in Redis ({@link RunLeases}), each kept renewed
 * by a {@link HeldLease} while this node drives the run. A failed renewal is logged here;
 * the RunManager hears of the loss through the handle's `lost` signal.
 */
import type { Logger } from '../observability/logger.js';
import type { RunGate, RunLeaseHandle } from '../rounds/run-gate.js';
import { HeldLease } from './held-lease.js';
import type { RunLeases } from './run-lease.js';

/** A RunGate over Redis leases for node `nodeId`. */
export function createLeaseGate(o: { leases: RunLeases; nodeId: string; logger: Logger }): RunGate {
  const { leases, nodeId, logger } = o;
  return {
    nodeId,
    async tryAcquire(runId: string, minEpoch?: number): Promise<RunLeaseHandle | undefined> {
      const grant = await leases.acquire(runId, nodeId, minEpoch);
      if (grant === undefined) return undefined;
      logger.info({ runId, nodeId, epoch: grant.epoch }, 'run lease acquired');
      const held = new HeldLease({
        leases,
        grant,
        onRenewError: (err) => logger.warn({ err, runId, epoch: grant.epoch }, 'run lease renewal failed'),
      });
      return {
        epoch: grant.epoch,
        lost: held.lost,
        release: () => held.release(),
      };
    },
    async holder(runId: string): Promise<string | undefined> {
      return (await leases.holder(runId))?.nodeId;
    },
  };
}
