import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Db } from '../db';

/** How often an owner renews its leases. */
export const HEARTBEAT_MS = 2_000;
/**
 * A lease whose heartbeat is older than this is dead even if a process with its pid exists (the pid
 * may have been reused). On another host, where the pid cannot be checked, this is the only test.
 */
export const STALE_MS = 15_000;

export interface LeaseHolder {
  resource: string;
  owner: string;
  pid: number;
  host: string;
  acquiredAt: string;
  heartbeatMs: number;
}

export interface LeaseClock {
  now(): number;
  /** Whether a process with this id runs on this host. */
  pidAlive(pid: number): boolean;
  host: string;
  pid: number;
}

export const systemClock: LeaseClock = {
  now: () => Date.now(),
  pidAlive: (pid) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch (error) {
      // EPERM: the process exists but belongs to another user.
      return (error as NodeJS.ErrnoException).code === 'EPERM';
    }
  },
  host: hostname(),
  pid: process.pid,
};

interface LeaseRow {
  resource: string;
  owner: string;
  pid: number;
  host: string;
  acquired_at: string;
  heartbeat_ms: number;
}

const toHolder = (r: LeaseRow): LeaseHolder => ({
  resource: r.resource,
  owner: r.owner,
  pid: r.pid,
  host: r.host,
  acquiredAt: r.acquired_at,
  heartbeatMs: r.heartbeat_ms,
});

export type Acquired = { ok: true; owner: string } | { ok: false; holder: LeaseHolder };

/** All SQL about leases (see migration 0040). */
export class LeasesRepository {
  private readonly stmts;
  private readonly acquireTx: (resource: string, onAcquire?: () => void) => Acquired;

  constructor(
    private readonly db: Db,
    readonly clock: LeaseClock = systemClock,
  ) {
    this.stmts = {
      get: db.prepare(`SELECT * FROM leases WHERE resource = ?`),
      all: db.prepare(`SELECT * FROM leases WHERE resource LIKE ? ESCAPE '\\'`),
      put: db.prepare(
        `INSERT OR REPLACE INTO leases (resource, owner, pid, host, acquired_at, heartbeat_ms)
         VALUES (@resource, @owner, @pid, @host, @acquiredAt, @heartbeatMs)`,
      ),
      beat: db.prepare(`UPDATE leases SET heartbeat_ms = ? WHERE resource = ? AND owner = ?`),
      release: db.prepare(`DELETE FROM leases WHERE resource = ? AND owner = ?`),
    };
    const acquire = db.transaction((resource: string, onAcquire?: () => void): Acquired => {
      const current = this.holder(resource);
      if (current && this.isAlive(current)) return { ok: false, holder: current };
      const owner = randomBytes(12).toString('base64url');
      this.stmts.put.run({
        resource,
        owner,
        pid: this.clock.pid,
        host: this.clock.host,
        acquiredAt: new Date(this.clock.now()).toISOString(),
        heartbeatMs: this.clock.now(),
      });
      onAcquire?.();
      return { ok: true, owner };
    });
    this.acquireTx = (resource, onAcquire) => acquire.immediate(resource, onAcquire);
  }

  holder(resource: string): LeaseHolder | undefined {
    const r = this.stmts.get.get(resource) as LeaseRow | undefined;
    return r && toHolder(r);
  }

  /** Live holders of resources starting with `prefix`. */
  liveHolders(prefix: string): LeaseHolder[] {
    const pattern = prefix.replace(/[\\%_]/g, (c) => `\\${c}`) + '%';
    return (this.stmts.all.all(pattern) as LeaseRow[]).map(toHolder).filter((h) => this.isAlive(h));
  }

  /**
   * Takes the lease unless a live owner holds it; a dead owner's lease is taken over. `onAcquire`
   * runs inside the same write transaction (to change the job's status atomically with it).
   */
  acquire(resource: string, onAcquire?: () => void): Acquired {
    return this.acquireTx(resource, onAcquire);
  }

  /** Renews a lease; false when it is no longer ours (another process judged us dead and took it). */
  heartbeat(resource: string, owner: string): boolean {
    return this.stmts.beat.run(this.clock.now(), resource, owner).changes > 0;
  }

  release(resource: string, owner: string): void {
    this.stmts.release.run(resource, owner);
  }

  /** Whether the lease's owner still works: its process exists (same host) and its heartbeat is fresh. */
  isAlive(holder: LeaseHolder): boolean {
    if (this.clock.now() - holder.heartbeatMs > STALE_MS) return false;
    if (holder.host === this.clock.host) return this.clock.pidAlive(holder.pid);
    return true;
  }

  /** Whether anyone alive holds the resource. */
  isHeld(resource: string): boolean {
    const h = this.holder(resource);
    return h !== undefined && this.isAlive(h);
  }
}

/** "pid 1234 on host-a": how a message names another process. */
export function describeHolder(holder: LeaseHolder, clock: LeaseClock = systemClock): string {
  return holder.host === clock.host ? `process ${holder.pid}` : `process ${holder.pid} on ${holder.host}`;
}

export const runResource = (runId: number): string => `run:${runId}`;
export const importResource = (root: string): string => `import:${root}`;
