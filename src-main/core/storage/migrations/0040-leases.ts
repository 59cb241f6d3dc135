import type { Migration } from './types';

/**
 * Leases: which process is working on a run or an import. Several Pretext processes may share one
 * database (the window, `pretext serve`, a CLI run in a terminal); a lease says who owns a job, so
 * a second process refuses to start the same job, and a job is shown as interrupted only once its
 * owner is gone (its process no longer exists, or its heartbeat went stale).
 */
export const migration0040Leases: Migration = {
  version: 40,
  name: 'leases',
  up: `
    CREATE TABLE leases (
      resource     TEXT    PRIMARY KEY,           -- 'run:<id>' or 'import:<absolute folder>'
      owner        TEXT    NOT NULL,              -- random id of this holding (a process may hold several)
      pid          INTEGER NOT NULL,              -- owner's process id
      host         TEXT    NOT NULL,              -- owner's host name
      acquired_at  TEXT    NOT NULL,
      heartbeat_ms INTEGER NOT NULL               -- Date.now() of the owner's last heartbeat
    ) STRICT;
  `,
};
