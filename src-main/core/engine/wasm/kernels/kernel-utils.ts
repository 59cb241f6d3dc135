/**
 * Helpers for wasm kernels composed from other wasm kernels.
 *
 * A composed kernel calls the other kernels' functions directly (not through the engine), so the
 * intermediates are plain TensorInfos owned by us: nothing is recorded on the gradient tape and
 * every intermediate must be released with `backend.disposeData`.
 */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { tf } from '../../tf';

export type WasmBackend = BackendWasm;
export type TensorInfo = tf.TensorInfo;
type NamedTensorInfoMap = Record<string, TensorInfo | undefined>;
type NamedAttrMap = Record<string, unknown>;
type KernelConfig = tf.KernelConfig;

export const WASM = 'wasm';

/** The package's own kernels that we override, captured before we replace them. */
const stockKernels = new Map<string, KernelConfig>();

/**
 * Replaces the wasm kernel `config.kernelName`, keeping the stock one callable through
 * `runStockKernel` (its setupFunc still runs, chained from ours). Idempotent.
 */
export function overrideWasmKernel(config: Omit<KernelConfig, 'backendName'>): void {
  if (stockKernels.has(config.kernelName)) return;
  const stock = tf.getKernel(config.kernelName, WASM);
  if (stock === undefined) throw new Error(`no stock wasm kernel ${config.kernelName} to override`);
  stockKernels.set(config.kernelName, stock);
  tf.unregisterKernel(config.kernelName, WASM);
  tf.registerKernel({
    ...config,
    backendName: WASM,
    setupFunc: (backend) => {
      stock.setupFunc?.(backend);
      config.setupFunc?.(backend);
    },
  });
}

/** Registers a wasm kernel the package does not have. Idempotent. */
export function addWasmKernel(config: Omit<KernelConfig, 'backendName'>): void {
  if (tf.getKernel(config.kernelName, WASM) !== undefined) return;
  tf.registerKernel({ ...config, backendName: WASM });
}

function callKernel(config: KernelConfig, backend: WasmBackend, inputs: NamedTensorInfoMap, attrs: NamedAttrMap): TensorInfo {
  const result = config.kernelFunc({
    inputs: inputs as tf.NamedTensorInfoMap,
    backend,
    attrs: attrs as tf.NamedAttrMap,
  });
  if (Array.isArray(result)) throw new Error(`${config.kernelName} returned several outputs where one was expected`);
  return result as TensorInfo;
}

/** Runs the currently registered wasm kernel `name` (ours when we override it). */
export function runKernel(name: string, backend: WasmBackend, inputs: NamedTensorInfoMap, attrs: NamedAttrMap = {}): TensorInfo {
  const config = tf.getKernel(name, WASM);
  if (config === undefined) throw new Error(`wasm kernel ${name} is not registered`);
  return callKernel(config, backend, inputs, attrs);
}

/** Runs the package's own version of a kernel we override (e.g. the XNNPACK fully-connected MatMul). */
export function runStockKernel(name: string, backend: WasmBackend, inputs: NamedTensorInfoMap, attrs: NamedAttrMap = {}): TensorInfo {
  const config = stockKernels.get(name) ?? tf.getKernel(name, WASM);
  if (config === undefined) throw new Error(`wasm kernel ${name} is not registered`);
  return callKernel(config, backend, inputs, attrs);
}

/**
 * Collects intermediates of a composed kernel and frees them all at the end, also on error.
 * Usage: `return withScratch(backend, (s) => { const t = s.track(runKernel(...)); ...; return out; })`.
 */
export class Scratch {
  private readonly owned: TensorInfo[] = [];
  constructor(readonly backend: WasmBackend) {}

  track<T extends TensorInfo>(info: T): T {
    this.owned.push(info);
    return info;
  }

  /** Shorthand for `track(runKernel(...))`. */
  run(name: string, inputs: NamedTensorInfoMap, attrs: NamedAttrMap = {}): TensorInfo {
    return this.track(runKernel(name, this.backend, inputs, attrs));
  }

  reshape(x: TensorInfo, shape: number[]): TensorInfo {
    return this.run('Reshape', { x }, { shape });
  }

  transpose(x: TensorInfo, perm: number[]): TensorInfo {
    return this.run('Transpose', { x }, { perm });
  }

  /** A new float32 tensor on the wasm heap holding `values`. */
  constant(shape: number[], values: Float32Array): TensorInfo {
    return this.track(this.backend.makeOutput(shape, 'float32', undefined, values));
  }

  /** Removes `info` from the scratch list: the caller now owns it (e.g. the kernel's output). */
  release<T extends TensorInfo>(info: T): T {
    const i = this.owned.lastIndexOf(info);
    if (i >= 0) this.owned.splice(i, 1);
    return info;
  }

  disposeAll(): void {
    for (const info of this.owned.splice(0)) this.backend.disposeData(info.dataId);
  }
}

export function withScratch<T>(backend: WasmBackend, body: (scratch: Scratch) => T): T {
  const scratch = new Scratch(backend);
  try {
    return body(scratch);
  } finally {
    scratch.disposeAll();
  }
}

/** A float32 view of a tensor's data on the wasm heap. Read it before the next wasm call (the heap may grow). */
export function heapF32(backend: WasmBackend, info: TensorInfo): Float32Array {
  return backend.typedArrayFromHeap(info) as Float32Array;
}

export function assertNhwc(kernel: string, dataFormat: unknown): void {
  if (dataFormat !== undefined && dataFormat !== 'NHWC' && dataFormat !== 'channelsLast') {
    throw new Error(`wasm ${kernel} supports only NHWC data, got dataFormat '${String(dataFormat)}'`);
  }
}

export function sizeOf(shape: readonly number[]): number {
  let size = 1;
  for (const d of shape) size *= d;
  return size;
}

/** The XNNPACK thread count of the live wasm backend (1 when unknown). */
export function wasmThreads(backend: WasmBackend): number {
  const module = backend.wasm as unknown as { tfjs?: { getThreadsCount?: () => number } };
  return module.tfjs?.getThreadsCount?.() ?? 1;
}
