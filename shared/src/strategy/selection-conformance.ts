/**
 * Selection cases of the strategy conformance suite: fraction, minimum, quorum,
 * over-selection, eligibility and seeded determinism of configureFit / configureEvaluate.
 */
import { check, expectCode, rngOf } from './conformance-fixtures.js';
import type { ConformanceCase, StrategyFactory } from './strategy-conformance.js';
import type { ClientCandidate } from './types.js';

const clients = (n: number): ClientCandidate[] =>
  Array.from({ length: n }, (_, i) => ({ id: `client-${String(i).padStart(3, '0')}` }));

const input = (available: readonly ClientCandidate[], seed: number) => ({
  round: 1,
  availableClients: available,
  globalVersion: 'v1',
  rng: rngOf(seed),
});

/** The selection cases. */
export function selectionCases(factory: StrategyFactory): ConformanceCase[] {
  return [
    {
      name: 'configureFit selects ceil(fraction x n) but at least the minimum, without duplicates',
      run: () => {
        const s = factory({ fractionFit: 0.3, minFitClients: 4, minAvailableClients: 5 });
        const all = clients(20);
        const plan = s.configureFit(input(all, 1));
        check(plan.clientIds.length === 6 && plan.targetResults === 6, `selected ${plan.clientIds.length}`);
        check(new Set(plan.clientIds).size === 6, 'duplicate selection');
        const ids = new Set(all.map((c) => c.id));
        check(
          plan.clientIds.every((id) => ids.has(id)),
          'selected an unknown client',
        );
        check(s.configureFit(input(clients(10), 1)).clientIds.length === 4, 'minimum not applied');
        check(plan.minResults === 1, 'minResults should default to 1');
        return Promise.resolve();
      },
    },
    {
      name: 'configureFit is seeded, independent of candidate order, and varies with the seed',
      run: () => {
        const s = factory({ fractionFit: 0.25 });
        const all = clients(40);
        const a = s.configureFit(input(all, 7)).clientIds.join();
        const b = s.configureFit(input([...all].reverse(), 7)).clientIds.join();
        check(a === b, 'selection depends on candidate order');
        const seeds = [8, 9, 10, 11].map((seed) => s.configureFit(input(all, seed)).clientIds.join());
        check(
          seeds.some((x) => x !== a),
          'selection ignores the seed',
        );
        return Promise.resolve();
      },
    },
    {
      name: 'quorum, over-selection and eligibility',
      run: async () => {
        const s = factory({ fractionFit: 0.5, minFitClients: 2, minAvailableClients: 5, overSelection: 1.5 });
        await expectCode(() => s.configureFit(input(clients(4), 1)), 'QUORUM_NOT_MET');
        await expectCode(() => s.configureEvaluate(input(clients(4), 1)), 'QUORUM_NOT_MET');
        const plan = s.configureFit(input(clients(10), 1));
        check(plan.targetResults === 5 && plan.clientIds.length === 8, 'over-selection wrong');
        const mixed = clients(10).map((c, i) => ({ ...c, capabilities: { eligible: i % 3 === 0 } }));
        await expectCode(() => s.configureFit(input(mixed, 1)), 'QUORUM_NOT_MET');
        const eligible = clients(12).map((c, i) => ({ ...c, capabilities: { eligible: i < 10 } }));
        const picked = s.configureFit(input(eligible, 3)).clientIds;
        check(
          picked.every((id) => Number(id.slice(-3)) < 10),
          'selected an ineligible client',
        );
        await expectCode(
          () => s.configureFit(input([...clients(6), { id: 'client-000' }], 1)),
          'INVALID_ARGUMENT',
        );
      },
    },
    {
      name: 'configureEvaluate follows fractionEvaluate and minEvaluateClients',
      run: () => {
        const s = factory({ fractionEvaluate: 0.1, minEvaluateClients: 3, minAvailableClients: 3 });
        const plan = s.configureEvaluate(input(clients(50), 2));
        check(plan.clientIds.length === 5 && plan.minResults === 1, `selected ${plan.clientIds.length}`);
        check(s.configureEvaluate(input(clients(10), 2)).clientIds.length === 3, 'minimum not applied');
        return Promise.resolve();
      },
    },
  ];
}
