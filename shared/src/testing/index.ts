/**
 * `@edgefed/shared/testing`: the conformance suites of shared's pluggable parts, for
 * third-party implementations to prove themselves against. Each suite is runner-agnostic:
 * it returns named async cases that throw on failure; register them with your test runner
 * (`for (const c of strategyConformance('mine', factory)) it(c.name, c.run)`).
 * Kept out of the main entry so applications do not ship test code.
 */
export { strategyConformance } from '../strategy/strategy-conformance.js';
export type { ConformanceCase, StrategyFactory } from '../strategy/strategy-conformance.js';
export { channelConformance } from '../protocol/channel/channel-conformance.js';
export type {
  ChannelConformanceCase,
  ChannelPair,
  ChannelPairFactory,
  ChannelPairLimits,
} from '../protocol/channel/channel-conformance.js';
