/**
 * Quality benchmark: does self-supervision beat the baselines on real labelled data?
 *
 * Images (`--modality image`, the default): Fashion-MNIST (Debian's dataset-fashion-mnist) as class
 * folders, a stratified 10,000 training and 2,000 held-out images (`--train N --test N`). Text
 * (`--modality text`): Debian's fortunes, the category of each quote its label, as a train and a
 * held-out CSV (bench/quality/fortunes.ts: 39 categories, about 9,200 + 2,300 quotes). Audio
 * (`--modality audio`): the 20 Speech Commands words said by espeak-ng speakers (a voice, variant,
 * pitch, speed and amplitude each), word folders of WAVs, whole speakers held out
 * (bench/quality/espeak-words.ts: 40 speakers, 32 train and 8 held out, `--speakers N`).
 * Every registered method of the modality trains on the training
 * folder through the app's own path (a core, its training worker, the method's defaults) for a fixed
 * wall-clock budget (`--minutes`, default 10; labels are never used to train). Then both folders are
 * embedded with the frozen encoder, and a cosine kNN (k=20, weighted votes) and a logistic-regression
 * probe, both fitted on the training folder's embeddings, are scored on the held-out one. Rows for
 * the baseline (raw pixels, TF-IDF, MFCC) and for each trained method's own network with its random initial weights (no training;
 * methods whose untrained networks embed identically share one row) show what training added, and a
 * line per method says whether it beat its random encoder on the linear probe.
 *
 *   npm run bench:quality [-- --minutes 10 --train 10000 --test 2000 --methods simclr,raw-pixels]
 *   npm run bench:quality -- --modality text [--minutes 10 --methods tfidf]
 *   npm run bench:quality -- --modality audio [--minutes 10 --speakers 40 --methods mfcc]
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EvaluationPoint, InputSpec, Modality, ParamValues } from '../src-main/contract';
import { createCore } from '../src-main/core/app';
import { dataFor } from '../src-main/core/data';
import { inputSize } from '../src-main/core/data/types';
import { initBackend, tf } from '../src-main/core/engine/backend';
import { alignment, evaluateEmbeddings } from '../src-main/core/evaluation';
import { createMethod, getMethod, METHODS, type SslMethod, type TrainableMethod } from '../src-main/core/ssl/methods';
import { fitWhitening, whitenedCopy, WhitenedMethod } from '../src-main/core/ssl/whitening';
import { Rng } from '../src-main/core/ssl/random';
import { storageLayout } from '../src-main/core/paths';
import type { Db } from '../src-main/core/storage/db';
import { loadCheckpoint } from '../src-main/core/training/checkpoint';
import { embedItems } from '../src-main/core/training/extract';
import { paramsOf, resolveRunParams } from '../src-main/core/training/params';
import { parseParamAssignments } from '../src-main/core/params';
import { espeakWordsFolders } from './quality/espeak-words';
import { fashionMnistFolders } from './quality/fashion-mnist';
import { fortunesFolders } from './quality/fortunes';

/** The modalities this benchmark has labelled data for. */
const BENCH_MODALITIES = ['image', 'text', 'audio'] as const satisfies readonly Modality[];
type BenchModality = (typeof BENCH_MODALITIES)[number];

interface Options {
  /** 'image' (Fashion-MNIST, the default), 'text' (Debian's fortunes) or 'audio' (espeak-ng words). */
  modality: BenchModality;
  /** Fashion-MNIST images sampled for training and held out (image only). */
  train: number;
  test: number;
  /** espeak-ng speakers, each saying every word; a fifth held out (audio only). */
  speakers: number;
  minutes: number;
  methods: string[];
  seed: number;
  dir: string;
  /** Extra parameters, `name=value,…` (for studies; the table uses the defaults): every one for the trained methods, a baseline's own for a baseline. */
  params: string[];
  /** Train a fixed number of epochs instead of the time budget (0 = use --minutes). */
  epochs: number;
  /** For studies: a folder to write each trained method's train and held-out embeddings to (float32 rows, labels as JSON). */
  saveEmbeddings: string | null;
}

function parseOptions(argv: string[]): Options {
  const get = (name: string): string | undefined => {
    const at = argv.indexOf(`--${name}`);
    if (at >= 0) return argv[at + 1];
    return argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  };
  const modality = (get('modality') ?? 'image') as BenchModality;
  if (!BENCH_MODALITIES.includes(modality)) throw new Error(`--modality must be one of ${BENCH_MODALITIES.join(', ')}, got '${modality}'`);
  const modalityMethods = METHODS.filter((m) => m.modalities.includes(modality)).map((m) => m.id);
  return {
    modality,
    train: Number(get('train') ?? 10_000),
    test: Number(get('test') ?? 2_000),
    speakers: Number(get('speakers') ?? 40),
    minutes: Number(get('minutes') ?? 10),
    methods: (get('methods') ?? modalityMethods.join(',')).split(',').filter(Boolean),
    seed: Number(get('seed') ?? 1),
    dir: get('dir') ?? join(tmpdir(), 'pretext-quality'),
    params: (get('params') ?? '').split(',').filter(Boolean),
    epochs: Number(get('epochs') ?? 0),
    saveEmbeddings: get('save-embeddings') ?? null,
  };
}

interface Row {
  method: string;
  /** A trained method's untrained network (its row among the random-encoder rows). */
  random?: RandomEncoder;
  epochs: number | null;
  minutes: number | null;
  examplesPerSec: number | null;
  knn: number | null;
  linear: number | null;
  alignment: number | null;
  uniformity: number | null;
  effectiveRank: number | null;
  dim: number;
}

/** A random-encoder row: the untrained network of one or more methods (identical networks embed identically). */
interface RandomEncoder {
  /** Embeddings of the first training images: two methods with the same untrained network give the same. */
  probe: Float32Array;
  methods: string[];
  row: Row;
}

/** Training images embedded to tell untrained networks apart. */
const PROBE_ITEMS = 64;

/** Embeds every item of a dataset with a built method, through the app's own extraction path. */
async function embedDataset(db: Db, datasetId: number, spec: InputSpec, method: TrainableMethod, cacheDir: string) {
  const module = dataFor(spec.modality);
  const data = await module.load(db, datasetId, spec, { cacheDir });
  return { data, embeddings: await embedItems(method, module, data, null) };
}

/** Writes `<id>.{train,test}.f32` (rows of `dim` float32) and `<id>.json` (dim and labels) for studies outside the app. */
function saveEmbeddings(dir: string, id: string, dim: number, train: { embeddings: Float32Array; data: { labels: (string | null)[] } }, test: { embeddings: Float32Array; data: { labels: (string | null)[] } }): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${id}.train.f32`), Buffer.from(train.embeddings.buffer, train.embeddings.byteOffset, train.embeddings.byteLength));
  writeFileSync(join(dir, `${id}.test.f32`), Buffer.from(test.embeddings.buffer, test.embeddings.byteOffset, test.embeddings.byteLength));
  writeFileSync(join(dir, `${id}.json`), JSON.stringify({ dim, trainLabels: train.data.labels, testLabels: test.data.labels }));
}

/**
 * kNN and linear probe fitted on the training folder's embeddings, scored on the held-out folder's;
 * with `neighbours` (a run's whitened vectors) kNN scores those, and the linear probe and the label-free
 * diagnostics describe `train` and `test` (the encoder's own embeddings), as the training loop's
 * evaluation does.
 */
function score(
  train: { embeddings: Float32Array; labels: (string | null)[] },
  test: { embeddings: Float32Array; labels: (string | null)[] },
  dim: number,
  seed: number,
  neighbours?: { train: Float32Array; test: Float32Array },
) {
  const nTrain = train.labels.length;
  const nTest = test.labels.length;
  const joined = (a: Float32Array, b: Float32Array): Float32Array => {
    const all = new Float32Array((nTrain + nTest) * dim);
    all.set(a, 0);
    all.set(b, nTrain * dim);
    return all;
  };
  return evaluateEmbeddings(joined(train.embeddings, test.embeddings), dim, {
    knnEmbeddings: neighbours ? joined(neighbours.train, neighbours.test) : null,
    labels: [...train.labels, ...test.labels],
    split: { train: Int32Array.from({ length: nTrain }, (_, i) => i), test: Int32Array.from({ length: nTest }, (_, i) => nTrain + i) },
    seed,
  });
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const root = join(import.meta.dirname, '..');
  const workerDir = join(root, 'out', 'main');
  if (!existsSync(join(workerDir, 'train-worker.js'))) throw new Error('Run `npm run build` first: the benchmark trains in the app’s own worker');
  mkdirSync(options.dir, { recursive: true });
  const load = (): string => loadavg().map((l) => l.toFixed(2)).join(' ');
  const length = options.epochs > 0 ? `${options.epochs} epochs` : `${options.minutes} min`;
  const settings = `${length} per method${options.params.length ? ` (${options.params.join(', ')})` : ''}, ${cpus().length} cores, load ${load()}`;
  for (const id of options.methods) {
    if (!getMethod(id).modalities.includes(options.modality)) throw new Error(`${id} does not train on ${options.modality}`);
  }
  let folders: { trainDir: string; testDir: string };
  let source: string;
  if (options.modality === 'text') {
    const fortunes = fortunesFolders({ root: join(options.dir, 'fortunes'), seed: options.seed });
    const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);
    folders = fortunes;
    source = `fortunes ${sum(fortunes.counts.train)} train / ${sum(fortunes.counts.test)} held out, ${fortunes.classes.length} categories`;
  } else if (options.modality === 'audio') {
    const words = await espeakWordsFolders({ root: join(options.dir, 'espeak-words'), speakers: options.speakers, seed: options.seed });
    const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);
    folders = words;
    source = `espeak-ng words ${sum(words.counts.train)} train / ${sum(words.counts.test)} held out (${words.speakers.length - words.testSpeakers.length} + ${words.testSpeakers.length} speakers), ${words.classes.length} words`;
  } else {
    folders = await fashionMnistFolders({ root: join(options.dir, 'fashion-mnist'), train: options.train, test: options.test, seed: options.seed });
    source = `Fashion-MNIST ${options.train} train / ${options.test} held out`;
  }
  console.log(`Quality benchmark: ${source}, ${settings}`);

  const dbPath = join(options.dir, `quality-${Date.now()}.db`);
  const core = createCore({ dbPath, shell: 'cli', workerDir });
  const layout = storageLayout(dbPath);
  await initBackend('wasm');
  const rows: Row[] = [];
  const randoms: RandomEncoder[] = [];
  try {
    const name = { image: 'fashion-mnist', text: 'fortunes', audio: 'espeak-words' }[options.modality];
    const trainSet = await core.handlers['datasets.import']({ path: folders.trainDir, name: `${name} train` });
    const testSet = await core.handlers['datasets.import']({ path: folders.testDir, name: `${name} test` });
    console.log(`imported ${trainSet.dataset.total} + ${testSet.dataset.total} ${{ image: 'images', text: 'texts', audio: 'clips' }[options.modality]}`);
    /** The input spec of the last completed run: for text, the tokenizer the app trained on the training set; for audio, the clips' duration and log-mel statistics. */
    let lastSpec: InputSpec | null = null;

    /**
     * The method's own network with its initial weights (no step taken), embedded and scored like
     * a trained one: what training added over the architecture alone. Reused when another method's
     * untrained network embeds the probe images identically (the same encoder, seed and settings).
     */
    const randomEncoder = async (definition: SslMethod, spec: InputSpec, params: ParamValues): Promise<RandomEncoder> => {
      const random = createMethod(definition, { spec, params, seed: options.seed });
      try {
        const module = dataFor(spec.modality);
        const trainData = await module.load(core.db, trainSet.datasetId, spec, { cacheDir: layout.cacheDir });
        const unwhitened = random instanceof WhitenedMethod ? random.inner : random;
        const probe = await embedItems(unwhitened, module, trainData, Int32Array.from({ length: Math.min(PROBE_ITEMS, trainData.itemIds.length) }, (_, i) => i));
        const same = randoms.find((r) => r.probe.length === probe.length && r.probe.every((v, i) => v === probe[i]));
        if (same) {
          same.methods.push(definition.name);
          same.row.method = randomLabel(same.methods, random instanceof WhitenedMethod);
          return same;
        }
        const train = { data: trainData, embeddings: await embedItems(unwhitened, module, trainData, null) };
        const test = await embedDataset(core.db, testSet.datasetId, spec, unwhitened, layout.cacheDir);
        // Whitened as a trained run of the method is: fitted on the training folder's embeddings.
        const whitening = random instanceof WhitenedMethod ? fitWhitening(train.embeddings, train.data.itemIds.length, random.embeddingDim) : null;
        const neighbours = whitening ? { train: whitenedCopy(whitening, train.embeddings, train.data.itemIds.length), test: whitenedCopy(whitening, test.embeddings, test.data.itemIds.length) } : undefined;
        const result = score({ embeddings: train.embeddings, labels: train.data.labels }, { embeddings: test.embeddings, labels: test.data.labels }, random.embeddingDim, options.seed, neighbours);
        const pairCount = Math.min(512, train.data.itemIds.length); // at most 512: the espeak-ng words have 640 training clips, fewer with --speakers
        const pairs = Int32Array.from({ length: pairCount }, (_, i) => i);
        const v1 = new Float32Array(pairCount * inputSize(module, spec));
        const v2 = new Float32Array(pairCount * inputSize(module, spec));
        module.viewPair(train.data, pairs, v1, v2, new Rng(7));
        const z = (v: Float32Array) => tf.tidy(() => unwhitened.embed(tf.tensor(v, [pairCount, ...module.inputShape(spec)])).dataSync() as Float32Array);
        const row: Row = {
          method: randomLabel([definition.name], random instanceof WhitenedMethod),
          epochs: 0,
          minutes: null,
          examplesPerSec: null,
          knn: result.knn,
          linear: result.linear,
          alignment: alignment(z(v1), z(v2), pairCount, random.embeddingDim),
          uniformity: result.uniformity,
          effectiveRank: result.effectiveRank,
          dim: random.embeddingDim,
        };
        const made: RandomEncoder = { probe, methods: [definition.name], row };
        randoms.push(made);
        console.log(formatRow(row));
        return made;
      } finally {
        random.dispose();
      }
    };

    for (const id of options.methods) {
      const definition = getMethod(id);
      const length: ParamValues = options.epochs > 0 ? { epochs: options.epochs } : { minutes: options.minutes };
      const params: ParamValues = definition.trains
        ? { ...length, evalFraction: 0, seed: options.seed, ...parseParamAssignments(paramsOf(definition), options.params) }
        : { seed: options.seed, evalFraction: 0, ...parseParamAssignments(paramsOf(definition), options.params.filter((a) => paramsOf(definition).some((p) => p.name === a.split('=')[0]))) };
      const started = performance.now();
      const run = await core.handlers['runs.start']({ datasetId: trainSet.datasetId, settings: { method: id, params } });
      let lastEpoch = 0;
      const off = core.events.on('training.progress', (p) => {
        if (p.runId !== run.id) return;
        if (p.phase === 'training' && p.epoch !== lastEpoch) {
          lastEpoch = p.epoch;
          process.stderr.write(`  ${id}: epoch ${p.epoch}/${p.epochs}, loss ${p.loss?.toFixed(3)}, ${p.examplesPerSec?.toFixed(0)} ex/s, ${((performance.now() - started) / 60000).toFixed(1)} min\n`);
        }
        for (const e of p.evaluations) process.stderr.write(`  ${id}: ${e.final ? 'final' : `epoch ${e.epoch}`} rank ${e.effectiveRank?.toFixed(1)} uniformity ${e.uniformity?.toFixed(2)}\n`);
      });
      await core.trainingDone(run.id);
      off();
      const done = await core.handlers['runs.get']({ runId: run.id });
      if (done.status !== 'completed') throw new Error(`${id} ended ${done.status}: ${done.error}`);
      const spec = done.inputSpec!;
      lastSpec = spec;
      const checkpoint = core.runs.latestCheckpoint(run.id)!;
      const method = createMethod(definition, { spec, params: done.params, seed: options.seed });
      loadCheckpoint(layout.resolveStored(checkpoint.path), method.stateVariables());
      // The encoder's own embeddings, for the diagnostics; a whitened run's vectors, for kNN.
      const unwhitened = method instanceof WhitenedMethod ? method.inner : method;
      const train = await embedDataset(core.db, trainSet.datasetId, spec, unwhitened, layout.cacheDir);
      const test = await embedDataset(core.db, testSet.datasetId, spec, unwhitened, layout.cacheDir);
      const whitenedRun = method instanceof WhitenedMethod;
      const neighbours = whitenedRun
        ? { train: (await embedDataset(core.db, trainSet.datasetId, spec, method, layout.cacheDir)).embeddings, test: (await embedDataset(core.db, testSet.datasetId, spec, method, layout.cacheDir)).embeddings }
        : undefined;
      const result = score({ embeddings: train.embeddings, labels: train.data.labels }, { embeddings: test.embeddings, labels: test.data.labels }, method.embeddingDim, options.seed, neighbours);
      if (options.saveEmbeddings) {
        saveEmbeddings(options.saveEmbeddings, id, method.embeddingDim, train, test);
        if (neighbours) saveEmbeddings(options.saveEmbeddings, `${id}-whitened`, method.embeddingDim, { ...train, embeddings: neighbours.train }, { ...test, embeddings: neighbours.test });
      }
      const metrics = await core.handlers['runs.metrics']({ runId: run.id });
      const speeds = metrics.map((m) => m.examplesPerSec).sort((a, b) => a - b);
      const final: EvaluationPoint | null = done.evaluation;
      const minutes = (performance.now() - started) / 60000;
      rows.push({
        method: definition.name,
        ...(definition.trains ? { random: await randomEncoder(definition, spec, done.params) } : {}),
        epochs: definition.trains ? done.epochsDone : null,
        minutes,
        examplesPerSec: speeds.length > 0 ? speeds[speeds.length >> 1]! : null,
        knn: result.knn,
        linear: result.linear,
        alignment: final?.alignment ?? null,
        uniformity: result.uniformity,
        effectiveRank: result.effectiveRank,
        dim: method.embeddingDim,
      });
      method.dispose();
      console.log(formatRow(rows.at(-1)!));
      if (!definition.trains) {
        // How much of a trained run's neighbourhoods whitening alone would give the baseline.
        const nTrain = train.data.labels.length;
        const nTest = test.data.labels.length;
        const whitening = fitWhitening(train.embeddings, nTrain, method.embeddingDim);
        const neighbours = { train: whitenedCopy(whitening, train.embeddings, nTrain), test: whitenedCopy(whitening, test.embeddings, nTest) };
        const whitened = score({ embeddings: train.embeddings, labels: train.data.labels }, { embeddings: test.embeddings, labels: test.data.labels }, method.embeddingDim, options.seed, neighbours);
        rows.push({ ...rows.at(-1)!, method: `${definition.name}, whitened`, knn: whitened.knn });
        console.log(formatRow(rows.at(-1)!));
      }
    }

    // Only baselines ran: SimCLR's untrained network with its defaults is the reference for images;
    // for text and audio, the first registered method's of the modality, on the spec the baseline's
    // run stored (the tokenizer it trained, the clips' duration and log-mel statistics).
    if (randoms.length === 0) {
      if (options.modality === 'image') {
        const simclr = getMethod('simclr');
        const spec = dataFor('image').resolveSpec([], {});
        await randomEncoder(simclr, spec, resolveRunParams(simclr, {}, spec));
      } else {
        const reference = METHODS.find((m) => m.trains && m.modalities.includes(options.modality));
        if (!reference) console.log(`(no trained ${options.modality} method is registered: no random-encoder row)`);
        else if (lastSpec) await randomEncoder(reference, lastSpec, resolveRunParams(reference, {}, lastSpec));
      }
    }
  } finally {
    await core.close();
  }
  console.log(`\n| method | epochs | minutes | examples/s | kNN | linear probe | alignment | uniformity | effective rank |\n| --- | --- | --- | --- | --- | --- | --- | --- | --- |`);
  for (const r of [...rows, ...randoms.map((x) => x.row)]) console.log(formatRow(r));
  console.log('\nLinear probe against the same network with random weights:');
  for (const r of rows) {
    if (!r.random || r.linear === null || r.random.row.linear === null) continue;
    const gain = r.linear - r.random.row.linear;
    console.log(`  ${r.method}: ${r.linear.toFixed(3)} vs ${r.random.row.linear.toFixed(3)} untrained (${gain >= 0 ? '+' : '−'}${Math.abs(gain).toFixed(3)})${gain > 0 ? '' : '  DOES NOT BEAT ITS RANDOM ENCODER'}`);
  }
  console.log(`\nload average at the end: ${load()}`);
}

/** "Random encoder (SimCLR’s, untrained)", or the methods that share the untrained network. */
function randomLabel(methods: readonly string[], whitened: boolean): string {
  return `Random encoder (${methods.map((m) => `${m}’s`).join(' = ')}, untrained${whitened ? ', whitened' : ''})`;
}

function formatRow(r: Row): string {
  const f = (x: number | null, d: number): string => (x === null ? '–' : x.toFixed(d));
  return `| ${r.method} | ${r.epochs ?? '–'} | ${f(r.minutes, 1)} | ${f(r.examplesPerSec, 0)} | ${f(r.knn, 3)} | ${f(r.linear, 3)} | ${f(r.alignment, 2)} | ${f(r.uniformity, 2)} | ${f(r.effectiveRank, 1)} of ${r.dim} |`;
}

await main();
