import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'electron-vite';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

const { version } = JSON.parse(readFileSync(resolve(__dirname, 'package.json'), 'utf8')) as { version: string };
const define = { __PRETEXT_VERSION__: JSON.stringify(version) };

export default defineConfig({
  main: {
    define,
    build: {
      outDir: 'out/main',
      // Node 20+ runs the CLI, serve and a checkout's core host; Electron runs index.js, and in the
      // installed app the core host and its workers too (a utility process on Electron's Node 22).
      target: 'node20',
      rollupOptions: {
        input: {
          index: resolve(__dirname, 'src-main/electron/main.ts'),
          'core-host': resolve(__dirname, 'src-main/electron/core-host.ts'),
          cli: resolve(__dirname, 'src-main/cli/index.ts'),
          'import-worker': resolve(__dirname, 'src-main/core/datasets/import-worker.ts'),
          'train-worker': resolve(__dirname, 'src-main/core/training/train-worker.ts'),
          'embed-set-worker': resolve(__dirname, 'src-main/core/training/embed-set-worker.ts'),
          'projection-worker': resolve(__dirname, 'src-main/core/projection/projection-worker.ts'),
          'embed-worker': resolve(__dirname, 'src-main/core/search/embed-worker.ts'),
          'index-worker': resolve(__dirname, 'src-main/core/search/index-worker.ts'),
        },
        output: { format: 'es', entryFileNames: '[name].js', chunkFileNames: 'chunks/[name]-[hash].js' },
      },
    },
  },
  preload: {
    define,
    build: {
      outDir: 'out/preload',
      // A sandboxed preload must be one CommonJS file with everything but `electron` bundled in.
      externalizeDeps: false,
      rollupOptions: {
        input: { index: resolve(__dirname, 'src-main/electron/preload.ts') },
        external: ['electron'],
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve(__dirname, 'src-renderer'),
    define,
    plugins: [svelte({ configFile: resolve(__dirname, 'svelte.config.js') })],
    build: {
      outDir: resolve(__dirname, 'out/renderer'),
      rollupOptions: { input: { index: resolve(__dirname, 'src-renderer/index.html') } },
    },
  },
});
