import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../../src-main/core/storage/db';
import { describeHolder, LeasesRepository, STALE_MS, type LeaseClock } from '../../../src-main/core/storage/repositories/leases';

/** A clock and process table the test controls: two "processes" share one database. */
function world() {
  const alive = new Set<number>([100, 200]);
  let now = 1_000_000;
  const clock = (pid: number, host = 'box'): LeaseClock => ({ now: () => now, pidAlive: (p) => alive.has(p), host, pid });
  const db = openDatabase(':memory:');
  return {
    db,
    a: new LeasesRepository(db, clock(100)),
    b: new LeasesRepository(db, clock(200)),
    remote: new LeasesRepository(db, clock(300, 'other-box')),
    kill: (pid: number) => alive.delete(pid),
    advance: (ms: number) => (now += ms),
  };
}

describe('leases', () => {
  it('refuses a second owner while the first is alive, naming it', () => {
    const w = world();
    const first = w.a.acquire('run:1');
    expect(first.ok).toBe(true);
    const second = w.b.acquire('run:1');
    expect(second).toMatchObject({ ok: false, holder: { pid: 100, host: 'box' } });
    if (!second.ok) expect(describeHolder(second.holder, w.b.clock)).toBe('process 100');
    expect(w.b.acquire('run:2').ok).toBe(true); // other resources are free
  });

  it('takes over at once when the owner process is gone (same host)', () => {
    const w = world();
    expect(w.a.acquire('import:/data').ok).toBe(true);
    w.kill(100);
    expect(w.b.isHeld('import:/data')).toBe(false);
    expect(w.b.acquire('import:/data').ok).toBe(true);
  });

  it('a stale heartbeat means dead, even if the pid exists (reused); heartbeats keep it alive', () => {
    const w = world();
    const got = w.a.acquire('run:1');
    if (!got.ok) throw new Error('expected the lease');
    w.advance(STALE_MS - 1000);
    expect(w.a.heartbeat('run:1', got.owner)).toBe(true);
    w.advance(STALE_MS - 1000);
    expect(w.b.isHeld('run:1')).toBe(true);
    w.advance(2000);
    expect(w.b.isHeld('run:1')).toBe(false);
    const taken = w.b.acquire('run:1');
    expect(taken.ok).toBe(true);
    // The old owner learns that the lease is no longer its own.
    expect(w.a.heartbeat('run:1', got.owner)).toBe(false);
  });

  it('another host is judged by its heartbeat alone', () => {
    const w = world();
    expect(w.remote.acquire('run:9').ok).toBe(true);
    expect(w.a.isHeld('run:9')).toBe(true); // pid 300 does not exist here, but it is not our host
    const refused = w.a.acquire('run:9');
    if (refused.ok) throw new Error('expected a refusal');
    expect(describeHolder(refused.holder, w.a.clock)).toBe('process 300 on other-box');
    w.advance(STALE_MS + 1);
    expect(w.a.acquire('run:9').ok).toBe(true);
  });

  it('release frees only the owner’s own lease; onAcquire runs in the same transaction', () => {
    const w = world();
    const got = w.a.acquire('run:1');
    if (!got.ok) throw new Error('expected the lease');
    w.b.release('run:1', 'someone-else');
    expect(w.b.isHeld('run:1')).toBe(true);
    w.a.release('run:1', got.owner);
    expect(w.b.isHeld('run:1')).toBe(false);
    expect(() => w.b.acquire('run:1', () => { throw new Error('refused inside'); })).toThrow('refused inside');
    expect(w.a.holder('run:1')).toBeUndefined(); // rolled back with the check
    expect(w.a.liveHolders('run:').length).toBe(0);
  });
});
