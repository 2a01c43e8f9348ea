/**
 * The PostgreSQL run store's schema, as forward-only migrations (applied by
 * pg-migrations.ts). Same tables and columns as the SQLite schema (sqlite-schema.ts), so
 * the row mapping in sqlite-rows.ts serves both: JSON is TEXT written by JSON.stringify
 * (kept byte for byte, unlike jsonb), times are epoch ms, and every integer is BIGINT
 * because the store accepts any safe integer. Ids sort with `COLLATE "C"` (code-point
 * order, as SQLite compares), whatever the database's default collation.
 */

/** One schema step: `version` is 1, 2, 3, ... in order; `sql(schema)` may hold several statements. */
export interface PgMigration {
  readonly version: number;
  readonly description: string;
  /** The statements, with tables qualified by `schema` (already quoted). */
  readonly sql: (schema: string) => string;
}

const V1 = (s: string): string => `
CREATE TABLE ${s}.runs (
  seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id TEXT COLLATE "C" NOT NULL UNIQUE,
  name TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('created','running','paused','stopped','completed','failed')),
  config TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  revision BIGINT NOT NULL,
  current_round BIGINT NOT NULL,
  current_model_version BIGINT,
  strategy_state TEXT NOT NULL,
  best_metrics TEXT NOT NULL
);

CREATE TABLE ${s}.rounds (
  run_id TEXT COLLATE "C" NOT NULL REFERENCES ${s}.runs (id),
  round BIGINT NOT NULL,
  attempt BIGINT NOT NULL,
  state TEXT NOT NULL CHECK (state IN
    ('selecting','training','aggregating','evaluating','completed','failed','cancelled')),
  started_at BIGINT NOT NULL,
  ended_at BIGINT,
  selected_count BIGINT NOT NULL,
  completed_count BIGINT NOT NULL,
  failed_count BIGINT NOT NULL,
  dropped_count BIGINT NOT NULL,
  bytes_up BIGINT NOT NULL,
  bytes_down BIGINT NOT NULL,
  train_metrics TEXT NOT NULL,
  eval_metrics TEXT NOT NULL,
  failure_reason TEXT,
  PRIMARY KEY (run_id, round, attempt)
);

CREATE TABLE ${s}.client_outcomes (
  seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  run_id TEXT COLLATE "C" NOT NULL,
  round BIGINT NOT NULL,
  attempt BIGINT NOT NULL,
  client_id TEXT COLLATE "C" NOT NULL,
  outcome TEXT NOT NULL CHECK (outcome IN ('completed','failed','dropped','late','rejected')),
  code TEXT,
  example_count BIGINT NOT NULL,
  metrics TEXT NOT NULL,
  bytes_up BIGINT NOT NULL,
  bytes_down BIGINT NOT NULL,
  recorded_at BIGINT NOT NULL,
  UNIQUE (run_id, round, attempt, client_id),
  FOREIGN KEY (run_id, round, attempt) REFERENCES ${s}.rounds (run_id, round, attempt)
);
CREATE INDEX client_outcomes_by_client ON ${s}.client_outcomes (client_id);

CREATE TABLE ${s}.metrics (
  seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  run_id TEXT COLLATE "C" NOT NULL REFERENCES ${s}.runs (id),
  round BIGINT NOT NULL,
  name TEXT COLLATE "C" NOT NULL,
  value DOUBLE PRECISION NOT NULL,
  scope TEXT NOT NULL CHECK (scope IN ('train','eval','central')),
  recorded_at BIGINT NOT NULL
);
CREATE INDEX metrics_by_run_round ON ${s}.metrics (run_id, round, seq);

CREATE TABLE ${s}.checkpoints (
  run_id TEXT COLLATE "C" NOT NULL REFERENCES ${s}.runs (id),
  version BIGINT NOT NULL,
  round BIGINT NOT NULL,
  hash TEXT NOT NULL CHECK (length(hash) = 64),
  byte_size BIGINT NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (run_id, version)
);
CREATE INDEX checkpoints_by_hash ON ${s}.checkpoints (hash);

CREATE TABLE ${s}.client_sessions (
  client_id TEXT COLLATE "C" PRIMARY KEY,
  resume_token_hash TEXT COLLATE "C" NOT NULL,
  capabilities TEXT NOT NULL,
  first_seen BIGINT NOT NULL,
  last_seen BIGINT NOT NULL,
  contributions BIGINT NOT NULL,
  failures BIGINT NOT NULL
);
CREATE INDEX client_sessions_by_token ON ${s}.client_sessions (resume_token_hash);

CREATE TABLE ${s}.evaluation_reports (
  run_id TEXT COLLATE "C" NOT NULL REFERENCES ${s}.runs (id),
  round BIGINT NOT NULL,
  kind TEXT COLLATE "C" NOT NULL CHECK (kind IN ('central','federated')),
  report TEXT NOT NULL,
  recorded_at BIGINT NOT NULL,
  PRIMARY KEY (run_id, round, kind)
);
`;

/** Every migration of the PostgreSQL run store schema, in order. Append only. */
export const PG_RUN_STORE_MIGRATIONS: readonly PgMigration[] = [
  {
    version: 1,
    description:
      'runs, rounds, client outcomes, metrics, checkpoints, client sessions (by token), evaluation reports',
    sql: V1,
  },
  {
    version: 2,
    description: 'fencing epoch per run (the highest lease epoch a write carried)',
    sql: (s) => `ALTER TABLE ${s}.runs ADD COLUMN fence_epoch BIGINT;`,
  },
];
