/**
 * The SecAgg+ neighbour graph (Bell et al. 2020): a Harary graph H(k, n) over a random ring
 * order of the clients. The order sorts clients by SHA-256(seed || id), so every party that
 * knows the round's public seed and the roster derives the same graph, and the coordinator
 * cannot place clients without choosing the seed (it publishes one fresh random seed per round).
 * Each client is joined to the floor(k/2) clients on either side of it on the ring; an odd k adds
 * the client opposite (exactly k-regular for even n; one client gets k + 1 for odd n).
 * k >= n - 1 gives the complete graph, i.e. full SecAgg (Bonawitz et al. 2017).
 */
import { EdgefedError } from '../errors.js';
import type { NeighbourGraph } from './types.js';
import { concatBytes, subtle, utf8 } from './webcrypto.js';

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

/** The clients in ring order: sorted by SHA-256(seed || utf8(id)), ties by id. */
export async function ringOrder(ids: readonly string[], seed: Uint8Array): Promise<string[]> {
  const ranked = await Promise.all(
    ids.map(async (id) => ({
      id,
      rank: new Uint8Array(await subtle().digest('SHA-256', concatBytes(seed, utf8(id)))),
    })),
  );
  ranked.sort((a, b) => compareBytes(a.rank, b.rank) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return ranked.map((r) => r.id);
}

/**
 * The neighbours of every client (symmetric, no self-loops, each list sorted). Throws
 * `INVALID_ARGUMENT` for duplicate ids or k < 1.
 */
export function neighbourGraph(ids: readonly string[], k: number, seed: Uint8Array): Promise<NeighbourGraph> {
  // every party of a simulated round derives the same graph: remember the last one
  const key = JSON.stringify([k, Array.from(seed), ids]);
  if (lastGraph?.key !== key) lastGraph = { key, graph: buildGraph(ids, k, seed) };
  const graph = lastGraph.graph;
  graph.catch(() => {
    if (lastGraph?.graph === graph) lastGraph = undefined;
  });
  return graph;
}

/** The last graph built, so the parties of one simulated round share it. */
let lastGraph: { key: string; graph: Promise<NeighbourGraph> } | undefined;

async function buildGraph(ids: readonly string[], k: number, seed: Uint8Array): Promise<NeighbourGraph> {
  if (new Set(ids).size !== ids.length) throw new EdgefedError('INVALID_ARGUMENT', 'Duplicate client ids');
  if (!Number.isInteger(k) || k < 1) throw new EdgefedError('INVALID_ARGUMENT', `Bad neighbour count ${k}`);
  const ring = await ringOrder(ids, seed);
  const n = ring.length;
  const sets = ring.map(() => new Set<number>());
  const join = (i: number, j: number): void => {
    const a = ((i % n) + n) % n;
    const b = ((j % n) + n) % n;
    if (a === b) return;
    sets[a]?.add(b);
    sets[b]?.add(a);
  };
  if (k >= n - 1) {
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) join(i, j);
  } else {
    const half = Math.floor(k / 2);
    for (let i = 0; i < n; i++) for (let d = 1; d <= half; d++) join(i, i + d);
    if (k % 2 === 1) {
      if (n % 2 === 0) for (let i = 0; i < n / 2; i++) join(i, i + n / 2);
      else for (let i = 0; i <= (n - 1) / 2; i++) join(i, i + (n - 1) / 2);
    }
  }
  const graph = new Map<string, readonly string[]>();
  for (const [i, id] of ring.entries()) {
    const neighbours = [...(sets[i] ?? [])].map((j) => ring[j] ?? '');
    graph.set(id, neighbours.sort());
  }
  return graph;
}
