/**
 * A federated text run end to end: three SOTU presidents (the natural partition, one
 * client per president), a tiny char LSTM, the real coordinator and fleet. Per-position
 * labels travel through the shared dataset, the virtual clients' trainers and the central
 * evaluator, whose token accuracy must rise. Needs the corpus provisioned
 * (`ensureTextCorpora()` / `edgefed datasets fetch`); it never downloads.
 */
import { describe, expect, it } from 'vitest';
import { loadTextFederation, readTextDocuments } from '../../coordinator/src/datasets/load-text.js';
import { runSimulation } from '../../coordinator/src/simulation/run-simulation.js';

const T = 20;

describe('text corpora', () => {
  it('reads SOTU by president and Moby-Dick by chapter', async () => {
    const sotu = await readTextDocuments('sotu');
    expect(sotu.length).toBe(233);
    expect(new Set(sotu.map((d) => d.key)).size).toBe(43);
    expect(sotu[0]?.key).toBe('George Washington');
    const moby = await readTextDocuments('moby-dick');
    expect(moby.length).toBe(136);
    expect(moby[0]?.key).toBe('chapter 1');
    expect(moby[0]?.text.startsWith('Call me Ishmael.')).toBe(true);
    expect(moby[135]?.key).toBe('chapter Epilogue');
  });
});

describe('federated char model on SOTU (natural partition)', () => {
  it('learns: central token accuracy rises over four rounds', async () => {
    // The simulation builds the same federation (same options): its vocabulary sizes the model.
    const fed = await loadTextFederation('sotu', {
      level: 'char',
      sequenceLength: T,
      vocabularySize: 10_000,
      testFraction: 0.1,
      maxClients: 3,
    });
    expect(fed.keys).toEqual(['George Washington', 'John Adams', 'Thomas Jefferson']);
    const V = fed.tokens.length;
    const result = await runSimulation({
      dataset: 'sotu',
      partition: 'natural',
      clients: 3,
      fraction: 1,
      rounds: 4,
      epochs: 2,
      batchSize: 10,
      optimizer: 'adam',
      learningRate: 0.01,
      sequenceLength: T,
      trainLimit: 100,
      testLimit: 20,
      stepsPerRun: 1,
      workers: 1,
      seed: 1,
      model: {
        input: { shape: [T] },
        layers: [
          { type: 'embedding', vocabSize: V, dim: 16 },
          { type: 'lstm', units: 32, returnSequences: true },
          { type: 'dense', units: V },
        ],
      },
    });
    expect(result.status).toBe('completed');
    expect(result.partition.summary.numClients).toBe(3);
    expect(result.partition.summary.assignedExamples).toBe(300);
    const acc = result.rounds.map((r) => r.testAccuracy ?? 0);
    expect(acc).toHaveLength(4);
    // Chance is ~1/V; the most frequent character (space) alone gives ~16%.
    expect(acc[3]).toBeGreaterThan(0.25);
    expect(acc[3]).toBeGreaterThan((acc[0] ?? 0) + 0.05);
    const ppl = result.rounds.map((r) => r.testPerplexity ?? Number.NaN);
    expect(ppl[3]).toBeLessThan(ppl[0] ?? 0);
    expect(ppl[3]).toBeGreaterThan(1);
  });
});
