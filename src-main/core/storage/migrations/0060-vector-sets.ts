import type { Migration } from './types';

/**
 * Vector sets: a trained run's embeddings of another dataset (`pretext embed <run> <folder>`), kept
 * apart from the run's own vectors so that its map, search and export stay those of its dataset.
 */
export const migration0060VectorSets: Migration = {
  version: 60,
  name: 'vector sets',
  up: `
    CREATE TABLE vector_sets (
      id          INTEGER PRIMARY KEY,
      run_id      INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
      dataset_id  INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
      status      TEXT    NOT NULL CHECK (status IN ('running', 'completed', 'failed', 'cancelled')),
      dim         INTEGER NOT NULL,
      skipped     TEXT    NOT NULL DEFAULT '[]',   -- JSON [{path, reason}] of items that could not be read
      error       TEXT,
      created_at  TEXT    NOT NULL,
      finished_at TEXT
    ) STRICT;
    CREATE INDEX vector_sets_by_run ON vector_sets (run_id);

    CREATE TABLE set_vectors (
      set_id   INTEGER NOT NULL REFERENCES vector_sets(id) ON DELETE CASCADE,
      item_id  INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
      vector   BLOB    NOT NULL,                   -- dim little-endian float32 values
      PRIMARY KEY (set_id, item_id)
    ) STRICT, WITHOUT ROWID;
  `,
};
