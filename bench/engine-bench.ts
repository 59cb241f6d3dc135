/**
 * Compute-engine benchmark: SimCLR training step and embedding extraction, per backend.
 *
 *   node bench/run-ts.mjs bench/engine-bench.ts [--backends=tensorflow-gpu,tensorflow,wasm,cpu]
 *        [--threads=1,2] [--batch=256] [--steps=6] [--extract-batch=512] [--extract-steps=10]
 *        [--cpu-batch=32] [--profile]
 *
 * Each configuration runs in its own child process, so peak RSS is per configuration and every
 * wasm thread count gets a fresh module. Training uses random-noise views (the cost does not
 * depend on the pixels); "images/s" counts source images, i.e. batch / step time, each image
 * contributing two views. Times are medians over the timed steps. The plain-JS cpu backend is
 * ~1000× slower, so it runs one step of a smaller batch (--cpu-batch).
 */
import { spawnSync } from 'node:child_process';
import { type EngineBackendName, initBackend, tf } from '../src-main/core/engine/backend';
import { disposeNtXentCache } from '../src-main/core/engine/losses/nt-xent';
import { BENCH_ENCODER, ProjectionHead, SmallCnn } from '../src-main/core/engine/models/small-cnn';
import { SimclrTrainer } from '../src-main/core/engine/simclr-trainer';

interface BenchOptions {
  backends: EngineBackendName[];
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
  backend: string;
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
    backends: list('backends', 'tensorflow-gpu,tensorflow,wasm,cpu') as EngineBackendName[],
    threads: list('threads', '1,2').map(Number),
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
  const encoder = new SmallCnn(BENCH_ENCODER);
  const head = new ProjectionHead({ inputSize: encoder.embeddingSize, hiddenSize: 128, outputSize: 64 });
  const trainer = new SimclrTrainer(encoder, head, { temperature: 0.5, learningRate: 1e-3 });
  const [h, w, c] = BENCH_ENCODER.inputShape;
  const batch = info.name === 'cpu' ? Math.min(options.batch, options.cpuBatch) : options.batch;
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
    const embedding = encoder.embed(images);
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

  trainer.dispose();
  encoder.dispose();
  head.dispose();
  disposeNtXentCache();
  tf.dispose([view1, view2, images]);
  return {
    backend: info.name,
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

function runChild(backend: EngineBackendName, threads: number, options: BenchOptions): BenchResult {
  const args = [
    ...process.execArgv,
    ...process.argv.slice(1, 2),
    '--child',
    `--backends=${backend}`,
    `--threads=${threads}`,
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
      backend,
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

function printTable(results: BenchResult[], options: BenchOptions): void {
  console.log(`\nSimCLR step: batch ${options.batch} (x2 views) on ${BENCH_ENCODER.inputShape.join('x')}, extraction batch ${options.extractBatch}`);
  console.log('backend           threads  simd  batch  train img/s  step ms  extract img/s  peak RSS MB  loss first→last');
  for (const r of results) {
    if (r.unavailable !== undefined) {
      console.log(`${r.backend.padEnd(17)} ${'-'.padStart(7)}  unavailable: ${r.unavailable}`);
      continue;
    }
    console.log(
      `${r.backend.padEnd(17)} ${String(r.threads).padStart(7)}  ${(r.simd ? 'yes' : 'no').padEnd(4)}  ${String(r.batch).padStart(5)}  ${r.trainImagesPerSecond.toFixed(1).padStart(11)}  ${r.trainStepMs.toFixed(0).padStart(7)}  ${r.extractImagesPerSecond.toFixed(0).padStart(13)}  ${r.peakRssMb.toFixed(0).padStart(11)}  ${r.firstLoss.toFixed(3)}→${r.lastLoss.toFixed(3)}`,
    );
  }
  for (const r of results) {
    if (r.profile === undefined) continue;
    const total = r.profile.reduce((s, k) => s + k.ms, 0);
    console.log(`\nper-kernel time of one training step, ${r.backend} ${r.threads} thread(s) (total ${total.toFixed(0)} ms):`);
    for (const k of r.profile.slice(0, 25)) {
      console.log(`  ${k.kernel.padEnd(28)} ${k.ms.toFixed(1).padStart(8)} ms  ${String(k.calls).padStart(4)} calls`);
    }
  }
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
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
  for (const backend of options.backends) {
    const threadCounts = backend === 'wasm' ? options.threads : [0];
    for (const threads of threadCounts) {
      const result = runChild(backend, threads, options);
      results.push(result);
      console.error(`done: ${backend} ${threads === 0 ? '' : `${threads} thread(s)`} ${result.unavailable ?? `${result.trainImagesPerSecond.toFixed(1)} train img/s`}`);
    }
  }
  printTable(results, options);
}

await main();
