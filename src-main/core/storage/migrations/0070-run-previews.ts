import type { Migration } from './types';

/**
 * Previews: after each epoch, methods that rebuild their input (autoencoder, VAE, masked image
 * modelling) draw a few fixed items beside their reconstructions; the strip is a PNG file in the
 * database's files folder, described here.
 */
export const migration0070RunPreviews: Migration = {
  version: 70,
  name: 'run previews',
  up: `
    CREATE TABLE run_previews (
      run_id     INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
      epoch      INTEGER NOT NULL,
      step       INTEGER NOT NULL,
      path       TEXT    NOT NULL,                 -- the PNG, relative to the database's folder
      rows       TEXT    NOT NULL,                 -- JSON ["Original", "Reconstruction", …], top to bottom
      item_ids   TEXT    NOT NULL,                 -- JSON [item id, …], one column each, left to right
      cell       INTEGER NOT NULL,                 -- side of one image in the PNG, px
      gap        INTEGER NOT NULL,                 -- px between images
      width      INTEGER NOT NULL,
      height     INTEGER NOT NULL,
      bytes      INTEGER NOT NULL,
      created_at TEXT    NOT NULL,
      PRIMARY KEY (run_id, epoch)
    ) STRICT, WITHOUT ROWID;
  `,
};
