import { ApiError } from '../../contract';
import { describeHolder, HEARTBEAT_MS, type LeasesRepository } from '../storage/repositories/leases';

interface Held {
  owner: string;
  onLost: () => void;
}

/**
 * The leases this process holds, renewed every HEARTBEAT_MS while any is held. A lease that another
 * process took over (it judged us dead: a machine that slept, a frozen process) calls its `onLost`,
 * so the job stops instead of running beside the new owner.
 */
export class LeaseKeeper {
  private readonly held = new Map<string, Held>();
  private timer: NodeJS.Timeout | null = null;

  constructor(readonly leases: LeasesRepository) {}

  /**
   * Takes a lease or throws a 'conflict' ApiError naming the process that holds it; `what` reads
   * as the subject of the message ("Run #3", "/data/cats"), `doing` as its activity ("training").
   */
  take(resource: string, what: string, doing: string, onLost: () => void, onAcquire?: () => void): void {
    if (this.held.has(resource)) throw new ApiError('conflict', `${what} is already ${doing} in this Pretext`);
    const result = this.leases.acquire(resource, onAcquire);
    if (!result.ok) {
      throw new ApiError(
        'conflict',
        `${what} is ${doing} in another Pretext (${describeHolder(result.holder, this.leases.clock)}); wait for it to finish, or stop it there`,
      );
    }
    this.held.set(resource, { owner: result.owner, onLost });
    this.timer ??= setInterval(() => this.beat(), HEARTBEAT_MS).unref();
  }

  holds(resource: string): boolean {
    return this.held.has(resource);
  }

  drop(resource: string): void {
    const held = this.held.get(resource);
    if (!held) return;
    this.held.delete(resource);
    try {
      this.leases.release(resource, held.owner);
    } catch {
      // The database is closing or busy: a stale lease is found dead by its heartbeat anyway.
    }
    this.stopIfIdle();
  }

  /** Releases every lease (at shutdown). */
  dropAll(): void {
    for (const resource of [...this.held.keys()]) this.drop(resource);
  }

  private beat(): void {
    for (const [resource, held] of this.held) {
      let ours: boolean;
      try {
        ours = this.leases.heartbeat(resource, held.owner);
      } catch {
        continue; // busy for longer than the timeout: try again next beat
      }
      if (!ours) {
        this.held.delete(resource);
        held.onLost();
      }
    }
    this.stopIfIdle();
  }

  private stopIfIdle(): void {
    if (this.held.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = null;
    }
  }
}
