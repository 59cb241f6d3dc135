import { afterEach, describe, expect, it, vi } from 'vitest';
import { CoreHost, type HostChild, type HostLauncher, type HostListener } from '../../src-main/electron/host';
import type { HostRequest } from '../../src-main/electron/host-protocol';

/** A launcher whose processes the test plays: it sees what the window sends and answers for the core. */
function fakeCores() {
  const started: { listener: HostListener; sent: HostRequest[]; killed: boolean }[] = [];
  const launch: HostLauncher = (listener) => {
    const core = { listener, sent: [] as HostRequest[], killed: false };
    started.push(core);
    const child: HostChild = {
      send: (message) => void core.sent.push(message),
      kill: () => {
        core.killed = true;
        listener.exit('signal SIGKILL');
      },
    };
    return child;
  };
  return { launch, started, last: () => started.at(-1)! };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('CoreHost', () => {
  it('is ready when the core says so, and matches replies to calls', async () => {
    const cores = fakeCores();
    const host = new CoreHost(cores.launch);
    const ready = host.start();
    cores.last().listener.message({ type: 'ready' });
    await ready;
    const reply = host.call('app.info', undefined);
    await vi.waitFor(() => expect(cores.last().sent).toHaveLength(1));
    const request = cores.last().sent[0]!;
    expect(request).toMatchObject({ type: 'call', name: 'app.info' });
    cores.last().listener.message({ type: 'result', id: request.id, value: { name: 'Pretext' } });
    await expect(reply).resolves.toEqual({ ok: true, value: { name: 'Pretext' } });
  });

  it('restarts a core that dies after starting, and says so once', async () => {
    const cores = fakeCores();
    const host = new CoreHost(cores.launch);
    const crashes: [string, boolean][] = [];
    host.on('crashed', (reason, restarting) => crashes.push([reason, restarting]));
    const ready = host.start();
    cores.last().listener.message({ type: 'ready' });
    await ready;
    cores.last().listener.exit('oom');
    expect(crashes).toEqual([['oom', true]]);
    expect(cores.started).toHaveLength(2);
  });

  it('does not restart a core that dies while starting: start() says why instead', async () => {
    const cores = fakeCores();
    const host = new CoreHost(cores.launch);
    const crashed = vi.fn();
    host.on('crashed', crashed);
    const ready = host.start();
    cores.last().listener.exit('exit code 1');
    await expect(ready).rejects.toThrow('The Pretext core stopped while starting (exit code 1)');
    expect(cores.started).toHaveLength(1);
    expect(crashed).not.toHaveBeenCalled();
  });

  it('asks the core to stop and waits for it to exit, without restarting it', async () => {
    const cores = fakeCores();
    const host = new CoreHost(cores.launch);
    const ready = host.start();
    cores.last().listener.message({ type: 'ready' });
    await ready;
    const stopped = host.stop();
    expect(host.stopped).toBe(true);
    expect(cores.last().sent.at(-1)).toMatchObject({ type: 'stop' });
    cores.last().listener.exit('exit code 0');
    await stopped;
    expect(cores.started).toHaveLength(1);
    expect(cores.last().killed).toBe(false);
  });

  it('kills a core that does not exit within the grace period after stop', async () => {
    vi.useFakeTimers();
    const cores = fakeCores();
    const host = new CoreHost(cores.launch);
    const ready = host.start();
    cores.last().listener.message({ type: 'ready' });
    await ready;
    const stopped = host.stop();
    await vi.advanceTimersByTimeAsync(5_000);
    await stopped;
    expect(cores.last().killed).toBe(true);
    expect(cores.started).toHaveLength(1);
  });
});

describe('CoreHost with a launcher that throws', () => {
  it('rejects start() with the launcher error, and stop() still returns', async () => {
    const host = new CoreHost(() => {
      throw new Error('utilityProcess.fork: no such file');
    });
    await expect(host.start()).rejects.toThrow('utilityProcess.fork: no such file');
    await expect(host.stop()).resolves.toBeUndefined();
  });
});
