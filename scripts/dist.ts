/**
 * `npm run dist [-- <electron-builder options>]`: builds the app, then this platform's installers
 * into dist/ (electron-builder.ts), e.g. `npm run dist -- --x64` or `npm run dist -- --dir` for just
 * the unpacked app.
 *
 * electron-builder rebuilds native modules for Electron's ABI where they are, in node_modules. This
 * checkout's CLI, `pretext serve`, `npm start` and tests need them built for Node, so afterwards
 * they are rebuilt for this Node again, whether packaging worked or not.
 */
import { spawnSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { productionPackages } from './packaging';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

function run(command: string, args: string[]): number {
  console.log(`\n$ ${[command, ...args].join(' ')}`);
  // npm and npx are .cmd scripts on Windows, which only a shell can start.
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', shell: process.platform === 'win32' });
  if (result.error) console.error(result.error.message);
  return result.status ?? 1;
}

let status = run('npx', ['electron-vite', 'build']);
if (status === 0) status = run('npx', ['electron-builder', '--publish', 'never', ...process.argv.slice(2)]);

const nodeGyp = productionPackages(root).filter((pkg) => pkg.nodeGyp).map((pkg) => pkg.name);
if (nodeGyp.length > 0) {
  console.log(`\nRebuilding ${nodeGyp.join(', ')} for Node ${process.versions.node} again: electron-builder left ${nodeGyp.length === 1 ? 'it' : 'them'} built for Electron.`);
  const restored = run('npm', ['rebuild', ...nodeGyp]);
  if (status === 0) status = restored;
}
process.exit(status);
