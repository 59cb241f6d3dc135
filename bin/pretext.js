#!/usr/bin/env node
// Entry of the `pretext` command: runs the built CLI (npm run build makes it).
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const cli = fileURLToPath(new URL('../out/main/cli.js', import.meta.url));
if (!existsSync(cli)) {
  console.error('pretext: the app is not built yet. Run `npm run build` in the Pretext folder first.');
  process.exit(1);
}
await import(pathToFileURL(cli).href);
