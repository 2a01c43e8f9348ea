/**
 * Store latency: the PostgreSQL stores against the embedded defaults, measured in the same
 * run on the same machine. PostgreSQL runs locally (tests/support/postgres.ts) with fsync
 * and synchronous commit ON, as SQLite runs with `synchronous = FULL`, so both pay for
 * durability.
 *
 * Figures: `commitRound` (one finished round: run update, round, 10 client outcomes, 2
 * metrics, checkpoint record, in one transaction) in ms per commit, one writer; blob `put`
 * and verified `get` of a model of `--mb` MiB (default 4) in ms.
 *
 * `npm run bench -- store [--commits 200] [--mb 4]`
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  openFsBlobStore,
  openPgBlobStore,
  openPgRunStore,
  openSqliteRunStore,
  type BlobStore,
  type RunStore,
} from '@edgefed/coordinator';
import { startPostgres } from '../tests/support/postgres.js';
import type { Benchmark, FigureInput } from './harness.js';

const hash = (n: number): string => (n % 16).toString(16).repeat(64);

async function commits(store: RunStore, count: number): Promise<number> {
  await store.createRun({ id: 'bench', name: 'bench', config: {} });
  const one = (round: number) =>
    store.commitRound({
      runUpdate: { currentRound: round, currentModelVersion: round },
      expectedRevision: round - 1,
      round: { runId: 'bench', round, attempt: 1, state: 'completed', startedAt: round, endedAt: round + 1 },
      outcomes: Array.from({ length: 10 }, (_, c) => ({ clientId: `c${c}`, outcome: 'completed' as const })),
      metrics: [
        { name: 'loss', value: 1 / round, scope: 'train' as const },
        { name: 'accuracy', value: 0.5, scope: 'eval' as const },
      ],
      checkpoint: { version: round, hash: hash(round), byteSize: 1000 },
    });
  await one(1); // warm-up
  const start = performance.now();
  for (let round = 2; round <= count + 1; round++) await one(round);
  return (performance.now() - start) / count;
}

async function blobs(store: BlobStore, mb: number): Promise<{ put: number; get: number }> {
  const data = new Uint8Array(mb * 1024 * 1024);
  for (let i = 0; i < data.length; i++) data[i] = (i * 2654435761) >>> 24;
  let start = performance.now();
  const { hash: h } = await store.put(data);
  const put = performance.now() - start;
  start = performance.now();
  await store.get(h);
  return { put, get: performance.now() - start };
}

const bench: Benchmark = {
  description: 'commitRound and blob put/get: PostgreSQL (fsync on) vs SQLite + files',
  async run(ctx) {
    const { args } = ctx;
    const report = (figure: FigureInput): void => {
      ctx.report(figure);
    };
    const count = Number(args.commits ?? 200);
    const mb = Number(args.mb ?? 4);
    const dir = await mkdtemp(join(tmpdir(), 'edgefed-bench-store-'));
    const pg = await startPostgres({ durable: true });
    try {
      const url = await pg.createDatabase('bench');
      const sqlite = openSqliteRunStore({ path: join(dir, 'runs.db') });
      const pgRuns = await openPgRunStore({ url });
      const fig = (name: string, value: number, unit: string, baseline?: string): FigureInput => ({
        name,
        value: Math.round(value * 100) / 100,
        unit,
        ...(baseline === undefined ? {} : { baseline }),
      });
      report(fig('commitRound-sqlite', await commits(sqlite, count), 'ms/commit'));
      report(fig('commitRound-postgres', await commits(pgRuns, count), 'ms/commit', 'commitRound-sqlite'));
      await Promise.all([sqlite.close(), pgRuns.close()]);
      const fsBlobs = await openFsBlobStore({ dir: join(dir, 'blobs') });
      const pgBlobs = await openPgBlobStore({ url });
      const f = await blobs(fsBlobs, mb);
      const p = await blobs(pgBlobs, mb);
      report(fig(`put-${mb}MiB-fs`, f.put, 'ms'));
      report(fig(`put-${mb}MiB-postgres`, p.put, 'ms', `put-${mb}MiB-fs`));
      report(fig(`get-${mb}MiB-fs`, f.get, 'ms'));
      report(fig(`get-${mb}MiB-postgres`, p.get, 'ms', `get-${mb}MiB-fs`));
      await Promise.all([fsBlobs.close(), pgBlobs.close()]);
    } finally {
      await pg.stop();
      await rm(dir, { recursive: true, force: true });
    }
  },
};

export default bench;
