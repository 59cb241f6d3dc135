import { app, utilityProcess } from 'electron';
import type { HostMessage } from './host-protocol';
import type { HostLauncher } from './host';

const SERVICE_NAME = 'Pretext core';

/**
 * The core host as an Electron utility process: how the installed app runs it, on Electron's own
 * Node with the native modules rebuilt for Electron (see host-selection.ts). Chromium says why a
 * utility process went away (`oom`, `crashed`, `killed`) in `child-process-gone`; the exit code
 * alone cannot.
 */
export function forkUtilityProcess(script: string, env: NodeJS.ProcessEnv): HostLauncher {
  return (listener) => {
    const child = utilityProcess.fork(script, [], { env, stdio: 'inherit', serviceName: SERVICE_NAME });
    let goneReason: string | null = null;
    const onGone = (_event: Electron.Event, details: Electron.Details) => {
      if (details.type === 'Utility' && details.serviceName === SERVICE_NAME && details.reason !== 'clean-exit') goneReason = details.reason;
    };
    app.on('child-process-gone', onGone);
    child.on('message', (message: HostMessage) => listener.message(message));
    child.once('exit', (code) => {
      // Chromium may report the reason just after the exit: give it a turn of the event loop.
      setImmediate(() => {
        app.off('child-process-gone', onGone);
        listener.exit(goneReason ?? `exit code ${code}`);
      });
    });
    return {
      send: (message) => child.postMessage(message),
      kill: () => void child.kill(),
    };
  };
}
