import type { Migration } from './types';

/**
 * Metrics become named series: a step's loss parts (`reconstruction`, `kl`, …) beside its total,
 * and throughput in examples (not images) per second; old runs keep their curves (total only).
 * Evaluations of the frozen embeddings (held-out kNN and linear probe, alignment, uniformity,
 * effective rank) are stored per epoch, and once more on every item's final embedding.
 */
export const migration0050SeriesAndEvaluations: Migration = {
  version: 50,
  name: 'loss parts, examples per second, evaluations',
  up: `
    ALTER TABLE metrics RENAME COLUMN images_per_sec TO examples_per_sec;
    ALTER TABLE metrics ADD COLUMN parts TEXT;     -- JSON {name: value} of the loss parts besides the total; NULL when none

    CREATE TABLE evaluations (
      run_id         INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
      epoch          INTEGER NOT NULL,            -- 0 = before training (the random encoder)
      step           INTEGER NOT NULL,
      final          INTEGER NOT NULL CHECK (final IN (0, 1)), -- 1: on every item's final embedding
      items          INTEGER NOT NULL,
      knn            REAL,                        -- held-out accuracy; NULL without labels
      linear         REAL,
      alignment      REAL,
      uniformity     REAL,
      effective_rank REAL,
      mean_variance  REAL,
      collapse       TEXT,                        -- the warning, or NULL
      seconds        REAL    NOT NULL,
      PRIMARY KEY (run_id, epoch, final)
    ) STRICT, WITHOUT ROWID;
  `,
};
