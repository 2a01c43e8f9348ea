/**
 * The run view's "Leader" summary item in cluster mode: the node that holds the run's lease
 * and the lease epoch, from `GET /api/cluster`, read again on this run's phase events (pause
 * and resume move the lease) and every few seconds (a takeover after a node dies). A run without a
 * lease shows "none" (paused, created or ended runs have no leader; a running one is waiting
 * for a node to take it over). A failed read keeps the last answer and says it is stale.
 */
import { CLUSTER_POLL_MS, loadCluster } from './cluster-data.js';
import { useLiveData } from './use-live-data.js';

/** A `<div><dt/><dd/></div>` for the run summary's `<dl>`. */
export function RunLeader({ runId }: { runId: string }) {
  const { data, error } = useLiveData(
    loadCluster,
    (e) => e.kind === 'run' && e.event.runId === runId && e.event.type === 'phase',
    [runId],
    250,
    CLUSTER_POLL_MS,
  );
  const holder = data?.view.leaders.find((h) => h.runId === runId);
  const node = data === undefined ? (error === '' ? '…' : 'unknown') : (holder?.nodeId ?? 'none');
  return (
    <div>
      <dt>Leader</dt>
      <dd>
        <span data-testid="run-leader">{node}</span>
        {holder === undefined ? null : (
          <small class="muted leader-note" data-testid="run-leader-epoch">
            lease epoch {holder.epoch}
          </small>
        )}
        {error === '' ? null : (
          <small class="muted leader-note" title={error}>
            {data === undefined ? 'cluster view unavailable' : 'stale: cluster view unavailable'}
          </small>
        )}
      </dd>
    </div>
  );
}
