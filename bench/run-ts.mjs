#!/usr/bin/env node
/**
 * Runs a TypeScript entry point (e.g. bench/engine-bench.ts) in Node 20, which cannot strip types:
 * Vite's module runner transpiles our TS on the fly, node_modules load natively.
 *
 *   node bench/run-ts.mjs bench/engine-bench.ts [args...]
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runnerImport } from 'vite';

const [entry, ...args] = process.argv.slice(2);
if (entry === undefined) {
  console.error('usage: node bench/run-ts.mjs <file.ts> [args...]');
  process.exit(2);
}
// Scripts that re-launch themselves (the bench's per-configuration children) go through us again.
process.env.PRETEXT_TS_RUNNER = fileURLToPath(import.meta.url);
// The entry reads its own arguments from process.argv.slice(2).
process.argv = [process.argv[0], resolve(entry), ...args];
await runnerImport(resolve(entry), { configFile: false, logLevel: 'warn', server: { hmr: false } });
