import type { Migration } from './types';

/**
 * 2-D projections of a run's embeddings (UMAP or PCA), one row each. The item ids and coordinates
 * are stored as two BLOBs in the row rather than one row per point: a map of a million points is
 * then read back in one step, which is what makes reopening the Explore screen instant.
 */
export const migration0030Projections: Migration = {
  version: 30,
  name: 'projections',
  up: `
    CREATE TABLE projections (
      id             INTEGER PRIMARY KEY,
      run_id         INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
      method         TEXT    NOT NULL CHECK (method IN ('umap', 'pca')),
      settings       TEXT    NOT NULL,            -- JSON Required<ProjectionSettings>, defaults filled in
      points         INTEGER NOT NULL,
      item_ids       BLOB    NOT NULL,            -- points little-endian int32 item ids, ascending
      coords         BLOB    NOT NULL,            -- points × 2 little-endian float32 (x, y), same order
      fitted_on      INTEGER,                     -- UMAP fitted on a sample of this many points; NULL = all
      pca_components INTEGER,                     -- reduced to this many PCA components first; NULL = not
      seconds        REAL    NOT NULL,            -- wall time to compute
      created_at     TEXT    NOT NULL
    ) STRICT;
    CREATE INDEX projections_by_run ON projections (run_id, id);
  `,
};
