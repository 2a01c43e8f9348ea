/**
 * One run's fixed context during a round: its id, parsed config, live strategy, and the
 * coordinator's shared services (run-services.ts). Built once per run by the RunRunner.
 */
import type { Strategy } from '@edgefed/shared';
import type { RunConfig } from './run-config.js';
import type { RunServices } from './run-services.js';

/** One run's fixed context during a round. */
export interface RoundContext {
  readonly runId: string;
  readonly config: RunConfig;
  readonly strategy: Strategy;
  readonly services: RunServices;
}
