/**
 * The `edgefed simulate` flags that switch on a run feature rather than set a plain field:
 * upload compression, differential privacy, FedProx and quantity-skew partitions. Each
 * turns into the simulation config's own fields (validated again by `parseSimulationConfig`)
 * and refuses contradictory or malformed input with `INVALID_ARGUMENT` naming the flag.
 */
import { EdgefedError } from '@edgefed/shared';

/** parseArgs options of these flags (merged into SIMULATE_OPTIONS). */
export const EXTRA_SIMULATE_OPTIONS = {
  compression: { type: 'string' },
  'dp-clip': { type: 'string' },
  'dp-noise': { type: 'string' },
  'dp-delta': { type: 'string' },
  fedprox: { type: 'string' },
  'size-exponent': { type: 'string' },
  'size-alpha': { type: 'string' },
  'min-client-size': { type: 'string' },
} as const;

/** Help lines of these flags (part of SIMULATE_HELP). */
export const EXTRA_SIMULATE_HELP = `Compression, privacy, FedProx, quantity skew
  --compression none|fp16|int8|topk[:F]  upload compression (default none); topk keeps the
                                    fraction F (default 0.01) of largest entries per tensor,
                                    with error feedback on each client
  --dp-clip C --dp-noise Z          DP-FedAvg (strategy privacy block): clip updates to L2
                                    norm C, Gaussian noise Z x C on the sum; noise seeded
                                    with --seed (simulations only); fedavg-family strategies
  --dp-delta D                      delta of the reported epsilon (default 1e-5)
  --fedprox MU                      FedProx with proximal term MU (= --strategy fedprox --mu MU)
  --partition quantity-skew         IID labels, skewed client sizes: Pareto sizes with
  --size-exponent E                 tail exponent E (default 1.5; smaller = more skewed)
  --size-alpha A                    or Dirichlet(A) size proportions instead
  --min-client-size N               fewest examples per client (default 1)`;

type Values = Readonly<Record<string, unknown>>;

const DEFAULT_TOPK_FRACTION = 0.01;

function positive(values: Values, flag: string, allowZero = false): number | undefined {
  const raw = values[flag];
  if (typeof raw !== 'string') return undefined;
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n) || n < 0 || (n === 0 && !allowZero))
    throw new EdgefedError(
      'INVALID_ARGUMENT',
      `--${flag} must be a number ${allowZero ? '>= 0' : '> 0'}, got "${raw}"`,
    );
  return n;
}

/**
 * `--compression` as a compression spec: `none`, `fp16`, `int8`, `topk` (1% kept) or
 * `topk:F` with 0 < F <= 1. Throws `INVALID_ARGUMENT` for anything else.
 */
export function compressionFlag(raw: string): Record<string, unknown> {
  const [method, fraction, ...rest] = raw.split(':');
  if ((method === 'none' || method === 'fp16' || method === 'int8') && fraction === undefined)
    return { method };
  if (method === 'topk' && rest.length === 0) {
    if (fraction === undefined) return { method, fraction: DEFAULT_TOPK_FRACTION };
    const f = Number(fraction);
    if (fraction.trim() !== '' && Number.isFinite(f) && f > 0 && f <= 1) return { method, fraction: f };
    throw new EdgefedError('INVALID_ARGUMENT', `--compression topk:F needs 0 < F <= 1, got "${raw}"`);
  }
  throw new EdgefedError(
    'INVALID_ARGUMENT',
    `--compression must be none, fp16, int8, topk or topk:F (0 < F <= 1), got "${raw}"`,
  );
}

function privacyFlags(values: Values): Record<string, unknown> | undefined {
  const clipNorm = positive(values, 'dp-clip');
  const noiseMultiplier = positive(values, 'dp-noise');
  const delta = positive(values, 'dp-delta');
  if (clipNorm === undefined && noiseMultiplier === undefined) {
    if (delta !== undefined)
      throw new EdgefedError('INVALID_ARGUMENT', '--dp-delta needs --dp-clip and --dp-noise');
    return undefined;
  }
  if (clipNorm === undefined || noiseMultiplier === undefined)
    throw new EdgefedError('INVALID_ARGUMENT', '--dp-clip and --dp-noise go together');
  const seed = positive(values, 'seed', true) ?? 0;
  return { clipNorm, noiseMultiplier, seed, ...(delta === undefined ? {} : { delta }) };
}

/**
 * Applies `--fedprox` and the `--dp-*` flags to the strategy config built from the other
 * flags (mutating it). `--fedprox MU` conflicts with `--mu` and with any `--strategy` other
 * than `fedprox`. An unusable combination that only the strategy schema knows (privacy on
 * a robust strategy) fails later with `INVALID_CONFIG`.
 */
export function applyStrategyFlags(values: Values, strategy: Record<string, unknown>): void {
  const mu = positive(values, 'fedprox', true);
  if (mu !== undefined) {
    const named = values.strategy;
    if (typeof named === 'string' && named !== 'fedprox')
      throw new EdgefedError('INVALID_ARGUMENT', `--fedprox conflicts with --strategy ${named}`);
    if (values.mu !== undefined)
      throw new EdgefedError('INVALID_ARGUMENT', '--fedprox MU already sets mu; drop --mu');
    strategy.name = 'fedprox';
    strategy.proximalMu = mu;
  }
  const privacy = privacyFlags(values);
  if (privacy !== undefined) strategy.privacy = privacy;
}

/** The config fields of `--compression` and the quantity-skew flags (absent flags left out). */
export function extraConfigFields(values: Values): Record<string, unknown> {
  const compression = values.compression;
  const skew = {
    sizeExponent: positive(values, 'size-exponent'),
    sizeAlpha: positive(values, 'size-alpha'),
    minClientSize: positive(values, 'min-client-size', true),
  };
  return {
    ...(typeof compression === 'string' ? { compression: compressionFlag(compression) } : {}),
    ...Object.fromEntries(Object.entries(skew).filter(([, v]) => v !== undefined)),
  };
}
