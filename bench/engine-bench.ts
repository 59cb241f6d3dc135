/**
 * Compute-engine benchmark: each trainable image method's training step (SimCLR's by default first)
 * and embedding extraction, per backend, per thread count and per image shape; SimCLR's is compared
 * with the same model and step in PyTorch when `import torch` works (Debian: apt-get install
 * python3-torch).
 *
 *   npm run bench
 *   node bench/run-ts.mjs bench/engine-bench.ts [--methods=simclr,autoencoder,…] [--backends=tensorflow-gpu,webgpu,tensorflow,wasm,cpu]
 *        [--threads=1,2] [--shapes=28x28x1,64x64x3] [--batch=256] [--steps=6] [--extract-batch=512]
 *        [--extract-steps=10] [--cpu-batch=32] [--rounds=3] [--no-profile] [--package-kernels] [--no-torch]
 *
 * PyTorch and every configuration alternate for --rounds rounds (each run its own process, the load
 * average printed with it) and the table shows each one's median, so that the ratio compares runs
 * made under the same load. The wasm SimCLR step is profiled per kernel (forward, backward and the
 * optimizer apart) unless --no-profile; "CPU busy" is the process's CPU time over wall time during
 * the timed steps (2.0 = two cores busy). --package-kernels adds a wasm run with our own kernels
 * (wasm/native) turned off (PRETEXT_WASM_NATIVE=0), i.e. the package's kernels and our compositions
 * of them, to show what ours change.
 *
 * Each configuration runs in its own child process, so peak RSS is per configuration and every
 * wasm thread count gets a fresh module. Training uses noise images (the cost does not depend on
 * the pixels); "images/s" counts source images, i.e. batch / step time, whatever the number of
 * views a method makes of each. Times are medians over the timed steps. The plain-JS cpu backend is
 * ~1000× slower, so it runs one step of a smaller batch (--cpu-batch).
 *
 * webgpu runs on the adapter Dawn finds (see `pretext --version`); a software adapter (SwiftShader
 * with VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json, lavapipe) is benchmarked like
 * the cpu backend (one step of --cpu-batch) and marked as not a GPU. Its loss is read back
 * asynchronously, as in training.
 *
 * Text encoders (bench/text-engine-bench.ts): training and extraction tokens/s of the Transformer
 * and the convolutional text encoder, beside PyTorch running the same Transformer and step
 * (bench/torch_text.py), alternating, median of --rounds, with the load average of each run:
 *
 *   npm run bench -- --text [--text-encoders=transformer,text-conv] [--backends=wasm] [--threads=2]
 *        [--text-batch=64] [--text-length=64] [--text-vocab=8000] [--text-layers=4] [--text-width=128]
 *        [--text-heads=4] [--text-activation=relu|gelu] [--text-steps=3] [--rounds=3] [--profile] [--no-torch]
 *
 * Audio clips (--audio): the same rows and the same PyTorch comparison for the audio default
 * (SimCLR, defaultMethodFor) on log-mel spectrograms as the audio data module gives them: its default
 * spec (64 mel bands, 1 s clips at a 10 ms hop: [B, 64, 100, 1]; --shapes=BANDSxFRAMESx1 for
 * another) through the CNN a run of that spectrogram gets, with BYOL-A's views (views/audio.ts) made
 * from one stored 1-s clip per example (noise log-mels), timed with and without them as the image
 * views are. "clips/s" = batch / step time. Defaults: --methods=simclr --backends=wasm --threads=2;
 * any audio method can be named in --methods, PyTorch runs only SimCLR's step:
 *
 *   npm run bench -- --audio [--methods=simclr,moco,byol] [--shapes=64x100x1] [--threads=2] [--rounds=3]
 */
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { type EngineBackendName, initBackend, tf } from '../src-main/core/engine/backend';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { defaultMethodFor, getMethod, METHODS } from '../src-main/core/ssl/methods';
import { disposeNtXentCache } from '../src-main/core/ssl/losses/nt-xent';
import type { AudioInputSpec, ImageInputSpec } from '../src-main/contract';
import { asAudioSpec, audioData, type AudioData } from '../src-main/core/data/audio';
import type { ImageData } from '../src-main/core/data/image';
import type { LoadedData } from '../src-main/core/data/types';
import { Rng } from '../src-main/core/ssl/random';
import { resolveRunParams } from '../src-main/core/training/params';
import { describeAdapter } from '../src-main/core/engine/webgpu';
import { settleLoss } from '../src-main/core/ssl/optim/minimise';
import { parseTextOptions, runTextBench, runTextChild } from './text-engine-bench';

/** [height, width, channels]: an image, or an audio clip's [mel bands, frames, 1]. */
type Shape = [number, number, number];

interface BenchOptions {
  /** Images, or audio clips' log-mel spectrograms (--audio). */
  modality: 'image' | 'audio';
  /** Method ids, each benchmarked on every backend and shape. */
  methods: string[];
  backends: EngineBackendName[];
  shapes: Shape[];
  torch: boolean;
  threads: number[];
  batch: number;
  steps: number;
  extractBatch: number;
  extractSteps: number;
  /** Batch for the plain-JS cpu backend, which is far too slow for the full one. */
  cpuBatch: number;
  profile: boolean;
  /** Alternating rounds of every configuration and PyTorch; the tables show medians. */
  rounds: number;
  /** Also run wasm with our own kernels off (PRETEXT_WASM_NATIVE=0). */
  packageKernels: boolean;
}

/** One row of the per-kernel profile: wall time in each phase of the step. */
interface KernelTime {
  kernel: string;
  forward: number;
  backward: number;
  optimizer: number;
  calls: number;
}

interface BenchResult {
  method: string;
  backend: string;
  shape: string;
  threads: number;
  /** Training batch actually used (the cpu backend runs a smaller one). */
  batch: number;
  simd: boolean;
  /** Images or clips (--audio) per second, here and in the other …ImagesPerSecond fields. */
  trainImagesPerSecond: number;
  trainStepMs: number;
  extractImagesPerSecond: number;
  peakRssMb: number;
  firstLoss: number;
  lastLoss: number;
  /**
   * The step without making the views (two-view methods: their augmentations, run in JS on the
   * main thread): the work bench/torch_simclr.py times, which trains on two fixed batches.
   */
  tensorImagesPerSecond: number;
  /** Median time of a step spent making the views (0 where the method makes none we can time). */
  viewsMs: number;
  /** Process CPU time over wall time during the timed training steps (cores busy). */
  cpuBusy: number;
  /** Our own wasm kernels on (false: PRETEXT_WASM_NATIVE=0). */
  nativeKernels: boolean;
  /** Load average (1 min) when the run ended. */
  load: number;
  profile?: KernelTime[];
  /** webgpu: the adapter, and whether it is a software one (not a GPU). */
  adapter?: { name: string; software: boolean };
  unavailable?: string;
}

function parseOptions(argv: string[]): BenchOptions & { child: boolean } {
  const get = (name: string) => argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
  const list = (name: string, fallback: string) => (get(name) ?? fallback).split(',').filter((s) => s.length > 0);
  const audio = argv.includes('--audio');
  // Audio, as text: the modality's default method on wasm at two threads, one spectrogram shape.
  const methods = audio ? defaultMethodFor({ audio: 1 }).id : METHODS.filter((m) => m.trains && m.modalities.includes('image')).map((m) => m.id).join(',');
  return {
    child: argv.includes('--child'),
    modality: audio ? 'audio' : 'image',
    methods: list('methods', methods),
    backends: list('backends', audio ? 'wasm' : 'tensorflow-gpu,webgpu,tensorflow,wasm,cpu') as EngineBackendName[],
    threads: list('threads', audio ? '2' : '1,2').map(Number),
    shapes: list('shapes', audio ? gridShapeOf(defaultAudioSpec()).join('x') : '28x28x1,64x64x3').map((t) => t.split('x').map(Number) as Shape),
    torch: !argv.includes('--no-torch'),
    batch: Number(get('batch') ?? 256),
    steps: Number(get('steps') ?? 6),
    extractBatch: Number(get('extract-batch') ?? 512),
    extractSteps: Number(get('extract-steps') ?? 10),
    cpuBatch: Number(get('cpu-batch') ?? 32),
    profile: !argv.includes('--no-profile'),
    rounds: Math.max(1, Number(get('rounds') ?? 3)),
    packageKernels: argv.includes('--package-kernels'),
  };
}

/**
 * The audio data module's spec for clips of no known duration (1 s: 64 mel bands × 100 frames at
 * 16 kHz), with normalisation statistics of the order fitSpec measures on speech (the step's cost
 * does not depend on them).
 */
function defaultAudioSpec(): AudioInputSpec {
  return { ...asAudioSpec(audioData.resolveSpec([], {})), mean: -6, std: 4 };
}

/** The audio spec whose model input is [bands, frames, 1], the data module's defaults otherwise. */
function audioSpecOf([bands, frames]: Shape): AudioInputSpec {
  const spec = defaultAudioSpec();
  return { ...spec, melBands: bands, frames, clipSeconds: (frames * spec.hopMs) / 1000 };
}

function gridShapeOf(spec: AudioInputSpec): Shape {
  return audioData.inputShape(spec) as Shape;
}

/** The spec a run of this input shape gets. */
function specOf(modality: BenchOptions['modality'], [h, w, c]: Shape): ImageInputSpec | AudioInputSpec {
  return modality === 'audio' ? audioSpecOf([h, w, c]) : { modality: 'image', size: h, channels: c as 1 | 3, scale: '0-1' };
}

/**
 * `batch` noise examples as the data module loads them: images as bytes, or one stored clip of a
 * spectrogram's frames per example (normalised log-mels, frame-major), which the views crop and mix.
 */
function noiseData(spec: ImageInputSpec | AudioInputSpec, batch: number): LoadedData {
  const noise = (i: number) => (i * 2654435761) >>> 24;
  if (spec.modality === 'audio') {
    const mels = Float32Array.from({ length: batch * spec.frames * spec.melBands }, (_, i) => noise(i) / 64 - 2);
    const offsets = Int32Array.from({ length: batch + 1 }, (_, i) => i * spec.frames);
    const clips: AudioData = { modality: 'audio', spec, itemIds: [], labels: [], failures: [], mels, offsets };
    return clips;
  }
  const pixels = new Uint8Array(batch * spec.size * spec.size * spec.channels);
  for (let i = 0; i < pixels.length; i++) pixels[i] = noise(i);
  const images: ImageData = { modality: 'image', spec, itemIds: [], labels: [], failures: [], size: spec.size, channels: spec.channels, pixels };
  return images;
}

/** Runs in the child: one backend, one thread count. */
async function runOne(options: BenchOptions): Promise<BenchResult> {
  const backend = options.backends[0] ?? 'wasm';
  const threads = options.threads[0] ?? 1;
  const info = await initBackend(backend, { threads });
  const [h, w, c] = options.shapes[0]!;
  // The plain-JS cpu backend and a software GPU adapter are far too slow for the full batch.
  const slow = info.name === 'cpu' || info.adapter?.software === true;
  const batch = slow ? Math.min(options.batch, options.cpuBatch) : options.batch;
  // The exact method and step the training loop runs (views, masks or noise made on the CPU, the
  // encoder chosen from the image or spectrogram size, heads, loss, AdamW), with the defaults a run of this shape gets.
  const spec = specOf(options.modality, [h, w, c]);
  const definition = getMethod(options.methods[0] ?? 'simclr');
  const method = definition.create({ spec, params: resolveRunParams(definition, { batchSize: batch }, spec), seed: 1 });
  const data = noiseData(spec, batch);
  const indices = Int32Array.from({ length: batch }, (_, i) => i);
  const rng = new Rng(1);
  let step = 0;
  const viewsMs = timeViews(method);
  const trainer = {
    // As the training loop does: the loss read back once per step (asynchronously on webgpu).
    step: async (_v1: tf.Tensor4D, _v2: tf.Tensor4D): Promise<number> =>
      (await settleLoss(method.trainStep(data, indices, { step: ++step, totalSteps: 1000, epoch: 1, epochs: 1, learningRate: 1e-3, rng }))).total,
  };
  const extractBatch = slow ? Math.min(options.extractBatch, options.cpuBatch) : options.extractBatch;
  const view1 = tf.randomUniform([batch, h, w, c], 0, 1, 'float32', 7) as tf.Tensor4D;
  const view2 = tf.randomUniform([batch, h, w, c], 0, 1, 'float32', 8) as tf.Tensor4D;

  // cpu is ~1000× slower: time fewer steps there so the bench finishes.
  const steps = slow ? Math.min(1, options.steps) : options.steps;
  const firstLoss = await trainer.step(view1, view2); // warm-up: wasm tier-up, heap growth, XNNPACK setup, GPU pipelines
  if (!slow) await trainer.step(view1, view2);
  let lastLoss = firstLoss;
  const stepTimes: number[] = [];
  const tensorStepTimes: number[] = [];
  const cpuBefore = process.cpuUsage();
  const wallBefore = performance.now();
  for (let i = 0; i < steps; i++) {
    viewsMs.total = 0;
    const t0 = performance.now();
    lastLoss = await trainer.step(view1, view2);
    stepTimes.push(performance.now() - t0);
    tensorStepTimes.push(stepTimes.at(-1)! - viewsMs.total);
  }
  const cpu = process.cpuUsage(cpuBefore);
  const cpuBusy = (cpu.user + cpu.system) / 1000 / (performance.now() - wallBefore);
  // The median resists the occasional stall when other processes share the cores.
  const trainStepMs = median(stepTimes);
  const tensorStepMs = median(tensorStepTimes);

  let profile: BenchResult['profile'];
  if (options.profile) profile = await profileStep(() => trainer.step(view1, view2));

  const images = tf.randomUniform([extractBatch, h, w, c], 0, 1, 'float32', 9) as tf.Tensor4D;
  const extract = async (): Promise<void> => {
    const embedding = method.embed(images);
    await embedding.data();
    embedding.dispose();
  };
  await extract();
  if (!slow) await extract();
  const extractSteps = slow ? Math.min(1, options.extractSteps) : options.extractSteps;
  const extractTimes: number[] = [];
  for (let i = 0; i < extractSteps; i++) {
    const t0 = performance.now();
    await extract();
    extractTimes.push(performance.now() - t0);
  }
  const extractMs = median(extractTimes);

  method.dispose();
  disposeNtXentCache();
  tf.dispose([view1, view2, images]);
  return {
    method: definition.id,
    backend: info.name,
    shape: `${h}x${w}x${c}`,
    threads: info.threads,
    simd: info.simd,
    batch,
    trainImagesPerSecond: (batch * 1000) / trainStepMs,
    trainStepMs,
    tensorImagesPerSecond: (batch * 1000) / tensorStepMs,
    viewsMs: trainStepMs - tensorStepMs,
    extractImagesPerSecond: (extractBatch * 1000) / extractMs,
    peakRssMb: (process.resourceUsage().maxRSS * 1024) / 2 ** 20,
    firstLoss,
    lastLoss,
    cpuBusy,
    nativeKernels: process.env.PRETEXT_WASM_NATIVE !== '0',
    load: loadavg()[0]!,
    ...(profile === undefined ? {} : { profile }),
    ...(info.adapter ? { adapter: { name: describeAdapter(info.adapter), software: info.adapter.software } } : {}),
  };
}

/**
 * Times the two-view methods' view making (their private `views`, a PairViews) by wrapping its
 * make(); the sum since the last reset is in `total`. Methods without one are left alone.
 */
function timeViews(method: object): { total: number } {
  const timer = { total: 0 };
  const views = (method as { views?: { make?: (...args: unknown[]) => unknown } }).views;
  const make = views?.make;
  if (views === undefined || typeof make !== 'function') return timer;
  views.make = (...args: unknown[]) => {
    const t0 = performance.now();
    try {
      return make.apply(views, args);
    } finally {
      timer.total += performance.now() - t0;
    }
  };
  return timer;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** The part of tfjs' engine the profile hooks: gradients() runs its backward pass in tidy('backward', …). */
interface ProfiledEngine {
  tidy: (...args: unknown[]) => unknown;
  state: { activeProfile: { kernels: unknown[] } };
}

/**
 * Per-kernel wall time of one call of `f`, biggest first, split into the forward pass (with the
 * views), the backward pass (tfjs' tidy('backward') inside gradients()) and the optimizer (after
 * it). tf.profile also lists the scopes of custom-gradient ops, which contain kernels listed on
 * their own: only names registered as kernels of the backend are kept, so nothing is counted twice.
 */
async function profileStep(f: () => Promise<unknown>): Promise<KernelTime[]> {
  const engine = tf.engine() as unknown as ProfiledEngine;
  const tidy = engine.tidy;
  const marks: number[] = [];
  let depth = 0;
  engine.tidy = function (this: unknown, ...args: unknown[]) {
    const backward = args[0] === 'backward';
    if (backward && depth++ === 0) marks.push(engine.state.activeProfile.kernels.length);
    try {
      return tidy.apply(this, args);
    } finally {
      if (backward && --depth === 0) marks.push(engine.state.activeProfile.kernels.length);
    }
  };
  let info: Awaited<ReturnType<typeof tf.profile>>;
  try {
    info = await tf.profile(async () => {
      await f();
    });
  } finally {
    engine.tidy = tidy;
  }
  const backwardStart = marks[0] ?? info.kernels.length;
  const backwardEnd = marks.at(-1) ?? info.kernels.length;
  const backend = tf.getBackend();
  const byKernel = new Map<string, KernelTime>();
  info.kernels.forEach((k, i) => {
    if (tf.getKernel(k.name, backend) === undefined) return;
    const entry = byKernel.get(k.name) ?? { kernel: k.name, forward: 0, backward: 0, optimizer: 0, calls: 0 };
    const ms = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
    if (i < backwardStart) entry.forward += ms;
    else if (i < backwardEnd) entry.backward += ms;
    else entry.optimizer += ms;
    entry.calls += 1;
    byKernel.set(k.name, entry);
  });
  const total = (k: KernelTime) => k.forward + k.backward + k.optimizer;
  return [...byKernel.values()].sort((a, b) => total(b) - total(a));
}

function runChild(method: string, backend: EngineBackendName, threads: number, options: BenchOptions, nativeKernels = true): BenchResult {
  const args = [
    ...process.execArgv,
    ...process.argv.slice(1, 2),
    '--child',
    `--methods=${method}`,
    `--backends=${backend}`,
    `--threads=${threads}`,
    `--shapes=${options.shapes[0]!.join('x')}`,
    `--batch=${options.batch}`,
    `--steps=${options.steps}`,
    `--extract-batch=${options.extractBatch}`,
    `--extract-steps=${options.extractSteps}`,
    `--cpu-batch=${options.cpuBatch}`,
    ...(options.modality === 'audio' ? ['--audio'] : []),
    // Profiling slows a step down a little: only the last round profiles, and only wasm SimCLR.
    ...(options.profile && backend === 'wasm' && method === 'simclr' ? [] : ['--no-profile']),
  ];
  // A .ts entry run through bench/run-ts.mjs is re-run through the same launcher.
  const launcher = process.env.PRETEXT_TS_RUNNER;
  const child = spawnSync(process.execPath, launcher === undefined ? args : [launcher, ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 64 * 2 ** 20,
    env: { ...process.env, PRETEXT_WASM_NATIVE: nativeKernels ? '1' : '0' },
  });
  const line = child.stdout.split('\n').find((l) => l.startsWith('RESULT '));
  if (child.status !== 0 || line === undefined) {
    const why = child.stdout.split('\n').find((l) => l.startsWith('UNAVAILABLE ')) ?? `exit ${child.status}`;
    return {
      method,
      backend,
      shape: options.shapes[0]!.join('x'),
      threads,
      batch: 0,
      simd: false,
      trainImagesPerSecond: 0,
      trainStepMs: 0,
      tensorImagesPerSecond: 0,
      viewsMs: 0,
      extractImagesPerSecond: 0,
      peakRssMb: 0,
      firstLoss: 0,
      lastLoss: 0,
      cpuBusy: 0,
      nativeKernels,
      load: loadavg()[0]!,
      unavailable: why.replace(/^UNAVAILABLE /, ''),
    };
  }
  return JSON.parse(line.slice('RESULT '.length)) as BenchResult;
}

interface TorchResult {
  shape: string;
  threads: number;
  trainImagesPerSecond: number;
  extractImagesPerSecond: number;
  version: string;
  load: number;
}

/** The same encoder, head, loss and step in PyTorch (bench/torch_simclr.py), if a Python with torch is found. */
function runTorch(shape: Shape, options: BenchOptions): TorchResult | { unavailable: string } {
  const script = join(import.meta.dirname, 'torch_simclr.py');
  const pythons = ['python3', '/usr/bin/python3'].filter((p) => p === 'python3' || existsSync(p));
  const threads = Math.max(...options.threads);
  let why = 'no python3 with torch found (Debian: apt-get install python3-torch)';
  for (const python of pythons) {
    if (spawnSync(python, ['-c', 'import torch'], { stdio: 'ignore' }).status !== 0) continue;
    const [h, w, c] = shape;
    // The network a SimCLR run of this shape gets by default, so both sides run the same model.
    const p = resolveRunParams(getMethod('simclr'), {}, specOf(options.modality, shape));
    const model = [`--stem-stride=${p.stemStride}`, `--head-bn=${p.headBatchNorm ? 1 : 0}`, `--projection-dim=${p.projectionDim}`, `--temperature=${p.temperature}`];
    const r = spawnSync(python, [script, `--height=${h}`, `--width=${w}`, `--channels=${c}`, `--batch=${options.batch}`, `--threads=${threads}`, ...model], { encoding: 'utf8' });
    const line = r.stdout.trim().split('\n').at(-1) ?? '';
    try {
      const j = JSON.parse(line) as { train_images_per_sec: number; extract_images_per_sec: number; threads: number; torch: string };
      return {
        shape: shape.join('x'),
        threads: j.threads,
        trainImagesPerSecond: j.train_images_per_sec,
        extractImagesPerSecond: j.extract_images_per_sec,
        version: j.torch,
        load: loadavg()[0]!,
      };
    } catch {
      why = `${python} ${script} failed: ${r.stderr.trim().split('\n').at(-1) ?? `exit ${r.status}`}`;
    }
  }
  return { unavailable: why };
}

/** The run with the median training throughput of a configuration's rounds (its profile: the round that made one). */
function medianRun(runs: BenchResult[]): BenchResult {
  const ok = runs.filter((r) => r.unavailable === undefined);
  if (ok.length === 0) return runs[0]!;
  const sorted = [...ok].sort((a, b) => a.tensorImagesPerSecond - b.tensorImagesPerSecond);
  const mid = sorted[(sorted.length - 1) >> 1]!;
  const profile = ok.find((r) => r.profile !== undefined)?.profile;
  return { ...mid, ...(profile === undefined ? {} : { profile }) };
}

function medianTorch(runs: (TorchResult | { unavailable: string })[]): TorchResult | { unavailable: string } {
  const ok = runs.filter((r): r is TorchResult => !('unavailable' in r));
  if (ok.length === 0) return runs[0] ?? { unavailable: 'not run' };
  return [...ok].sort((a, b) => a.trainImagesPerSecond - b.trainImagesPerSecond)[(ok.length - 1) >> 1]!;
}

function backendLabel(r: BenchResult): string {
  if (r.adapter?.software) return 'webgpu (software)';
  return r.backend === 'wasm' && !r.nativeKernels ? 'wasm (package)' : r.backend;
}

/** What the table counts: images (img/s), or audio clips (clips/s, its columns `wider` characters wider). */
function unitsOf(modality: BenchOptions['modality']): { noun: string; rate: string; wider: number } {
  return modality === 'audio' ? { noun: 'clips', rate: 'clips/s', wider: 2 } : { noun: 'images', rate: 'img/s', wider: 0 };
}

/** A loss as printed; a child's NaN or infinity reaches the parent through JSON as null. */
const lossText = (v: number | null): string => (v === null || !Number.isFinite(v) ? 'not finite' : v.toFixed(3));

function printTable(configs: BenchResult[][], torchByShape: Map<string, (TorchResult | { unavailable: string })[]>, options: BenchOptions): void {
  const results = configs.map(medianRun);
  const { noun, rate, wider } = unitsOf(options.modality);
  const what = `${noun}/s = source ${noun} per second${options.modality === 'audio' ? ' (log-mel spectrograms, [batch, bands, frames, 1])' : ''}`;
  console.log(`\nTraining step: batch ${options.batch} ${noun}, extraction batch ${options.extractBatch}; ${what}; median of ${options.rounds} alternating round(s)`);
  console.log(`(train ${rate}: the whole step, views made on the CPU included; without views: the step bench/torch_simclr.py times, on fixed batches)`);
  console.log(`method       shape      backend           threads  simd  batch  train ${rate}  step ms  views ms  without views ${rate}  CPU busy  extract ${rate}  peak RSS MB  loss first→last`);
  for (const r of results) {
    if (r.unavailable !== undefined) {
      console.log(`${r.method.padEnd(12)} ${r.shape.padEnd(10)} ${backendLabel(r).padEnd(17)} ${'-'.padStart(7)}  unavailable: ${r.unavailable}`);
      continue;
    }
    console.log(
      `${r.method.padEnd(12)} ${r.shape.padEnd(10)} ${backendLabel(r).padEnd(17)} ${String(r.threads).padStart(7)}  ${(r.simd ? 'yes' : 'no').padEnd(4)}  ${String(r.batch).padStart(5)}  ${r.trainImagesPerSecond.toFixed(1).padStart(11 + wider)}  ${r.trainStepMs.toFixed(0).padStart(7)}  ${r.viewsMs.toFixed(0).padStart(8)}  ${r.tensorImagesPerSecond.toFixed(1).padStart(19 + wider)}  ${r.cpuBusy.toFixed(2).padStart(8)}  ${r.extractImagesPerSecond.toFixed(0).padStart(13 + wider)}  ${r.peakRssMb.toFixed(0).padStart(11)}  ${lossText(r.firstLoss)}→${lossText(r.lastLoss)}`,
    );
  }
  for (const r of results.filter((x) => x.adapter !== undefined && x.unavailable === undefined)) {
    console.log(
      r.adapter!.software
        ? `note: webgpu ran on ${r.adapter!.name}, a software adapter: it computes on the CPU, so this is not a GPU's speed (one step of batch ${r.batch})`
        : `note: webgpu ran on the GPU ${r.adapter!.name}`,
    );
  }
  for (const [shape, runs] of torchByShape) {
    const t = medianTorch(runs);
    if ('unavailable' in t) {
      console.log(`\nPyTorch comparison skipped: ${t.unavailable}`);
      continue;
    }
    const ours = results.filter((r) => r.method === 'simclr' && r.shape === shape && r.unavailable === undefined && r.backend !== 'cpu' && r.nativeKernels);
    const best = [...ours].sort((a, b) => b.trainImagesPerSecond - a.trainImagesPerSecond)[0];
    const ratio = best
      ? `Pretext ${best.backend} ${best.threads}t / PyTorch: train ${(best.tensorImagesPerSecond / t.trainImagesPerSecond).toFixed(2)}x without views (${(best.trainImagesPerSecond / t.trainImagesPerSecond).toFixed(2)}x with), extract ${(best.extractImagesPerSecond / t.extractImagesPerSecond).toFixed(2)}x`
      : '';
    console.log(`${'simclr'.padEnd(12)} ${shape.padEnd(10)} ${`pytorch ${t.version}`.padEnd(17)} ${String(t.threads).padStart(7)}        ${String(options.batch).padStart(5)}  ${t.trainImagesPerSecond.toFixed(1).padStart(11 + wider)}${' '.repeat(21 + wider)}${t.extractImagesPerSecond.toFixed(0).padStart(13 + wider)}   ${ratio}`);
  }
  // Each round's pair, run back to back: the ratio under the load of that moment.
  for (const [shape, runs] of torchByShape) {
    const config = configs.find((c) => c[0]?.method === 'simclr' && c[0].shape === shape && c[0].backend === 'wasm' && c[0].nativeKernels && c[0].threads === Math.max(...options.threads));
    if (config === undefined) continue;
    const rows = runs.map((t, i) => {
      const r = config[i];
      if (r === undefined || r.unavailable !== undefined || 'unavailable' in t) return `round ${i + 1}: -`;
      return `round ${i + 1}: ${r.tensorImagesPerSecond.toFixed(0)} / ${t.trainImagesPerSecond.toFixed(0)} ${rate} = ${(r.tensorImagesPerSecond / t.trainImagesPerSecond).toFixed(2)}x (with views ${(r.trainImagesPerSecond / t.trainImagesPerSecond).toFixed(2)}x; load ${r.load.toFixed(1)} / ${t.load.toFixed(1)})`;
    });
    console.log(`\nsimclr ${shape}, wasm ${config[0]!.threads}t without views / PyTorch, per round (1-min load average after each run): ${rows.join('; ')}`);
  }
  for (const r of results) {
    if (r.profile === undefined) continue;
    const sum = (f: (k: KernelTime) => number) => r.profile!.reduce((acc, k) => acc + f(k), 0);
    const total = sum((k) => k.forward + k.backward + k.optimizer);
    console.log(
      `\nper-kernel time of one ${r.method} training step, ${r.shape} ${backendLabel(r)} ${r.threads} thread(s): kernels ${total.toFixed(0)} ms of a ${r.trainStepMs.toFixed(0)} ms step (${r.viewsMs.toFixed(0)} ms of it making views in JS) ` +
        `(forward ${sum((k) => k.forward).toFixed(0)}, backward ${sum((k) => k.backward).toFixed(0)}, optimizer ${sum((k) => k.optimizer).toFixed(0)}; CPU busy ${r.cpuBusy.toFixed(2)} cores)`,
    );
    console.log(`  ${'kernel'.padEnd(28)} ${'forward'.padStart(8)} ${'backward'.padStart(9)} ${'optimizer'.padStart(9)}  ${'calls'.padStart(5)}`);
    for (const k of r.profile.slice(0, 25)) {
      console.log(`  ${k.kernel.padEnd(28)} ${k.forward.toFixed(1).padStart(8)} ${k.backward.toFixed(1).padStart(9)} ${k.optimizer.toFixed(1).padStart(9)}  ${String(k.calls).padStart(5)}`);
    }
  }
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv.includes('--child-text')) {
    try {
      const text = parseTextOptions(argv);
      console.log(`RESULT ${JSON.stringify(await runTextChild(text.encoders[0] ?? 'transformer', text))}`);
    } catch (error) {
      console.log(`UNAVAILABLE ${error instanceof Error ? error.message : String(error)}`);
      process.exitCode = 1;
    }
    return;
  }
  if (argv.includes('--text')) {
    runTextBench(parseTextOptions(argv));
    return;
  }
  const options = parseOptions(argv);
  if (options.child) {
    try {
      console.log(`RESULT ${JSON.stringify(await runOne(options))}`);
    } catch (error) {
      console.log(`UNAVAILABLE ${error instanceof Error ? error.message : String(error)}`);
      process.exitCode = 1;
    }
    return;
  }
  const configs: BenchResult[][] = [];
  const torchByShape = new Map<string, (TorchResult | { unavailable: string })[]>();
  for (const shape of options.shapes) {
    const plan: { method: string; backend: EngineBackendName; threads: number; native: boolean; runs: BenchResult[] }[] = [];
    for (const method of options.methods) {
      for (const backend of options.backends) {
        for (const threads of backend === 'wasm' ? options.threads : [0]) {
          plan.push({ method, backend, threads, native: true, runs: [] });
          if (backend === 'wasm' && options.packageKernels) plan.push({ method, backend, threads, native: false, runs: [] });
        }
      }
    }
    const torchRuns: (TorchResult | { unavailable: string })[] = [];
    const compare = options.torch && options.methods.includes('simclr');
    for (let round = 1; round <= options.rounds; round++) {
      const last = round === options.rounds;
      for (const entry of plan) {
        // An unavailable backend stays so; the cpu backend and a software GPU adapter are too slow to compare and run once.
        if (entry.runs.length > 0 && (entry.runs[0]!.unavailable !== undefined || entry.backend === 'cpu' || entry.runs[0]!.adapter?.software)) continue;
        const result = runChild(entry.method, entry.backend, entry.threads, { ...options, shapes: [shape], profile: options.profile && last }, entry.native);
        entry.runs.push(result);
        const label = `${entry.method} ${shape.join('x')} ${backendLabel(result)} ${entry.threads === 0 ? '' : `${entry.threads} thread(s)`}`;
        console.error(`round ${round}/${options.rounds}: ${label} ${result.unavailable ?? `${result.trainImagesPerSecond.toFixed(1)} train ${unitsOf(options.modality).rate}`} (load ${result.load.toFixed(2)})`);
      }
      if (compare) {
        const t = runTorch(shape, options);
        torchRuns.push(t);
        console.error(`round ${round}/${options.rounds}: simclr ${shape.join('x')} pytorch ${'unavailable' in t ? t.unavailable : `${t.trainImagesPerSecond.toFixed(1)} train ${unitsOf(options.modality).rate} (load ${t.load.toFixed(2)})`}`);
      }
    }
    configs.push(...plan.map((p) => p.runs));
    if (compare) torchByShape.set(shape.join('x'), torchRuns);
  }
  console.log(`load average (1, 5, 15 min) at the end: ${loadavg().map((l) => l.toFixed(2)).join(', ')}`);
  printTable(configs, torchByShape, options);
}

await main();
