/** The SecAgg+ neighbour graph: symmetric, k-regular(-ish), deterministic per seed. */
import { describe, expect, it } from 'vitest';
import { neighbourGraph } from './graph.js';
import { codeOf } from './test-util.js';

const ids = (n: number): string[] => Array.from({ length: n }, (_, i) => `client-${i}`);
const seed = (v: number): Uint8Array => new Uint8Array(32).fill(v);

async function degrees(n: number, k: number): Promise<number[]> {
  const graph = await neighbourGraph(ids(n), k, seed(1));
  const problems: string[] = [];
  for (const [id, list] of graph) {
    if (list.includes(id)) problems.push(`${id} is its own neighbour`);
    if (new Set(list).size !== list.length) problems.push(`${id} lists a neighbour twice`);
    for (const other of list)
      if (!graph.get(other)?.includes(id)) problems.push(`${id} -> ${other} is one-way`);
  }
  expect(problems).toEqual([]);
  return [...graph.values()].map((l) => l.length);
}

describe('neighbourGraph', () => {
  it('is symmetric and k-regular for even k, and for odd k with even n', async () => {
    expect(new Set(await degrees(100, 20))).toEqual(new Set([20]));
    expect(new Set(await degrees(50, 7))).toEqual(new Set([7]));
  });

  it('gives one client k + 1 neighbours for odd k and odd n', async () => {
    const d = await degrees(51, 7);
    expect(d.filter((x) => x === 7)).toHaveLength(50);
    expect(d.filter((x) => x === 8)).toHaveLength(1);
  });

  it('is the complete graph (full SecAgg) for k >= n - 1', async () => {
    expect(new Set(await degrees(12, 11))).toEqual(new Set([11]));
    expect(new Set(await degrees(12, 40))).toEqual(new Set([11]));
  });

  it('is the same for every party given the seed, whatever the input order, and changes with it', async () => {
    const a = await neighbourGraph(ids(40), 6, seed(3));
    const shuffled = [...ids(40)].reverse();
    expect(new Map(await neighbourGraph(shuffled, 6, seed(3)))).toEqual(new Map(a));
    expect(new Map(await neighbourGraph(ids(40), 6, seed(4)))).not.toEqual(new Map(a));
  });

  it('rejects duplicate ids and a bad k', async () => {
    expect(await codeOf(neighbourGraph(['a', 'a', 'b'], 2, seed(1)))).toBe('INVALID_ARGUMENT');
    expect(await codeOf(neighbourGraph(['a', 'b', 'c'], 0, seed(1)))).toBe('INVALID_ARGUMENT');
  });
});
