/**
 * Multi-threaded tfjs wasm backend in Node.
 *
 * Stock @tensorflow/tfjs-backend-wasm 4.22 never uses threads in Node:
 *  - its `WASM_HAS_MULTITHREAD_SUPPORT` flag returns false whenever `IS_NODE`;
 *  - even when forced, it hands Emscripten a `blob:` URL for the pthread worker script and a
 *    `Blob` as `mainScriptUrlOrBlob`, and Node's `worker_threads` cannot start a worker from either;
 *  - the C++ side caps the XNNPACK thread pool at `emscripten_num_logical_cores() / 2`
 *    (= 1 on a 2-core machine), whatever `setThreadsCount` asks for.
 *
 * This module loads the package's own threaded+SIMD Emscripten build directly, without touching
 * node_modules:
 *  - the pthread worker script (shipped as a JS string in `wasm-out/*.worker.js`) is written once
 *    to a content-addressed file in the OS temp dir, which Emscripten passes to `new Worker(path)`;
 *  - `mainScriptUrlOrBlob` is the real path of the Emscripten glue, which the worker evaluates;
 *  - `instantiateWasm` instantiates the binary ourselves so we can answer the
 *    `emscripten_num_logical_cores` import with `2 * threads`, which lifts the `/ 2` cap;
 *  - the resulting module is wrapped in the package's own `BackendWasm` and registered under the
 *    name 'wasm', so every wasm kernel (registered by name) keeps working.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, sep } from 'node:path';
import * as tfWasm from '@tensorflow/tfjs-backend-wasm';
import { tf } from '../tf';
import { disposeNativeKernels } from './native/native-kernels';

const requireFromHere = createRequire(import.meta.url);

/** The part of an Emscripten pthread worker (a Node `Worker`) that we touch. */
interface PThreadWorker {
  unref(): void;
  terminate(): unknown;
  threadId?: number;
}

/** The Emscripten module object of the threaded build, as far as this file relies on it. */
export interface ThreadedWasmModule {
  cwrap(name: string, returnType: string | null, argTypes: string[]): (...args: number[]) => number;
  PThread: {
    unusedWorkers: PThreadWorker[];
    runningWorkers: PThreadWorker[];
    terminateAllThreads(): void;
  };
  tfjs?: unknown;
}

interface EmscriptenImports {
  env: Record<string, unknown>;
  [module: string]: unknown;
}

interface EmscriptenFactoryConfig {
  locateFile(path: string, prefix: string): string;
  mainScriptUrlOrBlob: string;
  instantiateWasm(
    imports: EmscriptenImports,
    receiveInstance: (instance: WebAssembly.Instance, module: WebAssembly.Module) => void,
  ): object;
  onAbort(what: unknown): void;
}

type EmscriptenFactory = (config: EmscriptenFactoryConfig) => Promise<ThreadedWasmModule>;

const WASM_PACKAGE = '@tensorflow/tfjs-backend-wasm';
const THREADED_GLUE = 'wasm-out/tfjs-backend-wasm-threaded-simd.js';
const THREADED_WORKER_SOURCE = 'wasm-out/tfjs-backend-wasm-threaded-simd.worker.js';
const THREADED_BINARY = 'wasm-out/tfjs-backend-wasm-threaded-simd.wasm';
/** tfjs registers 'wasm' with this priority; we keep it so backend selection order is unchanged. */
const WASM_BACKEND_PRIORITY = 2;
/** Starting 8 pthread workers takes ~0.1 s; anything near this means a worker never loaded. */
const START_TIMEOUT_MS = 20_000;
/** The threaded build preallocates this many pthread workers (Emscripten PTHREAD_POOL_SIZE). */
export const MAX_WASM_THREADS = 8;

/**
 * The package directory, as a real directory: the pthread workers read the glue with plain
 * `fs.readFileSync`, which cannot look inside an Electron asar archive, so a packaged app must
 * ship the package unpacked (electron-builder `asarUnpack`).
 */
function wasmPackageDir(): string {
  const dir = dirname(requireFromHere.resolve(`${WASM_PACKAGE}/package.json`));
  const asar = `.asar${sep}`;
  if (!dir.includes(asar)) return dir;
  const unpacked = dir.replace(asar, `.asar.unpacked${sep}`);
  if (existsSync(join(unpacked, THREADED_GLUE))) return unpacked;
  throw new Error(`${WASM_PACKAGE} is inside an asar archive (${dir}); threaded wasm needs it unpacked (asarUnpack)`);
}

/**
 * Writes the pthread worker script where Node's `Worker` can load it. The file name carries a hash
 * of the content, so concurrent processes and package upgrades never see a half-written or stale
 * script (we write to a unique temp name, then rename atomically).
 */
function materializeWorkerScript(packageDir: string): string {
  const { wasmWorkerContents } = requireFromHere(join(packageDir, THREADED_WORKER_SOURCE)) as { wasmWorkerContents: string };
  // The string was authored for a Blob: its escaped "\n" inside JS string literals became real
  // newlines when the template literal was evaluated. tfjs re-escapes them the same way.
  const source = wasmWorkerContents.replace(/\n/g, '\\n');
  const hash = createHash('sha256').update(source).digest('hex').slice(0, 16);
  const dir = join(tmpdir(), 'pretext-tfjs-wasm');
  const file = join(dir, `pthread-worker-${hash}.cjs`);
  if (!existsSync(file)) {
    mkdirSync(dir, { recursive: true });
    const partial = `${file}.${process.pid}.${Date.now()}.tmp`;
    writeFileSync(partial, source);
    renameSync(partial, file);
  }
  return file;
}

/**
 * Instantiates the threaded+SIMD module with `threads` XNNPACK threads available. Resolves once all
 * pthread workers have loaded the module (Emscripten waits for them before resolving).
 */
export async function loadThreadedSimdModule(threads: number): Promise<ThreadedWasmModule> {
  const packageDir = wasmPackageDir();
  const gluePath = join(packageDir, THREADED_GLUE);
  const workerPath = materializeWorkerScript(packageDir);
  const binary = readFileSync(join(packageDir, THREADED_BINARY));
  const factory = requireFromHere(gluePath) as EmscriptenFactory;

  // The glue installs process-wide 'uncaughtException'/'unhandledRejection' listeners that rethrow;
  // they would change how the whole app treats errors, so we remove whatever it added.
  const listenersBefore = {
    uncaughtException: new Set(process.listeners('uncaughtException')),
    unhandledRejection: new Set(process.listeners('unhandledRejection')),
  };

  // Emscripten reports some failures only through onAbort and would leave its promise pending:
  // race it against them, and against a generous timeout, so initialisation always settles.
  let fail: (reason: Error) => void = () => {};
  const failed = new Promise<never>((_, reject) => {
    fail = reject;
  });
  const timer = setTimeout(() => fail(new Error(`threaded wasm module did not start within ${START_TIMEOUT_MS / 1000} s`)), START_TIMEOUT_MS);
  const starting = factory({
    locateFile: (path, prefix) => (path.endsWith('.worker.js') ? workerPath : prefix + path),
    mainScriptUrlOrBlob: gluePath,
    instantiateWasm(imports, receiveInstance) {
      const env = {
        ...imports.env,
        // backend.cc sizes its pool as min(requested, cores / 2): report enough cores for `threads`.
        emscripten_num_logical_cores: () => 2 * threads,
      };
      WebAssembly.instantiate(binary, { ...imports, env }).then(
        ({ instance, module: compiled }) => receiveInstance(instance, compiled),
        (error: unknown) => fail(new Error(`threaded wasm binary failed to instantiate: ${String(error)}`)),
      );
      return {};
    },
    onAbort(what) {
      fail(new Error(`threaded wasm module aborted: ${String(what)}`));
    },
  });
  let module: ThreadedWasmModule;
  try {
    module = await Promise.race([starting, failed]);
  } finally {
    clearTimeout(timer);
  }

  for (const listener of process.listeners('uncaughtException')) {
    if (!listenersBefore.uncaughtException.has(listener)) process.removeListener('uncaughtException', listener);
  }
  for (const listener of process.listeners('unhandledRejection')) {
    if (!listenersBefore.unhandledRejection.has(listener)) process.removeListener('unhandledRejection', listener);
  }

  // Same bridge object tfjs' own init() builds; BackendWasm's constructor calls into it.
  module.tfjs = {
    init: module.cwrap('init', null, []),
    initWithThreadsCount: module.cwrap('init_with_threads_count', null, ['number']),
    getThreadsCount: module.cwrap('get_threads_count', 'number', []),
    registerTensor: module.cwrap('register_tensor', null, ['number', 'number', 'number']),
    disposeData: module.cwrap('dispose_data', null, ['number']),
    dispose: module.cwrap('dispose', null, []),
  };
  return module;
}

/**
 * After the XNNPACK pool has started its threads: stop the workers it does not use (each is a V8
 * isolate holding memory), and unref the busy ones so an idle pool does not keep Node alive.
 */
function trimWorkers(module: ThreadedWasmModule): void {
  for (const worker of module.PThread.unusedWorkers.splice(0)) void worker.terminate();
  for (const worker of module.PThread.runningWorkers) worker.unref();
}

type BackendFactory = () => tf.KernelBackend | Promise<tf.KernelBackend>;

/** The package's own 'wasm' factory (single-threaded in Node), captured before we replace it. */
let stockWasmFactory: BackendFactory | undefined;
/** Thread count of the 'wasm' factory currently registered (1 = the package's own). */
let registeredThreads = 1;

/**
 * Registers the 'wasm' backend factory so it runs XNNPACK on `threads` threads (main thread
 * included): the package's own loader for 1 thread, the threaded loader above otherwise.
 * Must run before `tf.setBackend('wasm')`. If a wasm backend with another thread count is live, it
 * is disposed first (its tensors become invalid).
 */
export function registerWasmBackend(threads: number): void {
  if (!Number.isInteger(threads) || threads < 1 || threads > MAX_WASM_THREADS) {
    throw new RangeError(`wasm threads must be an integer in [1, ${MAX_WASM_THREADS}], got ${threads}`);
  }
  const current = tf.findBackendFactory('wasm') as BackendFactory | null;
  if (current === null) throw new Error(`${WASM_PACKAGE} is not loaded: no 'wasm' backend is registered`);
  stockWasmFactory ??= current;
  if (registeredThreads === threads) return;

  const live = tf.findBackend('wasm') as tfWasm.BackendWasm | null;
  if (live !== null) disposeNativeKernels(live);
  tf.removeBackend('wasm');
  tfWasm.setThreadsCount(threads);
  const factory: BackendFactory =
    threads === 1
      ? stockWasmFactory
      : async () => {
          try {
            const module = await loadThreadedSimdModule(threads);
            // BackendWasm's constructor creates the XNNPACK pthreadpool (init_with_threads_count).
            const backend = new tfWasm.BackendWasm(module as unknown as ConstructorParameters<typeof tfWasm.BackendWasm>[0]);
            trimWorkers(module);
            return backend;
          } catch (error) {
            // tfjs swallows factory errors into a console warning; keep the reason for initBackend.
            lastInitError = error instanceof Error ? error.message : String(error);
            throw error;
          }
        };
  tf.registerBackend('wasm', factory, WASM_BACKEND_PRIORITY);
  registeredThreads = threads;
}

let lastInitError: string | undefined;

/** The reason the last threaded wasm initialisation failed, if it did (cleared by reading). */
export function takeWasmInitError(): string | undefined {
  const error = lastInitError;
  lastInitError = undefined;
  return error;
}

/** Number of threads the live wasm backend's XNNPACK pool runs on. */
export function wasmThreadsInUse(): number {
  return tfWasm.getThreadsCount();
}

/** The Emscripten module behind the live wasm backend (tests use it to count pthread workers). */
export function liveWasmModule(): Partial<ThreadedWasmModule> | undefined {
  const backend = tf.findBackend('wasm') as unknown as { wasm?: Partial<ThreadedWasmModule> } | null;
  return backend?.wasm;
}
