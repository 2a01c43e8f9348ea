/**
 * How many optimizer steps a fit unrolls into one graph run. Unrolling K steps amortises
 * the per-run cost (parameters in and out) for small models, but the graph grows K-fold and
 * onnxruntime's session creation grows faster than that: a 2-layer LSTM over 80 characters
 * (a ~400 KB one-step graph) took 1.1 / 2.7 / 6.8 / 16 s to load at K = 1 / 2 / 4 / 8 on
 * onnxruntime-node (quiet 2-core machine; minutes under load, in every simulation worker),
 * while its step time is so large that unrolling saves nothing measurable. So the requested
 * K is lowered until the unrolled graph stays within {@link MAX_UNROLLED_GRAPH_BYTES}; the
 * updates do not depend on K (the same steps run either way).
 */

/**
 * Largest unrolled training graph, in ONNX bytes, a fit builds by unrolling (512 KiB: the
 * FedAvg 2nn and cnn one-step graphs are 4 KB and 16 KB, so their K = 8 stays; char-lstm at
 * T = 80 is ~400 KB and runs one step per run, at T = 40 two, char-transformer four).
 */
export const MAX_UNROLLED_GRAPH_BYTES = 512 * 1024;

/**
 * The steps per run a fit uses: `requested`, lowered so that `K * oneStepBytes` stays within
 * {@link MAX_UNROLLED_GRAPH_BYTES}, and never below 1.
 */
export function cappedStepsPerRun(requested: number, oneStepBytes: number): number {
  if (requested <= 1) return 1;
  const fit = Math.floor(MAX_UNROLLED_GRAPH_BYTES / Math.max(1, oneStepBytes));
  return Math.max(1, Math.min(requested, fit));
}
