/**
 * `@edgefed/coordinator/testing`: the store conformance suites, for third-party RunStores
 * and BlobStores to prove themselves against. Unlike shared's and the client's suites these
 * register Vitest `describe`/`it` blocks themselves, so this entry needs `vitest` (an
 * optional peer dependency); call them at the top level of a `*.test.ts` file.
 * Kept out of the main entry so the coordinator never loads vitest at run time.
 */
export { runRunStoreConformance, SAMPLE_CONFIG } from '../store/run-store-conformance.js';
export type { ConformanceContext, RunStoreFactory } from '../store/run-store-conformance.js';
export { runBlobStoreConformance, seededBytes } from '../store/blob-store-conformance.js';
export type { BlobStoreFactory } from '../store/blob-store-conformance.js';
