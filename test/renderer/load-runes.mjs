/**
 * Loads a renderer `.svelte.ts` module in plain vitest. The vitest config has no Svelte plugin, so
 * runes (`$state`) would be undefined: this strips the types with TypeScript, compiles the runes with
 * Svelte's `compileModule`, writes the result to a temporary folder and imports it, with relative
 * imports pointed back at the original source files (which vitest transforms as usual).
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

/** @param {URL | string} source the `.svelte.ts` file, as a file URL or path */
export async function loadSvelteModule(source) {
  const sourcePath = source instanceof URL || String(source).startsWith('file:') ? fileURLToPath(source) : String(source);
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
    return `from ${quote}${pathToFileURL(file).href}${quote}`;
  });
  const outFile = join(outDir, `${basename(sourcePath)}.${++counter}.mjs`);
  writeFileSync(outFile, rewritten);
  return import(/* @vite-ignore */ pathToFileURL(outFile).href);
}
