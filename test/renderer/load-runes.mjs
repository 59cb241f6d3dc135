/**
 * Loads a renderer `.svelte.ts` module in plain vitest. The vitest config has no Svelte plugin, so
 * runes (`$state`) would be undefined: this strips the types with TypeScript, compiles the runes with
 * Svelte's `compileModule`, writes the result to a temporary folder and imports it, with relative
 * imports pointed back at the original source files (which vitest transforms as usual). Imported
 * `.svelte.ts` modules (state classes built from other state classes) are compiled the same way,
 * once each, so every importer shares one instance of them.
 *
 * Plain JavaScript on purpose: svelte-check also checks test files that import the renderer, under
 * the renderer's browser-only tsconfig, where Node's modules have no types.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { compileModule } from 'svelte/compiler';
import ts from 'typescript';

const outDir = mkdtempSync(join(tmpdir(), 'pretext-runes-'));
let counter = 0;

/** Compiled output of each `.svelte.ts` source, so a module imported twice is one module. */
const compiledFiles = new Map();

/** @param {string} sourcePath absolute path of a `.svelte.ts` file; returns the compiled file's path */
function compileRunes(sourcePath) {
  const cached = compiledFiles.get(sourcePath);
  if (cached) return cached;
  const outFile = join(outDir, `${basename(sourcePath)}.${++counter}.mjs`);
  compiledFiles.set(sourcePath, outFile);
  const code = readFileSync(sourcePath, 'utf8');
  const js = ts.transpileModule(code, {
    compilerOptions: {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.ESNext,
      verbatimModuleSyntax: true,
      useDefineForClassFields: true,
    },
    fileName: sourcePath,
  }).outputText;
  const compiled = compileModule(js, { generate: 'client', dev: false, filename: basename(sourcePath) }).js.code;
  const rewritten = compiled.replace(/from\s+(['"])([^'"]+)\1/g, (match, quote, spec) => {
    if (spec === 'svelte' || spec.startsWith('svelte/')) return `from ${quote}${import.meta.resolve(spec)}${quote}`;
    if (!spec.startsWith('.')) return match;
    const target = resolve(dirname(sourcePath), spec);
    const file = target.endsWith('.ts') ? target : `${target}.ts`;
    if (file.endsWith('.svelte.ts')) return `from ${quote}${pathToFileURL(compileRunes(file)).href}${quote}`;
    return `from ${quote}${pathToFileURL(file).href}${quote}`;
  });
  writeFileSync(outFile, rewritten);
  return outFile;
}

/** @param {URL | string} source the `.svelte.ts` file, as a file URL or path */
export async function loadSvelteModule(source) {
  const sourcePath = source instanceof URL || String(source).startsWith('file:') ? fileURLToPath(source) : String(source);
  return import(/* @vite-ignore */ pathToFileURL(compileRunes(sourcePath)).href);
}
