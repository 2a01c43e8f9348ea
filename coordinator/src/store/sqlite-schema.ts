/**
 * The SQLite run store's schema, as forward-only migrations (see sqlite-migrations.ts).
 * JSON columns hold TEXT written by JSON.stringify; times are epoch milliseconds.
 */
import type { Migration } from './sqlite-migrations.js';

const V1 = `
CREATE TABLE runs (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('created','running','paused','stopped','completed','failed')),
  config TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  revision INTEGER NOT NULL,
  current_round INTEGER NOT NULL,
  current_model_version INTEGER,
  strategy_state TEXT NOT NULL,
  best_metrics TEXT NOT NULL
) STRICT;

CREATE TABLE rounds (
  run_id TEXT NOT NULL REFERENCES runs (id),
  round INTEGER NOT NULL,
  attempt INTEGER NOT NULL,
  state TEXT NOT NULL CHECK (state IN
    ('selecting','training','aggregating','evaluating','completed','failed','cancelled')),
  started_at INTEGER NOT NULL,
  ended_at INTEGER,
  selected_count INTEGER NOT NULL,
  completed_count INTEGER NOT NULL,
  failed_count INTEGER NOT NULL,
  dropped_count INTEGER NOT NULL,
  bytes_up INTEGER NOT NULL,
  bytes_down INTEGER NOT NULL,
  train_metrics TEXT NOT NULL,
  eval_metrics TEXT NOT NULL,
  failure_reason TEXT,
  PRIMARY KEY (run_id, round, attempt)
) STRICT;

CREATE TABLE client_outcomes (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  run_id TEXT NOT NULL,
  round INTEGER NOT NULL,
  attempt INTEGER NOT NULL,
  client_id TEXT NOT NULL,
  outcome TEXT NOT NULL CHECK (outcome IN ('completed','failed','dropped','late','rejected')),
  code TEXT,
  example_count INTEGER NOT NULL,
  metrics TEXT NOT NULL,
  bytes_up INTEGER NOT NULL,
  bytes_down INTEGER NOT NULL,
  recorded_at INTEGER NOT NULL,
  UNIQUE (run_id, round, attempt, client_id),
  FOREIGN KEY (run_id, round, attempt) REFERENCES rounds (run_id, round, attempt)
) STRICT;
CREATE INDEX client_outcomes_by_client ON client_outcomes (client_id);

CREATE TABLE metrics (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  run_id TEXT NOT NULL REFERENCES runs (id),
  round INTEGER NOT NULL,
  name TEXT NOT NULL,
  value REAL NOT NULL,
  scope TEXT NOT NULL CHECK (scope IN ('train','eval','central')),
  recorded_at INTEGER NOT NULL
) STRICT;
CREATE INDEX metrics_by_run_round ON metrics (run_id, round, seq);

CREATE TABLE checkpoints (
  run_id TEXT NOT NULL REFERENCES runs (id),
  version INTEGER NOT NULL,
  round INTEGER NOT NULL,
  hash TEXT NOT NULL CHECK (length(hash) = 64),
  byte_size INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (run_id, version)
) STRICT;
CREATE INDEX checkpoints_by_hash ON checkpoints (hash);

CREATE TABLE client_sessions (
  client_id TEXT PRIMARY KEY,
  resume_token_hash TEXT NOT NULL,
  capabilities TEXT NOT NULL,
  first_seen INTEGER NOT NULL,
  last_seen INTEGER NOT NULL,
  contributions INTEGER NOT NULL,
  failures INTEGER NOT NULL
) STRICT;
`;

/** Every migration of the run store schema, in order. Append only. */
export const RUN_STORE_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'runs, rounds, client outcomes, metrics, checkpoints, client sessions',
    sql: V1,
  },
  {
    version: 2,
    description: 'index client sessions by resume-token hash (resume after a restart)',
    sql: 'CREATE INDEX client_sessions_by_token ON client_sessions (resume_token_hash);',
  },
  {
    version: 3,
    description: 'evaluation reports per round (confusion matrix, per-client results)',
    sql: `CREATE TABLE evaluation_reports (
  run_id TEXT NOT NULL REFERENCES runs (id),
  round INTEGER NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('central','federated')),
  report TEXT NOT NULL,
  recorded_at INTEGER NOT NULL,
  PRIMARY KEY (run_id, round, kind)
) STRICT;`,
  },
  {
    version: 4,
    description: 'fencing epoch per run (the highest lease epoch a write carried)',
    sql: 'ALTER TABLE runs ADD COLUMN fence_epoch INTEGER;',
  },
];
