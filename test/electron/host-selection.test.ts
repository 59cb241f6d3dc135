import { describe, expect, it } from 'vitest';
import { chooseCoreHost, describeCoreRuntime, NoNodeForCoreError, type HostSituation } from '../../src-main/electron/host-selection';

/** A machine where exactly `executables` exist. */
function situation(over: Partial<HostSituation> & { executables?: string[] }): HostSituation {
  const executables = new Set(over.executables ?? []);
  return {
    packaged: false,
    env: {},
    platform: 'linux',
    cwd: '/home/me/pretext',
    isExecutable: (path) => executables.has(path),
    ...over,
  };
}

describe('chooseCoreHost', () => {
  it('runs the installed app in a utility process, whatever Node the machine has or lacks', () => {
    expect(chooseCoreHost(situation({ packaged: true })).host).toBe('utility-process');
    const choice = chooseCoreHost(situation({ packaged: true, env: { PATH: '/usr/bin', PRETEXT_NODE: '/nowhere/node' }, executables: ['/usr/bin/node'] }));
    expect(choice).toEqual({ host: 'utility-process', reason: expect.stringContaining("Electron's own runtime") });
  });

  it('runs a checkout with the first node on PATH', () => {
    const choice = chooseCoreHost(situation({ env: { PATH: '/opt/empty:/usr/local/bin:/usr/bin' }, executables: ['/usr/local/bin/node', '/usr/bin/node'] }));
    expect(choice).toEqual({ host: 'node', nodePath: '/usr/local/bin/node', reason: expect.stringContaining('/usr/local/bin/node') });
  });

  it('prefers PRETEXT_NODE, absolute, relative to the current folder, or a name looked up on PATH', () => {
    const env = { PATH: '/usr/bin' };
    const executables = ['/usr/bin/node', '/opt/node22/bin/node', '/home/me/pretext/tools/node', '/usr/bin/node22'];
    expect(chooseCoreHost(situation({ env: { ...env, PRETEXT_NODE: '/opt/node22/bin/node' }, executables }))).toMatchObject({ host: 'node', nodePath: '/opt/node22/bin/node' });
    expect(chooseCoreHost(situation({ env: { ...env, PRETEXT_NODE: 'tools/node' }, executables }))).toMatchObject({ nodePath: '/home/me/pretext/tools/node' });
    expect(chooseCoreHost(situation({ env: { ...env, PRETEXT_NODE: 'node22' }, executables }))).toMatchObject({ nodePath: '/usr/bin/node22' });
  });

  it('says what to do when a checkout finds no Node, and never falls back to Electron', () => {
    const none = () => chooseCoreHost(situation({ env: { PATH: '/usr/bin:/bin' } }));
    expect(none).toThrow(NoNodeForCoreError);
    expect(none).toThrow(/no `node` was found on PATH\. Install Node\.js 20\.19\+ or 22\.12\+, or set PRETEXT_NODE/);
    expect(none).toThrow(/native modules \(better-sqlite3\) for Node, not for Electron/);
    expect(() => chooseCoreHost(situation({ env: {} }))).toThrow(/no `node` was found on PATH/);
  });

  it('refuses a PRETEXT_NODE that is not an executable, rather than silently using another Node', () => {
    const bad = () => chooseCoreHost(situation({ env: { PATH: '/usr/bin', PRETEXT_NODE: '/opt/missing/node' }, executables: ['/usr/bin/node'] }));
    expect(bad).toThrow(NoNodeForCoreError);
    expect(bad).toThrow('PRETEXT_NODE=/opt/missing/node is not an executable file');
  });

  it('finds node.exe on a Windows Path, whatever the variable is called, with quoted entries', () => {
    const choice = chooseCoreHost(
      situation({
        platform: 'win32',
        cwd: 'C:\\Users\\me',
        env: { Path: 'C:\\Windows\\system32;"C:\\Program Files\\nodejs\\"' },
        executables: ['C:\\Program Files\\nodejs\\node.exe'],
      }),
    );
    expect(choice).toMatchObject({ host: 'node', nodePath: 'C:\\Program Files\\nodejs\\node.exe' });
    expect(
      chooseCoreHost(situation({ platform: 'win32', cwd: 'C:\\Users\\me', env: { PRETEXT_NODE: 'tools\\node.exe' }, executables: ['C:\\Users\\me\\tools\\node.exe'] })),
    ).toMatchObject({ nodePath: 'C:\\Users\\me\\tools\\node.exe' });
  });

  it('finds the Node running this test on the real PATH of this machine', () => {
    const dir = process.execPath.replace(/[\\/][^\\/]+$/, '');
    const sep = process.platform === 'win32' ? ';' : ':';
    const choice = chooseCoreHost({ packaged: false, env: { PATH: `${dir}${sep}${process.env.PATH ?? ''}` }, platform: process.platform });
    expect(choice).toMatchObject({ host: 'node', nodePath: expect.stringMatching(/node(\.exe)?$/) });
  });
});

describe('describeCoreRuntime', () => {
  it('names Electron and its Node in a utility process, and Node alone otherwise', () => {
    expect(describeCoreRuntime('utility-process', 'installed', { node: '22.20.0', electron: '45.5.0' } as NodeJS.ProcessVersions)).toEqual({
      host: 'utility-process',
      runtime: 'Electron 45.5.0 (Node 22.20.0)',
      reason: 'installed',
    });
    expect(describeCoreRuntime('node', 'checkout', { node: '20.20.2' } as NodeJS.ProcessVersions).runtime).toBe('Node 20.20.2');
  });
});
