/**
 * The TaskGateway a run's leader uses in cluster mode (issue #16), over the node's own
 * gateway: its candidates are the node's own idle participants plus those the other live
 * nodes publish (client-directory.ts), minus clients it has a task in flight with; fit
 * batches are folded where the results arrive (`folding`, used by cluster-fit-round.ts) and
 * other batches (federated evaluation) are relayed: metrics only, never payloads. Batches
 * are routed by cluster-routing.ts and routed-batch.ts.
 */
import type { ClientCandidate, ErrorCode } from '@edgefed/shared';
import type { FoldedBatch, FoldingGateway, FoldOutcome } from '../rounds/cluster-fit-round.js';
import type { RunTasksOptions, TaskGateway, TaskOutcome, TaskSpec } from '../rounds/task-gateway.js';
import type { ClusterRouting, LocalGateway } from './cluster-routing.js';

/** The leader's TaskGateway over the whole cluster (see the file comment). */
export class ClusterTaskGateway implements TaskGateway {
  readonly #r: ClusterRouting;
  readonly #local: LocalGateway;
  readonly folding: FoldingGateway;

  constructor(routing: ClusterRouting, local: LocalGateway) {
    this.#r = routing;
    this.#local = local;
    this.folding = {
      runFolded: (o): FoldedBatch => {
        const batch = this.#r.newBatch(o);
        async function* outcomes(): AsyncGenerator<FoldOutcome> {
          for await (const x of batch.outcomes) {
            // hosts fold every fit result of a folded batch; a relayed one would be a bug
            yield x.status === 'completed'
              ? {
                  status: 'dropped',
                  task: x.task,
                  code: 'INTERNAL',
                  message: 'relayed, not folded',
                  bytesUp: x.bytesUp,
                }
              : x;
          }
        }
        return { [Symbol.asyncIterator]: () => outcomes(), finish: () => batch.finish() };
      },
    };
  }

  candidates(runId: string): ClientCandidate[] {
    const local = this.#local.candidates(runId);
    const exclude = this.#r.inFlight();
    for (const c of local) exclude.add(c.id);
    return [...local, ...this.#r.directory.remote(runId, exclude).map((r) => r.candidate)];
  }

  /** Evaluate tasks (and any task outside a folded fit round): results relayed, no payloads. */
  runTasks(options: RunTasksOptions): AsyncIterable<TaskOutcome> {
    const batch = this.#r.newBatch(options);
    return (async function* () {
      try {
        for await (const o of batch.outcomes) {
          if (o.status === 'folded' || o.status === 'rejected') {
            yield {
              status: 'failed',
              task: o.task,
              code: 'INTERNAL',
              message: 'unexpected fold',
              bytesUp: o.bytesUp,
            };
          } else yield o;
        }
      } finally {
        batch.release();
      }
    })();
  }

  reportRejected(task: TaskSpec, error: { readonly code: ErrorCode; readonly message: string }): void {
    this.#local.reportRejected?.(task, error);
  }

  /** Fires on local task ends and on every directory refresh (remote candidates changed). */
  onIdle(listener: () => void): () => void {
    const a = this.#local.onIdle(listener);
    const b = this.#r.directory.onChanged(listener);
    return () => {
      a();
      b();
    };
  }
}
