/**
 * Compute-engine benchmark: each trainable image method's training step (SimCLR's by default first)
 * and embedding extraction, per backend, per thread count and per image shape; SimCLR's is compared
 * with the same model and step in PyTorch when `import torch` works (Debian: apt-get install
 * python3-torch).
 *
 *   npm run bench
 *   node bench/run-ts.mjs bench/engine-bench.ts [--methods=simclr,autoencoder,…] [--backends=tensorflow-gpu,tensorflow,wasm,cpu]
 *        [--threads=1,2] [--shapes=28x28x1,64x64x3] [--batch=256] [--steps=6] [--extract-batch=512]
 *        [--extract-steps=10] [--cpu-batch=32] [--profile] [--no-torch]
 *
 * Each configuration runs in its own child process, so peak RSS is per configuration and every
 * wasm thread count gets a fresh module. Training uses noise images (the cost does not depend on
 * the pixels); "images/s" counts source images, i.e. batch / step time, whatever the number of
 * views a method makes of each. Times are medians over the timed steps. The plain-JS cpu backend is
 * ~1000× slower, so it runs one step of a smaller batch (--cpu-batch).
 *
 * Text encoders (bench/text-engine-bench.ts): training and extraction tokens/s of the Transformer
 * and the convolutional text encoder, beside PyTorch running the same Transformer and step
 * (bench/torch_text.py), alternating, median of --rounds, with the load average of each run:
 *
 *   npm run bench -- --text [--text-encoders=transformer,text-conv] [--backends=wasm] [--threads=2]
 *        [--text-batch=64] [--text-length=64] [--text-vocab=8000] [--text-layers=4] [--text-width=128]
 *        [--text-heads=4] [--text-activation=relu|gelu] [--text-steps=3] [--rounds=3] [--profile] [--no-torch]
 */
import { spawnSync } from 'node:child_process';
import { type EngineBackendName, initBackend, tf } from '../src-main/core/engine/backend';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { getMethod, METHODS } from '../src-main/core/ssl/methods';
import { disposeNtXentCache } from '../src-main/core/ssl/losses/nt-xent';
import type { ImageInputSpec } from '../src-main/contract';
import type { ImageData } from '../src-main/core/data/image';
import { Rng } from '../src-main/core/ssl/random';
import { resolveRunParams } from '../src-main/core/training/params';
import { parseTextOptions, runTextBench, runTextChild } from './text-engine-bench';

type Shape = [number, number, number];

interface BenchOptions {
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
}

interface BenchResult {
  method: string;
  backend: string;
  shape: string;
  threads: number;
  /** Training batch actually used (the cpu backend runs a smaller one). */
  batch: number;
  simd: boolean;
  trainImagesPerSecond: number;
  trainStepMs: number;
  extractImagesPerSecond: number;
  peakRssMb: number;
  firstLoss: number;
  lastLoss: number;
  profile?: { kernel: string; ms: number; calls: number }[];
  unavailable?: string;
}

function parseOptions(argv: string[]): BenchOptions & { child: boolean } {
  const get = (name: string) => argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
  const list = (name: string, fallback: string) => (get(name) ?? fallback).split(',').filter((s) => s.length > 0);
  return {
    child: argv.includes('--child'),
    methods: list('methods', METHODS.filter((m) => m.trains && m.modalities.includes('image')).map((m) => m.id).join(',')),
    backends: list('backends', 'tensorflow-gpu,tensorflow,wasm,cpu') as EngineBackendName[],
    threads: list('threads', '1,2').map(Number),
    shapes: list('shapes', '28x28x1,64x64x3').map((t) => t.split('x').map(Number) as Shape),
    torch: !argv.includes('--no-torch'),
    batch: Number(get('batch') ?? 256),
    steps: Number(get('steps') ?? 6),
    extractBatch: Number(get('extract-batch') ?? 512),
    extractSteps: Number(get('extract-steps') ?? 10),
    cpuBatch: Number(get('cpu-batch') ?? 32),
    profile: argv.includes('--profile'),
  };
}

/** Runs in the child: one backend, one thread count. */
async function runOne(options: BenchOptions): Promise<BenchResult> {
  const backend = options.backends[0] ?? 'wasm';
  const threads = options.threads[0] ?? 1;
  const info = await initBackend(backend, { threads });
  const [h, w, c] = options.shapes[0]!;
  const batch = info.name === 'cpu' ? Math.min(options.batch, options.cpuBatch) : options.batch;
  // The exact method and step the training loop runs (views, masks or noise made on the CPU, the
  // encoder chosen from the image size, heads, loss, AdamW), with the defaults a run of this shape gets.
  const spec: ImageInputSpec = { modality: 'image', size: h, channels: c as 1 | 3, scale: '0-1' };
  const definition = getMethod(options.methods[0] ?? 'simclr');
  const method = definition.create({ spec, params: resolveRunParams(definition, { batchSize: batch }, spec), seed: 1 });
  const pixels = new Uint8Array(batch * h * w * c);
  for (let i = 0; i < pixels.length; i++) pixels[i] = (i * 2654435761) >>> 24;
  const data: ImageData = { modality: 'image', spec, itemIds: [], labels: [], failures: [], size: h, channels: c as 1 | 3, pixels };
  const indices = Int32Array.from({ length: batch }, (_, i) => i);
  const rng = new Rng(1);
  let step = 0;
  const trainer = {
    step: (_v1: tf.Tensor4D, _v2: tf.Tensor4D): number =>
      method.trainStep(data, indices, { step: ++step, totalSteps: 1000, epoch: 1, epochs: 1, learningRate: 1e-3, rng }).total,
  };
  const extractBatch = info.name === 'cpu' ? Math.min(options.extractBatch, options.cpuBatch) : options.extractBatch;
  const view1 = tf.randomUniform([batch, h, w, c], 0, 1, 'float32', 7) as tf.Tensor4D;
  const view2 = tf.randomUniform([batch, h, w, c], 0, 1, 'float32', 8) as tf.Tensor4D;

  // cpu is ~1000× slower: time fewer steps there so the bench finishes.
  const steps = info.name === 'cpu' ? Math.min(1, options.steps) : options.steps;
  const firstLoss = trainer.step(view1, view2); // warm-up: wasm tier-up, heap growth, XNNPACK setup
  if (info.name !== 'cpu') trainer.step(view1, view2);
  let lastLoss = firstLoss;
  const stepTimes: number[] = [];
  for (let i = 0; i < steps; i++) {
    const t0 = performance.now();
    lastLoss = trainer.step(view1, view2);
    stepTimes.push(performance.now() - t0);
  }
  // The median resists the occasional stall when other processes share the cores.
  const trainStepMs = median(stepTimes);

  let profile: BenchResult['profile'];
  if (options.profile) profile = await profileStep(() => trainer.step(view1, view2));

  const images = tf.randomUniform([extractBatch, h, w, c], 0, 1, 'float32', 9) as tf.Tensor4D;
  const extract = () => {
    const embedding = method.embed(images);
    embedding.dataSync();
    embedding.dispose();
  };
  extract();
  if (info.name !== 'cpu') extract();
  const extractSteps = info.name === 'cpu' ? Math.min(1, options.extractSteps) : options.extractSteps;
  const extractTimes: number[] = [];
  for (let i = 0; i < extractSteps; i++) {
    const t0 = performance.now();
    extract();
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
    extractImagesPerSecond: (extractBatch * 1000) / extractMs,
    peakRssMb: (process.resourceUsage().maxRSS * 1024) / 2 ** 20,
    firstLoss,
    lastLoss,
    ...(profile === undefined ? {} : { profile }),
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Per-kernel wall time of one call of `f`, biggest first. */
async function profileStep(f: () => void): Promise<NonNullable<BenchResult['profile']>> {
  const info = await tf.profile(f);
  const byKernel = new Map<string, { ms: number; calls: number }>();
  for (const k of info.kernels) {
    const entry = byKernel.get(k.name) ?? { ms: 0, calls: 0 };
    entry.ms += typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
    entry.calls += 1;
    byKernel.set(k.name, entry);
  }
  return [...byKernel.entries()].map(([kernel, v]) => ({ kernel, ...v })).sort((a, b) => b.ms - a.ms);
}

function runChild(method: string, backend: EngineBackendName, threads: number, options: BenchOptions): BenchResult {
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
    ...(options.profile ? ['--profile'] : []),
  ];
  // A .ts entry run through bench/run-ts.mjs is re-run through the same launcher.
  const launcher = process.env.PRETEXT_TS_RUNNER;
  const child = spawnSync(process.execPath, launcher === undefined ? args : [launcher, ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 64 * 2 ** 20,
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
      extractImagesPerSecond: 0,
      peakRssMb: 0,
      firstLoss: 0,
      lastLoss: 0,
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
}

/** The same encoder, head, loss and step in PyTorch (bench/torch_simclr.py), if a Python with torch is found. */
function runTorch(shape: Shape, options: BenchOptions): TorchResult | { unavailable: string } {
  const script = join(import.meta.dirname, 'torch_simclr.py');
  const pythons = ['python3', '/usr/bin/python3'].filter((p) => p === 'python3' || existsSync(p));
  const threads = Math.max(...options.threads);
  let why = 'no python3 with torch found (Debian: apt-get install python3-torch)';
  for (const python of pythons) {
    if (spawnSync(python, ['-c', 'import torch'], { stdio: 'ignore' }).status !== 0) continue;
    const [h, , c] = shape;
    // The network a SimCLR run of this shape gets by default, so both sides run the same model.
    const spec: ImageInputSpec = { modality: 'image', size: h, channels: c as 1 | 3, scale: '0-1' };
    const p = resolveRunParams(getMethod('simclr'), {}, spec);
    const model = [`--stem-stride=${p.stemStride}`, `--head-bn=${p.headBatchNorm ? 1 : 0}`, `--projection-dim=${p.projectionDim}`, `--temperature=${p.temperature}`];
    const r = spawnSync(python, [script, `--size=${h}`, `--channels=${c}`, `--batch=${options.batch}`, `--threads=${threads}`, ...model], { encoding: 'utf8' });
    const line = r.stdout.trim().split('\n').at(-1) ?? '';
    try {
      const j = JSON.parse(line) as { train_images_per_sec: number; extract_images_per_sec: number; threads: number; torch: string };
      return { shape: shape.join('x'), threads: j.threads, trainImagesPerSecond: j.train_images_per_sec, extractImagesPerSecond: j.extract_images_per_sec, version: j.torch };
    } catch {
      why = `${python} ${script} failed: ${r.stderr.trim().split('\n').at(-1) ?? `exit ${r.status}`}`;
    }
  }
  return { unavailable: why };
}

function printTable(results: BenchResult[], torch: (TorchResult | { unavailable: string })[], options: BenchOptions): void {
  console.log(`\nTraining step: batch ${options.batch} images, extraction batch ${options.extractBatch}; images/s = source images per second`);
  console.log('method       shape      backend           threads  simd  batch  train img/s  step ms  extract img/s  peak RSS MB  loss first→last');
  for (const r of results) {
    if (r.unavailable !== undefined) {
      console.log(`${r.method.padEnd(12)} ${r.shape.padEnd(10)} ${r.backend.padEnd(17)} ${'-'.padStart(7)}  unavailable: ${r.unavailable}`);
      continue;
    }
    console.log(
      `${r.method.padEnd(12)} ${r.shape.padEnd(10)} ${r.backend.padEnd(17)} ${String(r.threads).padStart(7)}  ${(r.simd ? 'yes' : 'no').padEnd(4)}  ${String(r.batch).padStart(5)}  ${r.trainImagesPerSecond.toFixed(1).padStart(11)}  ${r.trainStepMs.toFixed(0).padStart(7)}  ${r.extractImagesPerSecond.toFixed(0).padStart(13)}  ${r.peakRssMb.toFixed(0).padStart(11)}  ${r.firstLoss.toFixed(3)}→${r.lastLoss.toFixed(3)}`,
    );
  }
  for (const t of torch) {
    if ('unavailable' in t) {
      console.log(`\nPyTorch comparison skipped: ${t.unavailable}`);
      continue;
    }
    const ours = results.filter((r) => r.method === 'simclr' && r.shape === t.shape && r.unavailable === undefined && r.backend !== 'cpu');
    const best = ours.sort((a, b) => b.trainImagesPerSecond - a.trainImagesPerSecond)[0];
    const ratio = best ? `Pretext ${best.backend} ${best.threads}t / PyTorch: train ${(best.trainImagesPerSecond / t.trainImagesPerSecond).toFixed(2)}x, extract ${(best.extractImagesPerSecond / t.extractImagesPerSecond).toFixed(2)}x` : '';
    console.log(`${'simclr'.padEnd(12)} ${t.shape.padEnd(10)} ${`pytorch ${t.version}`.padEnd(17)} ${String(t.threads).padStart(7)}        ${String(options.batch).padStart(5)}  ${t.trainImagesPerSecond.toFixed(1).padStart(11)}           ${t.extractImagesPerSecond.toFixed(0).padStart(13)}   ${ratio}`);
  }
  for (const r of results) {
    if (r.profile === undefined) continue;
    const total = r.profile.reduce((s, k) => s + k.ms, 0);
    console.log(`\nper-kernel time of one ${r.method} training step, ${r.shape} ${r.backend} ${r.threads} thread(s) (total ${total.toFixed(0)} ms):`);
    for (const k of r.profile.slice(0, 25)) {
      console.log(`  ${k.kernel.padEnd(28)} ${k.ms.toFixed(1).padStart(8)} ms  ${String(k.calls).padStart(4)} calls`);
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
  const results: BenchResult[] = [];
  const torch: (TorchResult | { unavailable: string })[] = [];
  for (const shape of options.shapes) {
    for (const method of options.methods) {
      for (const backend of options.backends) {
        const threadCounts = backend === 'wasm' ? options.threads : [0];
        for (const threads of threadCounts) {
          const result = runChild(method, backend, threads, { ...options, shapes: [shape] });
          results.push(result);
          console.error(`done: ${method} ${shape.join('x')} ${backend} ${threads === 0 ? '' : `${threads} thread(s)`} ${result.unavailable ?? `${result.trainImagesPerSecond.toFixed(1)} train img/s`}`);
        }
      }
    }
    if (options.torch && options.methods.includes('simclr')) torch.push(runTorch(shape, options));
  }
  printTable(results, torch, options);
}

await main();
