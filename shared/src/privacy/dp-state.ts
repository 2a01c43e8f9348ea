/**
 * The server state of a differentially private strategy: the inner strategy's state plus the
 * privacy accountant (rounds accounted and the accumulated RDP per order), packed into one
 * {@link StrategyState} with `dp.`-prefixed scalars so the checkpoint format stays the same.
 */
import { EdgefedError } from '../errors.js';
import type { StrategyState } from '../strategy/types.js';

const ROUNDS = 'dp.rounds';
const RDP_PREFIX = 'dp.rdp.';

/** What {@link writeDpState} packs. */
export interface DpStateParts {
  /** The wrapper's name (the state's `strategy`). */
  readonly name: string;
  readonly inner: StrategyState;
  readonly rounds: number;
  readonly orders: readonly number[];
  readonly rdp: ArrayLike<number>;
}

/** Packs the inner state and the accountant. Throws `INTERNAL` if the inner state already uses `dp.` keys. */
export function writeDpState(parts: DpStateParts): StrategyState {
  const scalars: Record<string, number> = {};
  for (const [key, value] of Object.entries(parts.inner.scalars)) {
    if (key.startsWith('dp.'))
      throw new EdgefedError('INTERNAL', `Inner strategy state uses the reserved key ${key}`);
    scalars[key] = value;
  }
  scalars[ROUNDS] = parts.rounds;
  parts.orders.forEach((order, i) => {
    scalars[`${RDP_PREFIX}${order}`] = parts.rdp[i] as number;
  });
  return { strategy: parts.name, version: 1, scalars, tensors: parts.inner.tensors };
}

function refuse(message: string): EdgefedError {
  return new EdgefedError('FAILED_PRECONDITION', `Cannot restore privacy state: ${message}`);
}

/**
 * Unpacks state written by {@link writeDpState} for inner strategy `innerName` and accountant
 * `orders`. Throws `FAILED_PRECONDITION` when the round count or an order's RDP is missing,
 * negative or not finite (state saved without privacy, or with other orders).
 */
export function readDpState(
  state: StrategyState,
  innerName: string,
  orders: readonly number[],
): { inner: StrategyState; rounds: number; rdp: Float64Array } {
  const rounds = state.scalars[ROUNDS];
  if (rounds === undefined || !Number.isSafeInteger(rounds) || rounds < 0) {
    throw refuse(`"${ROUNDS}" is ${String(rounds)}`);
  }
  const rdp = Float64Array.from(orders, (order) => {
    const r = state.scalars[`${RDP_PREFIX}${order}`];
    if (r === undefined || !Number.isFinite(r) || r < 0)
      throw refuse(`RDP at order ${order} is ${String(r)}`);
    return r;
  });
  const scalars: Record<string, number> = {};
  for (const [key, value] of Object.entries(state.scalars)) if (!key.startsWith('dp.')) scalars[key] = value;
  return { inner: { strategy: innerName, version: 1, scalars, tensors: state.tensors }, rounds, rdp };
}
