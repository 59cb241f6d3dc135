/**
 * Our own WebAssembly SIMD kernels (kernels.c), instantiated on the live tfjs wasm backend's
 * memory so they read and write its tensors in place, and split over the backend's thread count.
 *
 * The threaded tfjs build has a shared memory: the main thread runs one share of each call and
 * `threads − 1` worker_threads, each with its own instance of the module on the same memory, run
 * the others. The single-threaded build's memory is not shared, so there every call runs on the
 * main thread. A call blocks until all shares are done (Atomics.wait), like any tfjs kernel.
 *
 * Workers wait on a control block (a small SharedArrayBuffer): a generation counter, the number of
 * shares still running, the function and its arguments. They are unref'd, so an idle pool never
 * keeps the process alive, and are closed with the backend (see `disposeNativeKernels`).
 */
import { Worker } from 'node:worker_threads';
import type { TensorInfo, WasmBackend } from '../kernels/kernel-utils';
import { wasmThreads } from '../kernels/kernel-utils';
import { KERNELS_WASM_PLAIN, KERNELS_WASM_SHARED } from './kernels-wasm';

/** The exports of kernels.c, by name; every argument is an i32 (pointers are byte offsets). */
export const NATIVE_FUNCTIONS = ['bn_stats', 'bn_relu_apply', 'bn_relu_grad_sums', 'bn_relu_grad_apply', 'conv_filter_grad_small', 'conv_filter_grad', 'conv_direct'] as const;
export type NativeFunction = (typeof NATIVE_FUNCTIONS)[number];

/** Control block layout (Int32 slots). */
const GENERATION = 0;
const PENDING = 1;
const FUNCTION = 2;
const ARG_COUNT = 3;
const RANGE_BEGIN = 4;
const RANGE_END = 5;
const SPLIT_ARG = 6;
const SPLIT_STRIDE = 7;
const FAILED = 8;
/**
 * One slot per share: the call's generation while the share is open, 0 once a thread has claimed it
 * (the worker it belongs to, or the main thread when the worker is late). A claim names the
 * generation it is for, so a worker that wakes late for an earlier call can never claim a share of
 * the next one while holding the earlier call's function (that race ran one kernel's code on another
 * kernel's arguments: "native kernel bn_relu_grad_apply failed on a worker thread" under load).
 */
const CLAIMS = 9;
const MAX_PARTS = 16;
const ARGS = CLAIMS + MAX_PARTS;
const MAX_ARGS = 24;
/** A share claimed by a worker and not done after this long means the worker is gone: the pool is abandoned. */
const SHARE_TIMEOUT_MS = 120_000;

const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { module, memory, control, names, part, parts } = workerData;
const instance = new WebAssembly.Instance(module, { env: { memory } });
const fns = names.map((name) => instance.exports[name]);
const ctl = new Int32Array(control);
let seen = 0;
for (;;) {
  Atomics.wait(ctl, ${GENERATION}, seen);
  seen = Atomics.load(ctl, ${GENERATION});
  if (Atomics.load(ctl, ${FUNCTION}) < 0) break;
  // Claim this call's share (open under its generation); the main thread takes over a share nobody
  // has claimed once its own is done. The job is read only after the claim: it stays put until
  // every claimed share has finished.
  if (Atomics.compareExchange(ctl, ${CLAIMS} + part, seen, 0) !== seen) continue;
  const index = Atomics.load(ctl, ${FUNCTION});
  const args = Array.from(ctl.subarray(${ARGS}, ${ARGS} + ctl[${ARG_COUNT}]));
  const begin = ctl[${RANGE_BEGIN}], end = ctl[${RANGE_END}];
  const lo = begin + Math.floor(((end - begin) * part) / parts), hi = begin + Math.floor(((end - begin) * (part + 1)) / parts);
  if (ctl[${SPLIT_ARG}] >= 0) args[ctl[${SPLIT_ARG}]] += part * ctl[${SPLIT_STRIDE}];
  try {
    if (lo < hi) fns[index](...args, lo, hi);
  } catch {
    Atomics.store(ctl, ${FAILED}, 1);
  }
  if (Atomics.sub(ctl, ${PENDING}, 1) === 1) Atomics.notify(ctl, ${PENDING});
}
`;

/** Where a kernel with per-share outputs (partial sums) puts share p: argument `arg` plus p·stride bytes. */
export interface ShareSplit {
  arg: number;
  strideBytes: number;
}

export class NativeKernels {
  /** Shares a call is split into: the backend's threads with a shared memory, else 1. */
  private partCount: number;
  private readonly fns: Record<NativeFunction, (...args: number[]) => void>;
  private readonly control = new Int32Array(new SharedArrayBuffer((ARGS + MAX_ARGS) * 4));
  private readonly workers: Worker[] = [];

  constructor(
    private readonly backend: WasmBackend,
    private readonly memory: WebAssembly.Memory,
    threads: number,
  ) {
    const shared = memory.buffer instanceof SharedArrayBuffer;
    const module = new WebAssembly.Module(Buffer.from(shared ? KERNELS_WASM_SHARED : KERNELS_WASM_PLAIN, 'base64'));
    const instance = new WebAssembly.Instance(module, { env: { memory } });
    this.fns = Object.fromEntries(NATIVE_FUNCTIONS.map((name) => [name, instance.exports[name] as (...args: number[]) => void])) as NativeKernels['fns'];
    this.partCount = shared ? Math.max(1, Math.min(threads, MAX_PARTS)) : 1;
    for (let part = 1; part < this.parts; part++) {
      const worker = new Worker(WORKER_SOURCE, {
        eval: true,
        workerData: { module, memory, control: this.control.buffer, names: NATIVE_FUNCTIONS, part, parts: this.parts },
      });
      worker.unref();
      this.workers.push(worker);
    }
  }

  get parts(): number {
    return this.partCount;
  }

  /** Byte offset of a tensor's data on the heap. */
  pointer(info: TensorInfo): number {
    const data = (this.backend as unknown as { dataIdMap: { get(id: object): { memoryOffset: number } | undefined } }).dataIdMap.get(info.dataId);
    if (data === undefined) throw new Error('native kernel: tensor is not on the wasm heap');
    return data.memoryOffset;
  }

  f32(info: TensorInfo): Float32Array {
    return new Float32Array(this.memory.buffer, this.pointer(info), info.shape.reduce((a, b) => a * b, 1));
  }

  /** A float64 view of a float32 scratch tensor (its byte length halved). */
  f64(info: TensorInfo): Float64Array {
    return new Float64Array(this.memory.buffer, this.pointer(info), info.shape.reduce((a, b) => a * b, 1) / 2);
  }

  /**
   * Runs `name(...args, lo, hi)` over [begin, end) split into `parts` shares, one per thread; with
   * `split`, share p's argument `split.arg` is offset by p·split.strideBytes (its own partial sums).
   */
  run(name: NativeFunction, args: number[], begin: number, end: number, split?: ShareSplit): void {
    const fn = this.fns[name];
    if (this.parts === 1 || end - begin < this.parts) {
      fn(...args, begin, end);
      return;
    }
    if (args.length > MAX_ARGS) throw new Error(`native kernel ${name}: more than ${MAX_ARGS} arguments`);
    const ctl = this.control;
    const parts = this.parts;
    const share = (part: number) => {
      const lo = begin + Math.floor(((end - begin) * part) / parts);
      const hi = begin + Math.floor(((end - begin) * (part + 1)) / parts);
      const own = split === undefined ? args : args.map((a, i) => (i === split.arg ? a + part * split.strideBytes : a));
      if (lo < hi) fn(...own, lo, hi);
    };
    // The job first, then the shares' claims, then the generation: a worker that claims a share sees the whole job.
    ctl[FUNCTION] = NATIVE_FUNCTIONS.indexOf(name);
    ctl[ARG_COUNT] = args.length;
    ctl[RANGE_BEGIN] = begin;
    ctl[RANGE_END] = end;
    ctl[SPLIT_ARG] = split?.arg ?? -1;
    ctl[SPLIT_STRIDE] = split?.strideBytes ?? 0;
    ctl.set(args, ARGS);
    ctl[FAILED] = 0;
    Atomics.store(ctl, PENDING, parts - 1);
    // This call's generation (never 0, the claimed mark), under which its shares are open.
    const generation = (Atomics.load(ctl, GENERATION) + 1) | 0 || 1;
    for (let part = 1; part < parts; part++) Atomics.store(ctl, CLAIMS + part, generation);
    Atomics.store(ctl, GENERATION, generation);
    Atomics.notify(ctl, GENERATION);
    let error: unknown;
    try {
      share(0);
      // A worker not yet running (a busy machine, a worker still starting) does not hold the call up.
      for (let part = 1; part < parts; part++) {
        if (Atomics.compareExchange(ctl, CLAIMS + part, generation, 0) !== generation) continue;
        try {
          share(part);
        } finally {
          Atomics.sub(ctl, PENDING, 1);
        }
      }
    } catch (e) {
      error = e;
    }
    // Even when a share failed, the workers' shares must finish before the next call reuses the block.
    const started = performance.now();
    for (let pending = Atomics.load(ctl, PENDING); pending !== 0; pending = Atomics.load(ctl, PENDING)) {
      if (Atomics.wait(ctl, PENDING, pending, 1000) === 'timed-out' && performance.now() - started > SHARE_TIMEOUT_MS) {
        this.abandonPool();
        throw new Error(`native kernel ${name}: a worker thread did not finish its share in ${SHARE_TIMEOUT_MS / 1000} s`);
      }
    }
    if (error !== undefined) throw error;
    if (ctl[FAILED] !== 0) throw new Error(`native kernel ${name} failed on a worker thread`);
  }

  /** Stops using the workers (the kernels go on, on the main thread alone). */
  private abandonPool(): void {
    this.partCount = 1;
    for (const worker of this.workers.splice(0)) void worker.terminate();
  }

  dispose(): void {
    this.control[FUNCTION] = -1;
    Atomics.add(this.control, GENERATION, 1);
    Atomics.notify(this.control, GENERATION);
    for (const worker of this.workers.splice(0)) void worker.terminate();
  }
}

const byBackend = new WeakMap<WasmBackend, NativeKernels | null>();

function backendMemory(backend: WasmBackend): WebAssembly.Memory | undefined {
  const module = backend.wasm as unknown as { wasmMemory?: WebAssembly.Memory; asm?: { memory?: WebAssembly.Memory } };
  return module.wasmMemory ?? module.asm?.memory;
}

/**
 * PRETEXT_WASM_NATIVE=0 turns our kernels off (the composed kernels of the package's run instead):
 * the benchmark measures both in one invocation with it.
 */
export function nativeKernelsEnabled(): boolean {
  return process.env.PRETEXT_WASM_NATIVE !== '0';
}

/** The native kernels of `backend` (created on first use), or null where its memory cannot be reached or they are turned off. */
export function nativeKernels(backend: WasmBackend): NativeKernels | null {
  if (!nativeKernelsEnabled()) return null;
  let kernels = byBackend.get(backend);
  if (kernels === undefined) {
    const memory = backendMemory(backend);
    kernels = memory instanceof WebAssembly.Memory ? new NativeKernels(backend, memory, wasmThreads(backend)) : null;
    byBackend.set(backend, kernels);
  }
  return kernels;
}

/** Stops the worker threads of `backend`'s native kernels (before the backend is disposed). */
export function disposeNativeKernels(backend: WasmBackend): void {
  byBackend.get(backend)?.dispose();
  byBackend.delete(backend);
}
