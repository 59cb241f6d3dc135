import type { Migration } from './types';

/** Datasets (one imported folder each) and their items (one per file, or per row of a table file). */
export const migration0010Datasets: Migration = {
  version: 10,
  name: 'datasets and items',
  up: `
    CREATE TABLE datasets (
      id          INTEGER PRIMARY KEY,
      name        TEXT    NOT NULL,
      root        TEXT    NOT NULL UNIQUE,
      status      TEXT    NOT NULL CHECK (status IN ('importing', 'ready', 'failed')),
      text_column TEXT,
      generation  INTEGER NOT NULL DEFAULT 0,
      error       TEXT,
      created_at  TEXT    NOT NULL,
      updated_at  TEXT    NOT NULL
    ) STRICT;

    CREATE TABLE items (
      id          INTEGER PRIMARY KEY,
      dataset_id  INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
      path        TEXT    NOT NULL,
      row         INTEGER NOT NULL DEFAULT 0, -- 0 for a whole file, else the 1-based data row
      modality    TEXT    CHECK (modality IN ('image', 'text', 'audio')),
      format      TEXT,
      size        INTEGER NOT NULL,
      mtime_ms    INTEGER NOT NULL,
      hash        TEXT,
      label       TEXT,
      status      TEXT    NOT NULL CHECK (status IN ('ok', 'skipped')),
      error       TEXT,
      meta        TEXT    NOT NULL DEFAULT '{}', -- JSON ItemMeta
      content     TEXT,   -- the text of a table row (files are read from disk on demand)
      generation  INTEGER NOT NULL,
      UNIQUE (dataset_id, path, row)
    ) STRICT;

    CREATE INDEX items_by_dataset_status ON items (dataset_id, status, modality);
    CREATE INDEX items_by_dataset_label ON items (dataset_id, label);
  `,
};
