/**
 * Compute-backend selection for the training engine.
 *
 * One tfjs instance for the whole app: import `tf` from this module, never from '@tensorflow/tfjs'
 * elsewhere, so that kernels registered here and backends chosen here apply everywhere.
 *
 * Order of preference: native TensorFlow with CUDA, WebGPU on a GPU adapter (Dawn: Vulkan, Metal,
 * Direct3D 12; see webgpu.ts), native TensorFlow on CPU, WebAssembly (XNNPACK, SIMD,
 * multi-threaded via worker_threads), then tfjs' plain-JS cpu backend.
 * The native packages and Dawn are optionalDependencies (libtensorflow is downloaded at install),
 * so they are often missing: they are loaded with a dynamic import and their absence is reported,
 * not fatal. A software WebGPU adapter is used only when 'webgpu' is asked for by name.
 */
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import '@tensorflow/tfjs-backend-wasm';
import { registerWasmTrainingKernels } from './wasm/kernels';
import type { BackendUnavailable, GpuAdapterInfo } from '../../contract';
import { tf } from './tf';
import { tryWebGpu } from './webgpu';
import { MAX_WASM_THREADS, registerWasmBackend, takeWasmInitError, wasmThreadsInUse } from './wasm/node-threaded-wasm';

export { tf };

export type EngineBackendName = 'tensorflow-gpu' | 'webgpu' | 'tensorflow' | 'wasm' | 'cpu';
export const ENGINE_BACKENDS: readonly EngineBackendName[] = ['tensorflow-gpu', 'webgpu', 'tensorflow', 'wasm', 'cpu'];

export type BackendUnavailableReason = BackendUnavailable;

export interface BackendInfo {
  /** Our name for the backend (tfjs calls both native variants 'tensorflow'). */
  name: EngineBackendName;
  /** Threads the backend computes on (for native TensorFlow: its default intra-op pool size). */
  threads: number;
  /** Whether the wasm binary in use has SIMD (always true for native backends and webgpu, false for cpu). */
  simd: boolean;
  /** The adapter webgpu computes on; null for the other backends. */
  adapter: GpuAdapterInfo | null;
  /** Why each backend preferred over `name` could not be used, in order of preference. */
  reasons: BackendUnavailableReason[];
}

export interface InitBackendOptions {
  /** Threads for the wasm backend (default: all cores, at most 8). Ignored by other backends. */
  threads?: number;
  /** A buffer limit for webgpu below the adapter's, in bytes (tests of the batch-size cap). */
  maxGpuBufferBytes?: number;
}

/** The error initBackend throws when an explicitly requested backend cannot be used. */
export class BackendUnavailableError extends Error {
  constructor(
    readonly backend: EngineBackendName,
    readonly why: string,
  ) {
    super(`Backend '${backend}' is unavailable: ${why}`);
    this.name = 'BackendUnavailableError';
  }
}

const NATIVE_PACKAGES = {
  'tensorflow-gpu': '@tensorflow/tfjs-node-gpu',
  tensorflow: '@tensorflow/tfjs-node',
} as const;

const requireFromHere = createRequire(import.meta.url);

type Attempt = { ok: true; info: Omit<BackendInfo, 'reasons'> } | { ok: false; why: string };

/**
 * Selects and initialises the compute backend. Without `preferred`, tries each backend in order of
 * speed and returns the first that works, with the reasons the faster ones were skipped. With
 * `preferred`, uses exactly that backend or throws a BackendUnavailableError saying why not.
 */
export async function initBackend(preferred?: EngineBackendName, opts: InitBackendOptions = {}): Promise<BackendInfo> {
  if (preferred !== undefined && !ENGINE_BACKENDS.includes(preferred)) {
    throw new RangeError(`Unknown backend '${String(preferred)}'; expected one of ${ENGINE_BACKENDS.join(', ')}`);
  }
  const candidates = preferred === undefined ? ENGINE_BACKENDS : [preferred];
  const reasons: BackendUnavailableReason[] = [];
  for (const name of candidates) {
    const attempt = await tryBackend(name, opts, preferred !== undefined);
    if (attempt.ok) return { ...attempt.info, reasons };
    if (preferred !== undefined) throw new BackendUnavailableError(name, attempt.why);
    reasons.push({ backend: name, why: attempt.why });
  }
  throw new Error(`No compute backend could be initialised: ${reasons.map((r) => `${r.backend}: ${r.why}`).join('; ')}`);
}

async function tryBackend(name: EngineBackendName, opts: InitBackendOptions, explicit: boolean): Promise<Attempt> {
  switch (name) {
    case 'tensorflow-gpu':
    case 'tensorflow':
      return tryNative(name);
    case 'webgpu': {
      const attempt = await tryWebGpu({ explicit, maxBufferBytes: opts.maxGpuBufferBytes });
      // One thread in the engine's terms: the GPU runs the kernels.
      return attempt.ok ? { ok: true, info: { name, threads: 1, simd: true, adapter: attempt.adapter } } : attempt;
    }
    case 'wasm':
      return tryWasm(opts.threads ?? defaultWasmThreads());
    case 'cpu':
      return (await tf.setBackend('cpu'))
        ? { ok: true, info: { name: 'cpu', threads: 1, simd: false, adapter: null } }
        : { ok: false, why: "tf.setBackend('cpu') failed" };
  }
}

export function defaultWasmThreads(): number {
  return Math.max(1, Math.min(availableParallelism(), MAX_WASM_THREADS));
}

async function tryNative(name: 'tensorflow-gpu' | 'tensorflow'): Promise<Attempt> {
  const pkg = NATIVE_PACKAGES[name];
  try {
    requireFromHere.resolve(`${pkg}/package.json`);
  } catch {
    return { ok: false, why: `module ${pkg} not installed (its install needs to download libtensorflow)` };
  }
  try {
    // A variable specifier keeps bundlers from trying to resolve (and inline) the optional module.
    await import(/* @vite-ignore */ pkg);
  } catch (error) {
    return { ok: false, why: `module ${pkg} is installed but failed to load: ${firstLine(error)}` };
  }
  if (tf.findBackendFactory('tensorflow') === null) {
    return { ok: false, why: `module ${pkg} loaded but registered its backend with another copy of @tensorflow/tfjs` };
  }
  if (!(await tf.setBackend('tensorflow'))) {
    return { ok: false, why: `module ${pkg} loaded but its backend failed to initialise (see the warning above)` };
  }
  return { ok: true, info: { name, threads: availableParallelism(), simd: true, adapter: null } };
}

async function tryWasm(threads: number): Promise<Attempt> {
  if (typeof WebAssembly !== 'object') return { ok: false, why: 'this runtime has no WebAssembly' };
  const requested = Math.max(1, Math.min(Math.floor(threads), MAX_WASM_THREADS));
  registerWasmTrainingKernels();
  const notes: string[] = [];
  try {
    registerWasmBackend(requested);
    if (await tf.setBackend('wasm')) return wasmInfo();
  } catch (error) {
    notes.push(firstLine(error));
  }
  const initError = takeWasmInitError();
  if (initError !== undefined) notes.push(initError);
  if (requested > 1) {
    // Threads are an optimisation: fall back to the package's single-threaded loader.
    registerWasmBackend(1);
    if (await tf.setBackend('wasm')) {
      const info = await wasmInfo();
      if (info.ok) process.emitWarning(`wasm backend runs on 1 thread: ${requested} threads failed (${notes.join('; ')})`);
      return info;
    }
  }
  return { ok: false, why: `the wasm backend failed to initialise${notes.length > 0 ? `: ${notes.join('; ')}` : ''}` };
}

async function wasmInfo(): Promise<Attempt> {
  const simd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) === true;
  return { ok: true, info: { name: 'wasm', threads: wasmThreadsInUse(), simd, adapter: null } };
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0] ?? message;
}
