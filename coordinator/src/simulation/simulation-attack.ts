/**
 * The attack part of a simulation config (`edgefed simulate --attack KIND --attackers F`):
 * which kind, what fraction of the virtual clients attack, and the kind's parameters; and
 * its translation into the fleet's {@link AttackSpec} with a seeded choice of attackers.
 */
import { z } from 'zod';
import { ATTACK_KINDS, chooseAttackers, type AttackSpec } from '@edgefed/client/node';
import type { RoundRecord, SimulationResult } from './simulation-result.js';

/** Schema of `attack` in a simulation config. */
export const attackConfigSchema = z.strictObject({
  kind: z.enum(ATTACK_KINDS),
  /** Fraction of the clients that attack, [0, 1]; round(fraction x clients) are chosen. */
  fraction: z.number().min(0).max(1).default(0.2),
  /** `scale`: the delta factor; `sign-flip`: the delta is multiplied by -scale. */
  scale: z.number().positive().max(1e6).default(1),
  /** `gaussian`: standard deviation of the noise update. */
  noiseStd: z.number().positive().max(1e3).default(1),
  /** `example-count`: the example count each attacking result claims. */
  claimedExamples: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER).default(1_000_000_000),
  /** `backdoor`: the class triggered examples are relabelled to. */
  targetClass: z.number().int().min(0).max(100_000).default(0),
  /** `backdoor`: fraction of each attacker's examples that carry the trigger. */
  poisonFraction: z.number().gt(0).lte(1).default(0.5),
});

/** A validated attack config. */
export type AttackConfig = z.output<typeof attackConfigSchema>;

/** The fleet's attack spec for `clients` virtual clients, attackers chosen with `seed`. */
export function attackSpec(a: AttackConfig, clients: number, seed: number): AttackSpec {
  return {
    kind: a.kind,
    attackers: chooseAttackers(clients, a.fraction, seed),
    scale: a.scale,
    noiseStd: a.noiseStd,
    claimedExamples: a.claimedExamples,
    ...(a.kind === 'backdoor' ? { targetClass: a.targetClass, poisonFraction: a.poisonFraction } : {}),
    seed,
  };
}

/**
 * The result's `attack` entry: kind, attackers and, for `backdoor`, the attack success rate
 * of the last evaluated round (per-round values are in the round records).
 */
export function attackResult(
  a: AttackSpec,
  rounds: readonly RoundRecord[],
): NonNullable<SimulationResult['attack']> {
  const evaluated = rounds.filter((r) => r.attackSuccessRate !== undefined && r.attackSuccessRate !== null);
  const last = evaluated[evaluated.length - 1]?.attackSuccessRate;
  return {
    kind: a.kind,
    attackers: a.attackers,
    ...(a.kind === 'backdoor'
      ? { targetClass: a.targetClass ?? 0, finalAttackSuccessRate: last ?? null }
      : {}),
  };
}
