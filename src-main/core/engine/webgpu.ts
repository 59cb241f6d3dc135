/**
 * The WebGPU compute backend in Node: Dawn (the `webgpu` package, an optional dependency) gives the
 * core's worker threads a `navigator.gpu`, and @tensorflow/tfjs-backend-webgpu computes on it. Dawn
 * runs on Vulkan (Linux, Windows), Metal (macOS) and Direct3D 12 (Windows), so on AMD, Intel, NVIDIA
 * and Apple GPUs alike, with no CUDA.
 *
 * Software adapters (SwiftShader, lavapipe, llvmpipe, WARP: anything WebGPU calls a fallback
 * adapter) compute on the CPU, many times slower than wasm: they are used only when asked for by
 * name (`--backend webgpu`), never chosen automatically.
 *
 * Tensors on this backend cannot be read synchronously in Node (tfjs reads a GPU buffer
 * synchronously through an OffscreenCanvas, which Node lacks): everything the engine reads back
 * goes through `data()`; see `readsSynchronously`.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, join } from 'node:path';
import type { GpuAdapterInfo } from '../../contract';
import { tf } from './tf';

/** The tfjs name of the backend (and ours). */
export const WEBGPU = 'webgpu';
/** Dawn's Node binding: an optionalDependency with a prebuilt dawn.node per platform. */
const DAWN_PACKAGE = 'webgpu';
/** Chromium's software Vulkan driver (Debian's chromium package): used by the tests and CI, never by default. */
export const CHROMIUM_SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';
/** An adapter that takes longer than this to answer is treated as absent (a hung driver must not stop start-up). */
const ADAPTER_TIMEOUT_MS = 15_000;

/** The few parts of WebGPU's objects used here (Dawn's types are not in the Node typings). */
interface DawnAdapterInfo {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  isFallbackAdapter?: boolean;
}
interface DawnLimits {
  maxStorageBufferBindingSize: number;
  maxBufferSize: number;
  maxComputeWorkgroupStorageSize: number;
  maxComputeWorkgroupsPerDimension: number;
  maxComputeWorkgroupSizeX: number;
  maxComputeInvocationsPerWorkgroup: number;
}
interface DawnDevice {
  limits: DawnLimits;
  destroy(): void;
}
interface DawnAdapter {
  info: DawnAdapterInfo;
  limits: DawnLimits;
  features: Set<string>;
  isFallbackAdapter?: boolean;
  requestDevice(descriptor: { requiredFeatures: string[]; requiredLimits: Partial<DawnLimits> }): Promise<DawnDevice>;
}
interface DawnGpu {
  requestAdapter(options: { powerPreference: 'high-performance' | 'low-power' }): Promise<DawnAdapter | null>;
}
interface DawnModule {
  create(options: string[]): DawnGpu;
  globals: Record<string, unknown>;
}
/** What tfjs' WebGPUBackend exposes that is used here (its buffer pool, to guard the adapter's limits). */
interface BufferManagerLike {
  acquireBuffer(size: number, usage: number, mappedAtCreation?: boolean, reuse?: boolean): unknown;
}
type WebGpuBackendInstance = tf.KernelBackend & { bufferManager: BufferManagerLike; readSync(dataId: object): unknown };
type WebGpuBackendClass = new (device: DawnDevice, adapterInfo?: DawnAdapterInfo) => WebGpuBackendInstance;

export type WebGpuAttempt = { ok: true; adapter: GpuAdapterInfo } | { ok: false; why: string };

export interface WebGpuOptions {
  /** Asked for by name: a software adapter is then accepted. */
  explicit: boolean;
  /** Lowers the buffer limit the engine enforces below the adapter's, in bytes (tests). */
  maxBufferBytes?: number;
}

const requireFromHere = createRequire(import.meta.url);

/**
 * The device in use, kept for the life of the thread (one per thread, as tfjs keeps one backend
 * instance), with the adapter's own buffer limit (`adapter.maxBufferBytes` may be set lower).
 */
let active: { adapter: GpuAdapterInfo; adapterLimit: number; device: DawnDevice } | null = null;
/** The largest buffer a kernel asked for since `resetLargestBuffer`, and every size asked for, bytes. */
let largestBuffer = 0;
const bufferSizes = new Set<number>();

/** Thrown (from inside a kernel) when a tensor needs a buffer larger than the adapter allows. */
export class GpuBufferLimitError extends RangeError {
  constructor(
    readonly bytes: number,
    readonly limitBytes: number,
    adapter: GpuAdapterInfo,
  ) {
    super(
      `A tensor of ${formatBytes(bytes)} is larger than the ${formatBytes(limitBytes)} ${adapter.vendor} ${adapter.architecture} allows in one buffer ` +
        `(WebGPU's maxStorageBufferBindingSize/maxBufferSize); lower the batch size or the input size`,
    );
    this.name = 'GpuBufferLimitError';
  }
}

/**
 * Loads Dawn, asks it for an adapter and, if it is a GPU (or a software adapter was asked for by
 * name), makes tfjs' webgpu backend current on it. Never throws: a missing package, a failed load,
 * no adapter or a software one come back as the reason, in words a user can act on.
 */
export async function tryWebGpu(options: WebGpuOptions): Promise<WebGpuAttempt> {
  const requestedLimit = options.maxBufferBytes ?? bufferLimitFromEnv() ?? Number.POSITIVE_INFINITY;
  if (active !== null) {
    if (active.adapter.software && !options.explicit) return { ok: false, why: softwareReason(active.adapter) };
    // The guard reads the limit from this object: a lower one for tests, or the adapter's again.
    active.adapter.maxBufferBytes = Math.min(active.adapterLimit, requestedLimit);
    return (await tf.setBackend(WEBGPU)) ? { ok: true, adapter: active.adapter } : { ok: false, why: `tf.setBackend('${WEBGPU}') failed` };
  }
  let dawn: DawnModule;
  try {
    requireFromHere.resolve(`${DAWN_PACKAGE}/package.json`);
  } catch {
    return { ok: false, why: `module ${DAWN_PACKAGE} (Dawn, an optional dependency) is not installed` };
  }
  try {
    // A variable specifier keeps bundlers from trying to resolve (and inline) the optional module.
    dawn = (await import(/* @vite-ignore */ DAWN_PACKAGE)) as DawnModule;
  } catch (error) {
    return { ok: false, why: `module ${DAWN_PACKAGE} is installed but Dawn failed to load: ${firstLine(error)}` };
  }
  let adapter: DawnAdapter | null;
  const gpu = dawn.create([]);
  try {
    adapter = await withTimeout(gpu.requestAdapter({ powerPreference: 'high-performance' }), ADAPTER_TIMEOUT_MS, 'Dawn did not answer for an adapter');
  } catch (error) {
    return { ok: false, why: firstLine(error) };
  }
  if (adapter === null) return { ok: false, why: noAdapterReason() };
  const info = adapterInfo(adapter);
  const adapterLimit = info.maxBufferBytes;
  info.maxBufferBytes = Math.min(adapterLimit, requestedLimit);
  if (info.software && !options.explicit) return { ok: false, why: softwareReason(info) };
  try {
    const device = await adapter.requestDevice({
      // tfjs times kernels with timestamp queries where the adapter has them (its profiler).
      requiredFeatures: adapter.features.has('timestamp-query') ? ['timestamp-query'] : [],
      requiredLimits: {
        maxComputeWorkgroupStorageSize: adapter.limits.maxComputeWorkgroupStorageSize,
        maxComputeWorkgroupsPerDimension: adapter.limits.maxComputeWorkgroupsPerDimension,
        maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
        maxBufferSize: adapter.limits.maxBufferSize,
        maxComputeWorkgroupSizeX: adapter.limits.maxComputeWorkgroupSizeX,
        maxComputeInvocationsPerWorkgroup: adapter.limits.maxComputeInvocationsPerWorkgroup,
      },
    });
    const Backend = await webGpuBackendClass(dawn, gpu);
    tf.registerBackend(
      WEBGPU,
      () => {
        const backend = new Backend(device, adapter.info);
        guardBufferLimit(backend.bufferManager, info);
        explainSyncReads(backend);
        return backend;
      },
      // Below cpu's 1: tf.ready() without a chosen backend must never pick a GPU (or a software adapter) by itself.
      -1,
    );
    if (!(await tf.setBackend(WEBGPU))) {
      tf.removeBackend(WEBGPU);
      device.destroy();
      return { ok: false, why: `the ${describeAdapter(info)} adapter answered, but tfjs' webgpu backend failed to initialise (see the warning above)` };
    }
    active = { adapter: info, adapterLimit, device };
    return { ok: true, adapter: info };
  } catch (error) {
    return { ok: false, why: `the ${describeAdapter(info)} adapter answered, but its device failed: ${firstLine(error)}` };
  }
}

/** The adapter tfjs computes on, when the webgpu backend is initialised in this thread. */
export function activeAdapter(): GpuAdapterInfo | null {
  return active?.adapter ?? null;
}

/**
 * Whether tensors of the current backend can be read with `dataSync()`. False on webgpu, whose
 * synchronous reads need an OffscreenCanvas: there every value is read with `await data()`.
 */
export function readsSynchronously(): boolean {
  return tf.getBackend() !== WEBGPU;
}

/** Starts measuring the buffers kernels ask for (see `largestBufferSinceReset`, `bufferSizesSinceReset`). */
export function resetLargestBuffer(): void {
  largestBuffer = 0;
  bufferSizes.clear();
}

/** Every buffer size, in bytes, a webgpu kernel asked for since `resetLargestBuffer`. */
export function bufferSizesSinceReset(): ReadonlySet<number> {
  return new Set(bufferSizes);
}

/** The largest buffer, in bytes, a webgpu kernel asked for since `resetLargestBuffer`. */
export function largestBufferSinceReset(): number {
  return largestBuffer;
}

/**
 * The largest batch whose biggest buffer stays within the adapter's limit, from the biggest buffer
 * one measured batch needed; buffers grow in proportion to the batch. At least 1.
 */
export function batchSizeWithin(limitBytes: number, measuredBytes: number, measuredBatch: number): number {
  if (measuredBytes <= 0) return Number.MAX_SAFE_INTEGER;
  return Math.max(1, Math.floor((limitBytes / measuredBytes) * measuredBatch));
}

/** "google swiftshader (SwiftShader driver 5.0.0)". */
export function describeAdapter(info: GpuAdapterInfo): string {
  const name = [info.vendor, info.architecture].filter((s) => s !== '').join(' ') || 'unnamed adapter';
  return info.description !== '' ? `${name} (${info.description})` : name;
}

export function formatBytes(bytes: number): string {
  if (bytes >= 2 ** 30) return `${(bytes / 2 ** 30).toFixed(bytes % 2 ** 30 === 0 ? 0 : 2)} GiB`;
  if (bytes >= 2 ** 20) return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
  return `${Math.ceil(bytes / 1024)} KiB`;
}

/** Software rasterisers and WebGPU's fallback adapters: they run, but on the CPU. */
const SOFTWARE_ADAPTER = /swiftshader|llvmpipe|lavapipe|softpipe|software|basic render|microsoft basic|warp/i;

/**
 * PRETEXT_WEBGPU_MAX_BUFFER_BYTES: a buffer limit below the adapter's (to leave room on a GPU that
 * other programs share, or for tests of the batch-size cap in the training workers).
 */
function bufferLimitFromEnv(): number | undefined {
  const raw = process.env.PRETEXT_WEBGPU_MAX_BUFFER_BYTES;
  const bytes = raw === undefined ? Number.NaN : Number(raw);
  return Number.isFinite(bytes) && bytes > 0 ? bytes : undefined;
}

function softwareReason(info: GpuAdapterInfo): string {
  return `only a software adapter (${describeAdapter(info)}), which computes on the CPU slower than wasm: not chosen automatically; ask for it with --backend webgpu`;
}

function adapterInfo(adapter: DawnAdapter): GpuAdapterInfo {
  const { vendor, architecture, device, description } = adapter.info;
  const software = adapter.info.isFallbackAdapter === true || adapter.isFallbackAdapter === true || SOFTWARE_ADAPTER.test(`${vendor} ${architecture} ${device} ${description}`);
  const limit = Math.min(adapter.limits.maxStorageBufferBindingSize, adapter.limits.maxBufferSize);
  return {
    vendor: vendor ?? '',
    architecture: architecture ?? '',
    description: description || device || '',
    software,
    maxBufferBytes: limit,
  };
}

/**
 * tfjs' WebGPUBackend, from the package's index (which also registers its kernels). Its module
 * registers a backend factory of its own, at a priority above wasm, when `navigator.gpu` exists as
 * it loads: it is loaded first and `navigator.gpu` set after, so that only ours exists.
 */
async function webGpuBackendClass(dawn: DawnModule, gpu: DawnGpu): Promise<WebGpuBackendClass> {
  // tfjs' kernels use WebGPU's enums as globals (GPUBufferUsage, GPUMapMode, GPUShaderStage).
  for (const [name, value] of Object.entries(dawn.globals)) {
    if (!(name in globalThis)) Object.defineProperty(globalThis, name, { value, configurable: true, writable: true });
  }
  const module = (await import('@tensorflow/tfjs-backend-webgpu')) as unknown as { WebGPUBackend: WebGpuBackendClass; default?: { WebGPUBackend: WebGpuBackendClass } };
  if (tf.findBackendFactory(WEBGPU) !== null) tf.removeBackend(WEBGPU);
  // The backend's constructor checks for navigator.gpu (Node 21+ has a navigator without one; Node 20 none).
  const holder = globalThis as { navigator?: object };
  if (holder.navigator === undefined) Object.defineProperty(globalThis, 'navigator', { value: {}, configurable: true, writable: true });
  Object.defineProperty(holder.navigator!, 'gpu', { value: gpu, configurable: true });
  return module.WebGPUBackend ?? module.default!.WebGPUBackend;
}

/**
 * Wraps the backend's buffer pool: a buffer over the adapter's limit fails the kernel with a
 * GpuBufferLimitError (WebGPU itself would only log a validation error and compute garbage), and
 * the largest buffer asked for is measured for `batchSizeWithin`.
 */
function guardBufferLimit(manager: BufferManagerLike, info: GpuAdapterInfo): void {
  const acquire = manager.acquireBuffer.bind(manager);
  manager.acquireBuffer = (size, usage, mappedAtCreation, reuse) => {
    if (size > largestBuffer) largestBuffer = size;
    bufferSizes.add(size);
    if (size > info.maxBufferBytes) throw new GpuBufferLimitError(size, info.maxBufferBytes, info);
    return acquire(size, usage, mappedAtCreation, reuse);
  };
}

/**
 * tfjs reads a GPU tensor synchronously (dataSync, arraySync) through an OffscreenCanvas, which
 * Node lacks: the ReferenceError it throws becomes an error that says what happened.
 */
function explainSyncReads(backend: WebGpuBackendInstance): void {
  const readSync = backend.readSync.bind(backend);
  backend.readSync = (dataId) => {
    try {
      return readSync(dataId);
    } catch (error) {
      if (error instanceof ReferenceError && error.message.includes('OffscreenCanvas')) {
        throw new Error('dataSync() of a tensor on the GPU: in Node the webgpu backend reads tensors only asynchronously (await tensor.data())');
      }
      throw error;
    }
  };
}

/** Why Dawn found no adapter, as far as the files on this machine tell. */
function noAdapterReason(): string {
  if (process.platform === 'darwin') return 'Dawn found no Metal adapter (WebGPU needs macOS 11 or later on a Mac with Metal support)';
  if (process.platform === 'win32') return 'Dawn found no Direct3D 12 or Vulkan adapter (update the GPU driver)';
  const loader = findVulkanLoader();
  if (loader === null) {
    return (
      'no Vulkan loader (libvulkan.so.1) found, so Dawn has no adapter: install the GPU vendor\'s Vulkan driver ' +
      '(Debian/Ubuntu: libvulkan1 with mesa-vulkan-drivers for AMD and Intel, or the NVIDIA driver)'
    );
  }
  const drivers = vulkanDrivers();
  const software = existsSync(CHROMIUM_SWIFTSHADER_ICD) ? `; for a software adapter (tests), set VK_ICD_FILENAMES=${CHROMIUM_SWIFTSHADER_ICD}` : '';
  if (drivers.length === 0) return `a Vulkan loader (${loader}) but no Vulkan driver (ICD) is installed, so Dawn has no adapter${software}`;
  return `Dawn found no Vulkan adapter it can use among the installed drivers (${drivers.join(', ')})${software}`;
}

/** The Vulkan loader's path, in the places the dynamic linker looks (LD_LIBRARY_PATH first), or null. */
function findVulkanLoader(): string | null {
  const dirs = [
    ...(process.env.LD_LIBRARY_PATH ?? '').split(delimiter).filter((d) => d !== ''),
    `/lib/${process.arch === 'arm64' ? 'aarch64' : 'x86_64'}-linux-gnu`,
    `/usr/lib/${process.arch === 'arm64' ? 'aarch64' : 'x86_64'}-linux-gnu`,
    '/lib64',
    '/usr/lib64',
    '/lib',
    '/usr/lib',
    '/usr/local/lib',
  ];
  for (const dir of dirs) {
    const path = join(dir, 'libvulkan.so.1');
    try {
      if (statSync(path).isFile() && statSync(path).size > 0) return path;
    } catch {
      // not here
    }
  }
  return null;
}

/** The Vulkan drivers (ICD manifests) the loader would read: VK_ICD_FILENAMES, or the standard folders. */
function vulkanDrivers(): string[] {
  const given = process.env.VK_DRIVER_FILES ?? process.env.VK_ICD_FILENAMES;
  if (given) return given.split(delimiter).filter((f) => f !== '');
  const dirs = ['/etc/vulkan/icd.d', '/usr/share/vulkan/icd.d', '/usr/local/share/vulkan/icd.d'];
  return dirs.flatMap((dir) => {
    try {
      return readdirSync(dir).filter((f) => f.endsWith('.json'));
    } catch {
      return [];
    }
  });
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} within ${ms / 1000} s`)), ms);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0] ?? message;
}
