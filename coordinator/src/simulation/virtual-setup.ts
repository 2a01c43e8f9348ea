/**
 * Builds a simulation's {@link VirtualTimeGateway} from its config and data: device profiles
 * drawn with the seed, each partition client's example count, and the model's byte size.
 */
import { EdgefedError } from '@edgefed/shared';
import { parseRunConfig } from '../rounds/run-config.js';
import type { TaskGateway } from '../rounds/task-gateway.js';
import { initialParameters } from '../server/model-support.js';
import { deviceProfiles } from './device-profiles.js';
import { toRunConfig, type SimulationConfig } from './simulation-config.js';
import type { SimulationData } from './simulation-data.js';
import { VirtualTimeGateway } from './virtual-time-gateway.js';

/** Bytes of a run's model parameters (what a client downloads). */
export function modelByteSize(c: SimulationConfig, data: SimulationData): number {
  const config = parseRunConfig(toRunConfig(c, { ...data.spec }));
  let bytes = 0;
  for (const t of initialParameters(config).values()) bytes += t.data.byteLength;
  return bytes;
}

/** The virtual-time gateway around `inner` for a config with `devices`. */
export function virtualGateway(
  inner: TaskGateway,
  c: SimulationConfig,
  data: SimulationData,
): VirtualTimeGateway {
  const d = c.devices;
  if (d === undefined) throw new EdgefedError('INTERNAL', 'virtual time needs a devices config');
  const { offsets } = data.partition;
  const exampleCounts = Array.from(
    { length: data.partition.numClients },
    (_, k) => (offsets[k + 1] ?? 0) - (offsets[k] ?? 0),
  );
  const s = c.strategy;
  const num = (v: unknown): number => (typeof v === 'number' ? v : 1);
  return new VirtualTimeGateway({
    inner,
    profiles: deviceProfiles(d, data.partition.numClients, c.seed),
    exampleCounts,
    examplesPerSecond: d.examplesPerSecond,
    dropoutRate: d.dropoutRate,
    deadlineSeconds: c.roundDeadlineMs / 1000,
    modelBytes: modelByteSize(c, data),
    minOnline: Math.max(num(s.minFitClients), num(s.minAvailableClients)),
    seed: c.seed,
  });
}
