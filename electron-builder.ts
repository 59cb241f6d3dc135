/**
 * Installers, built by electron-builder (`npm run dist`, scripts/dist.ts): AppImage and .deb on
 * Linux, a .dmg per architecture on macOS, an NSIS .exe on Windows. The release workflow builds each
 * on its own platform (.github/workflows/release.yml).
 *
 * The packaged app runs its core as an Electron utility process (src-main/electron/host-selection.ts),
 * so electron-builder rebuilds the native modules for Electron's ABI before packing them
 * (`npmRebuild`, with @electron/rebuild), and the fuses below can turn RunAsNode off.
 */
import type { Configuration } from 'electron-builder';

/**
 * Files that must stay real files beside the archive (app.asar.unpacked). Native addons and the
 * shared libraries they load are opened by the OS loader, which cannot look inside an asar; the
 * threaded wasm backend's pthread workers read its Emscripten glue with plain `fs`. New native
 * dependencies mostly fall under the first two lines; test/scripts/packaging.test.ts walks the
 * installed production dependencies and fails on any such file left out.
 */
export const ASAR_UNPACK = [
  '**/*.node',
  '**/*.wasm',
  // sharp and its prebuilt libvips: the binding loads libvips through a path relative to itself.
  'node_modules/sharp/**',
  'node_modules/@img/**',
  // tfjs' WebAssembly builds with their glue and pthread worker scripts (engine/wasm/node-threaded-wasm.ts).
  'node_modules/@tensorflow/tfjs-backend-wasm/wasm-out/**',
  // Dawn's Node binding (WebGPU) loads its Direct3D shader compilers from beside dawn.node on Windows.
  'node_modules/webgpu/dist/**',
];

/**
 * Installed but not shipped. Native TensorFlow (optional dependencies) downloads libtensorflow at
 * install time, hundreds of megabytes per platform: the installed app trains on WebAssembly and says
 * so in its backend details. better-sqlite3's C sources are needed to build it, not to run it.
 */
export const NOT_SHIPPED = [
  'node_modules/@tensorflow/tfjs-node/**',
  'node_modules/@tensorflow/tfjs-node-gpu/**',
  'node_modules/better-sqlite3/deps/**',
  'node_modules/better-sqlite3/src/**',
  '**/*.map',
];

const config: Configuration = {
  appId: 'app.pretext.desktop',
  productName: 'Pretext',
  // The Linux binary and the .deb's command: `pretext`, not `Pretext`.
  executableName: 'pretext',
  copyright: 'Copyright © Pretext contributors (MIT)',
  directories: { output: 'dist', buildResources: 'resources' },
  // The built app (npm run build) and package.json; production node_modules are added by electron-builder.
  files: ['out/**', 'package.json', ...NOT_SHIPPED.map((pattern) => `!${pattern}`)],
  asar: true,
  asarUnpack: ASAR_UNPACK,
  // Rebuild native modules (better-sqlite3) for the packaged Electron's ABI, from prebuilds where published.
  npmRebuild: true,
  artifactName: '${productName}-${version}-${os}-${arch}.${ext}',
  // Hardened: the core runs as a utility process, so nothing needs ELECTRON_RUN_AS_NODE, NODE_OPTIONS
  // or --inspect, and only the signed app.asar may be loaded.
  electronFuses: {
    runAsNode: false,
    enableCookieEncryption: true,
    enableNodeOptionsEnvironmentVariable: false,
    enableNodeCliInspectArguments: false,
    enableEmbeddedAsarIntegrityValidation: true,
    onlyLoadAppFromAsar: true,
    grantFileProtocolExtraPrivileges: false,
    // Unsigned macOS builds keep a valid ad-hoc signature after the fuses are flipped (Apple silicon refuses an invalid one).
    resetAdHocDarwinSignature: true,
  },
  linux: {
    target: ['AppImage', 'deb'],
    icon: 'resources/icon.png',
    category: 'Science',
    synopsis: 'Self-supervised embeddings of your own folders of images, text and audio',
    maintainer: 'Pretext contributors',
  },
  mac: {
    // One .dmg per architecture, each built on a runner of that architecture (native modules).
    target: ['dmg'],
    icon: 'resources/icon.png',
    category: 'public.app-category.developer-tools',
    hardenedRuntime: true,
  },
  win: {
    target: ['nsis'],
    icon: 'resources/icon.png',
  },
  nsis: {
    oneClick: false,
    perMachine: false,
    allowToChangeInstallationDirectory: true,
  },
  // The release workflow attaches the installers itself (gh release upload).
  publish: null,
};

export default config;
