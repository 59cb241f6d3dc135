import type { Migration } from './types';

/**
 * Training runs, their per-step metrics (every logged step, never sampled), checkpoints (files
 * beside the database, referenced here) and the embedding of every item (one float32 BLOB each).
 */
export const migration0020Runs: Migration = {
  version: 20,
  name: 'runs, metrics, checkpoints and vectors',
  up: `
    CREATE TABLE runs (
      id            INTEGER PRIMARY KEY,
      dataset_id    INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
      method        TEXT    NOT NULL,
      config        TEXT    NOT NULL,            -- JSON TrainConfig, complete (defaults filled in)
      seed          INTEGER NOT NULL,
      backend       TEXT,                        -- compute backend that ran it, e.g. 'wasm'
      versions      TEXT    NOT NULL DEFAULT '{}', -- JSON: pretext, tfjs, node
      status        TEXT    NOT NULL CHECK (status IN ('queued', 'running', 'completed', 'failed', 'cancelled', 'interrupted')),
      error         TEXT,
      epochs_done   INTEGER NOT NULL DEFAULT 0,
      steps_done    INTEGER NOT NULL DEFAULT 0,
      train_seconds REAL    NOT NULL DEFAULT 0,  -- wall time spent training, summed over resumes
      embedding_dim INTEGER,
      created_at    TEXT    NOT NULL,
      started_at    TEXT,
      finished_at   TEXT
    ) STRICT;
    CREATE INDEX runs_by_dataset ON runs (dataset_id);

    CREATE TABLE metrics (
      run_id        INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
      step          INTEGER NOT NULL,            -- 1-based optimiser step
      epoch         INTEGER NOT NULL,            -- 1-based
      loss          REAL    NOT NULL,
      lr            REAL    NOT NULL,
      images_per_sec REAL   NOT NULL,
      elapsed_sec   REAL    NOT NULL,            -- training seconds since the run began
      PRIMARY KEY (run_id, step)
    ) STRICT, WITHOUT ROWID;

    CREATE TABLE checkpoints (
      id            INTEGER PRIMARY KEY,
      run_id        INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
      epoch         INTEGER NOT NULL,
      step          INTEGER NOT NULL,
      path          TEXT    NOT NULL,            -- relative to the database's folder
      bytes         INTEGER NOT NULL,
      created_at    TEXT    NOT NULL,
      UNIQUE (run_id, epoch)
    ) STRICT;

    CREATE TABLE vectors (
      run_id        INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
      item_id       INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
      dim           INTEGER NOT NULL,
      vector        BLOB    NOT NULL,            -- dim little-endian float32 values
      PRIMARY KEY (run_id, item_id)
    ) STRICT, WITHOUT ROWID;
  `,
};
