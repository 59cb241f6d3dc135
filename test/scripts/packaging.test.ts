import { statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import config, { ASAR_UNPACK, NOT_SHIPPED } from '../../electron-builder';
import { appRelative, filesLoadedFromDisk, productionPackages } from '../../scripts/packaging';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * electron-builder's own matchers (app-builder-lib, installed with electron-builder), so these tests
 * read `asarUnpack` and `files` exactly as packaging does: minimatch with dotfiles, paths relative to
 * the app folder, `!` patterns excluding.
 */
const requireBuilder = createRequire(createRequire(import.meta.url).resolve('electron-builder'));
type Filter = (file: string, stat: { isDirectory(): boolean }) => boolean;
interface Matcher {
  createFilter(): Filter;
}
const { FileMatcher, getFileMatchers } = requireBuilder('app-builder-lib/out/fileMatcher') as {
  FileMatcher: new (from: string, to: string, expand: (s: string) => string, patterns?: string[]) => Matcher & { prependPattern(p: string): void };
  getFileMatchers: (config: object, name: string, destination: string, options: object) => Matcher[] | null;
};
const { validateConfiguration } = requireBuilder('app-builder-lib/out/util/config/config') as {
  validateConfiguration: (config: object, debugLogger: { isEnabled: boolean }) => Promise<void>;
};
const { findAndReadConfig } = requireBuilder('app-builder-lib/out/util/config/load') as {
  findAndReadConfig: (request: { projectDir: string; configFilename: string; packageKey: string }) => Promise<{ result: object; configFile: string } | null>;
};

const identity = (s: string) => s;
const unpackFilter = getFileMatchers(config, 'asarUnpack', root, {
  macroExpander: identity,
  customBuildOptions: {},
  globalOutDir: join(root, 'dist'),
  defaultSrc: root,
})![0]!.createFilter();

/** What electron-builder copies from node_modules: everything but the `!` patterns of `files`. */
const shippedMatcher = new FileMatcher(root, root, identity, (config.files as string[]).filter((p) => p.startsWith('!')));
shippedMatcher.prependPattern('**/*');
const shippedFilter = shippedMatcher.createFilter();

const asFile = { isDirectory: () => false };
const packages = productionPackages(root);
const mustBeUnpacked = packages.flatMap((pkg) => filesLoadedFromDisk(pkg)).filter((file) => shippedFilter(file, asFile));

describe('packaging (electron-builder.ts)', () => {
  it('is the configuration electron-builder finds, and its schema accepts it', async () => {
    const found = await findAndReadConfig({ projectDir: root, configFilename: 'electron-builder', packageKey: 'build' });
    expect(found?.configFile).toBe(join(root, 'electron-builder.ts'));
    expect(found?.result).toEqual(config);
    await expect(validateConfiguration(config, { isEnabled: false })).resolves.toBeUndefined();
  });

  it('finds the native and wasm files of the production dependencies by walking them', () => {
    const names = packages.map((p) => p.name);
    expect(names).toEqual(expect.arrayContaining(['better-sqlite3', 'sharp', '@tensorflow/tfjs-backend-wasm', '@tensorflow/tfjs-core']));
    expect(names).not.toContain('electron');
    expect(names).not.toContain('vite');
    const relativeFiles = mustBeUnpacked.map((file) => appRelative(root, file));
    expect(relativeFiles).toContain('node_modules/better-sqlite3/build/Release/better_sqlite3.node');
    expect(relativeFiles.some((f) => /^node_modules\/@img\/sharp-[^/]+\/lib\/sharp-.*\.node$/.test(f))).toBe(true);
    // libvips: libvips-cpp.so.8.x (Linux), libvips-cpp.8.x.dylib (macOS), DLLs beside the binding (Windows).
    expect(relativeFiles.some((f) => f.startsWith('node_modules/@img/') && /(\.so(\.\d+)+|\.dylib|\.dll)$/.test(f))).toBe(true);
    expect(relativeFiles).toEqual(
      expect.arrayContaining([
        'node_modules/@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.wasm',
        'node_modules/@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js',
        'node_modules/@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.worker.js',
      ]),
    );
  });

  it('unpacks every native or wasm file a production dependency ships (asarUnpack)', () => {
    const packed = mustBeUnpacked.filter((file) => !unpackFilter(file, statSync(file))).map((file) => appRelative(root, file));
    expect(packed, `these would be packed into app.asar, where they cannot be loaded; add a pattern to ASAR_UNPACK:\n${packed.join('\n')}`).toEqual([]);
  });

  it('unpacks nothing of the app itself, so its code stays inside the integrity-checked archive', () => {
    for (const file of ['out/main/index.js', 'out/main/core-host.js', 'out/main/train-worker.js', 'out/preload/index.cjs', 'out/renderer/index.html']) {
      expect(unpackFilter(join(root, file), asFile), file).toBe(false);
    }
    expect(ASAR_UNPACK.every((pattern) => pattern.startsWith('**/') || pattern.startsWith('node_modules/'))).toBe(true);
  });

  it('ships every production dependency but native TensorFlow', () => {
    const tensorflowNative = ['@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu'];
    for (const name of tensorflowNative) {
      expect(shippedFilter(join(root, 'node_modules', name, 'package.json'), asFile), name).toBe(false);
      expect(NOT_SHIPPED).toContain(`node_modules/${name}/**`);
    }
    expect(shippedFilter(join(root, 'node_modules/better-sqlite3/deps/sqlite3/sqlite3.c'), asFile)).toBe(false);
    for (const pkg of packages.filter((p) => !tensorflowNative.includes(p.name))) {
      expect(shippedFilter(join(pkg.dir, 'package.json'), asFile), pkg.name).toBe(true);
    }
  });

  it('turns off what a hardened build does not need: RunAsNode, NODE_OPTIONS, --inspect; asar only, integrity checked', () => {
    expect(config.electronFuses).toMatchObject({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableCookieEncryption: true,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
    });
    expect(config.npmRebuild).toBe(true);
  });
});

describe('installer icon', () => {
  it('is a square PNG of at least 512 px in resources/, from which electron-builder makes .icns and .ico', async () => {
    const { default: sharp } = await import('sharp');
    const icon = join(root, 'resources', 'icon.png');
    const meta = await sharp(icon).metadata();
    expect(meta.format).toBe('png');
    expect(meta.width).toBe(meta.height);
    expect(meta.width).toBeGreaterThanOrEqual(512);
    for (const platform of [config.linux, config.mac, config.win]) expect(platform?.icon).toBe('resources/icon.png');
  });
});
