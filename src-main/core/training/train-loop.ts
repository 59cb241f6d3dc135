/**
 * The training loop: straight-line code over one flat config (nanoGPT's train.py style). Methods
 * and modalities plug in through their registries; adding one never edits this file.
 *
 *   resolve input spec and params → load data → build method → (restore checkpoint) → evaluate the
 *   random encoder → for each epoch: shuffle, for each batch: one method step, log → checkpoint,
 *   evaluate → extract embeddings → store vectors → final evaluation
 */
import { mkdirSync, rmSync } from 'node:fs';
import type { EvaluationPoint, InputSpec, MetricPoint, Modality, TrainingPhase, TrainingProgress } from '../../contract';
import { dataFor } from '../data';
import { inputSize, type LoadedData, type ModalityData } from '../data/types';
import { initBackend, tf, type BackendInfo, type EngineBackendName } from '../engine/backend';
import { batchSizeWithin, bufferSizesSinceReset, describeAdapter, formatBytes, resetLargestBuffer } from '../engine/webgpu';
import type { StorageLayout } from '../paths';
import { createMethod, getMethod, type TrainableMethod } from '../ssl/methods';
import { settleLoss } from '../ssl/optim/minimise';
import { Rng } from '../ssl/random';
import { fitWhitening, gatherRows, whitenedCopy, WhitenedMethod, whiteningSample } from '../ssl/whitening';
import type { Db } from '../storage/db';
import { DatasetsRepository } from '../storage/repositories/datasets';
import { ItemsRepository } from '../storage/repositories/items';
import { RunsRepository } from '../storage/repositories/runs';
import { VectorsRepository } from '../storage/repositories/vectors';
import { VERSION } from '../version';
import { loadCheckpoint, saveCheckpointAsync } from './checkpoint';
import { learningRateAt, loopParams } from './config';
import { evaluatesAfter, Evaluator } from './evaluate';
import { EXTRACT_BATCH, embedInputs, embedItems } from './extract';
import { resolveRunParams, runConfigOf } from './params';
import { PreviewRecorder, previewItems } from './previews';

export interface TrainHooks {
  signal?: AbortSignal;
  onProgress?: (progress: TrainingProgress) => void;
}

export interface TrainOptions {
  /** Continue from the run's last checkpoint instead of starting fresh. */
  resume: boolean;
  /** Where the database keeps checkpoints and the decoded-data cache. */
  layout: StorageLayout;
}

/** Checkpoints kept per run (older ones are deleted as new ones are written). */
const KEEP_CHECKPOINTS = 3;
const PROGRESS_INTERVAL_MS = 100;

export class TrainingCancelled extends Error {
  constructor() {
    super('Training cancelled; resume it to continue from the last completed epoch.');
    this.name = 'TrainingCancelled';
  }
}

/** The modality a method trains on in this dataset: the first of its modalities that the dataset has. */
function modalityFor(methodModalities: readonly Modality[], counts: Record<Modality, number>, datasetName: string): Modality {
  const found = methodModalities.find((m) => counts[m] > 0);
  if (!found) throw new Error(`"${datasetName}" has no ${methodModalities.join(' or ')} items to train on`);
  return found;
}

export async function trainRun(db: Db, runId: number, options: TrainOptions, hooks: TrainHooks = {}): Promise<void> {
  const runs = new RunsRepository(db);
  const vectors = new VectorsRepository(db);
  const run = runs.get(runId);
  if (!run) throw new Error(`No run ${runId}`);
  const stored = runConfigOf(run.config);
  const definition = getMethod(stored.method);
  const { layout } = options;
  const checkpointDir = layout.checkpointDir(runId);
  mkdirSync(checkpointDir, { recursive: true });

  // Progress reporting, throttled to ~10 Hz; metric points are queued so none is ever dropped.
  let phase: TrainingPhase = 'starting';
  let backend: BackendInfo | null = null;
  let epochs = 0;
  const pendingMetrics: MetricPoint[] = [];
  const pendingEvaluations: EvaluationPoint[] = [];
  const state = { epoch: 0, step: 0, totalSteps: 0, loss: null as number | null, lr: null as number | null, eps: null as number | null, eta: null as number | null, done: 0, total: 0, message: null as string | null };
  let lastEmit = 0;
  const emit = (force = false): void => {
    const now = performance.now();
    if (!force && now - lastEmit < PROGRESS_INTERVAL_MS) return;
    lastEmit = now;
    const metrics = pendingMetrics.splice(0);
    const evaluations = pendingEvaluations.splice(0);
    runs.addMetrics(runId, metrics);
    hooks.onProgress?.({
      runId,
      datasetId: run.datasetId,
      phase,
      epoch: state.epoch,
      epochs,
      step: state.step,
      totalSteps: state.totalSteps,
      loss: state.loss,
      learningRate: state.lr,
      examplesPerSec: state.eps,
      etaSec: state.eta,
      done: state.done,
      total: state.total,
      backend: backend?.name ?? null,
      message: state.message,
      metrics,
      evaluations,
    });
  };
  const yieldToEvents = (): Promise<void> => new Promise((r) => setImmediate(r));
  const checkCancel = (): void => {
    if (hooks.signal?.aborted) throw new TrainingCancelled();
  };

  try {
    emit(true);
    const staticLoop = loopParams(resolveRunParams(definition, stored.given, null));
    backend = await initBackend(stored.backend as EngineBackendName | undefined, { threads: staticLoop.threads > 0 ? staticLoop.threads : undefined });
    runs.markStarted(runId, backend.name, { pretext: VERSION, tfjs: tf.version.tfjs, node: process.versions.node }, { adapter: backend.adapter, unavailable: backend.reasons });

    // The input spec and every parameter, resolved once and stored with the run: a resume, and every
    // later embedding of the run, uses these, never the dataset's state at that time.
    const dataset = new DatasetsRepository(db).summary(run.datasetId);
    if (!dataset) throw new Error(`The dataset of run #${runId} no longer exists`);
    const modality = stored.inputSpec?.modality ?? modalityFor(definition.modalities, dataset.counts, dataset.name);
    const module: ModalityData = dataFor(modality);
    const trainingItems = new ItemsRepository(db).forTraining(run.datasetId, modality);
    const resolved = stored.inputSpec ?? module.resolveSpec(trainingItems, stored.given);
    const spec = stored.inputSpec || !module.fitSpec ? resolved : await module.fitSpec(db, run.datasetId, resolved, { cacheDir: layout.cacheDir, signal: hooks.signal });
    const params = stored.params ?? resolveRunParams(definition, stored.given, spec, trainingItems.length);
    runs.setConfig(runId, { ...stored, params, inputSpec: spec });
    const loop = loopParams(params);
    epochs = definition.trains ? loop.epochs : 0;

    phase = 'preparing';
    state.message = `Decoding ${modality === 'audio' ? 'audio' : `${modality}s`}`;
    emit(true);
    const data: LoadedData = await module.load(db, run.datasetId, spec, {
      cacheDir: layout.cacheDir,
      signal: hooks.signal,
      onProgress: (done, total) => {
        state.done = done;
        state.total = total;
        emit();
      },
    });
    const n = data.itemIds.length;
    if (n < 2) throw new Error(`Training needs at least 2 ${modality} items; this dataset has ${n}`);
    state.message =
      data.failures.length > 0
        ? `${data.failures.length} item(s) could not be read and were left out, e.g. ${data.failures[0]!.path}: ${data.failures[0]!.reason}`
        : null;

    const method: TrainableMethod = createMethod(definition, { spec, params, seed: loop.seed });
    // A whitened run's whitening is fitted after training; until then `method` embeds as `unwhitened`.
    const whitened = method instanceof WhitenedMethod ? method : null;
    const unwhitened = whitened?.inner ?? method;
    try {
      runs.setEmbeddingDim(runId, method.embeddingDim);
      let batchSize = Math.min(loop.batchSize, n);
      if (backend.adapter && method.trains) {
        const cap = gpuBatchSizeCap(method, module, data, spec, backend.adapter.maxBufferBytes);
        if (batchSize > cap) {
          state.message =
            `Batch size ${batchSize} needs buffers larger than the ${formatBytes(backend.adapter.maxBufferBytes)} ${describeAdapter(backend.adapter)} allows ` +
            `(WebGPU's maxStorageBufferBindingSize/maxBufferSize): training with batch size ${cap}`;
          batchSize = cap;
          params.batchSize = cap;
          runs.setConfig(runId, { ...stored, params, inputSpec: spec });
          emit(true);
        }
      }
      const stepsPerEpoch = method.trains ? Math.floor(n / batchSize) : 0;
      state.totalSteps = stepsPerEpoch * epochs;
      const warmupSteps = Math.round(loop.warmupEpochs * stepsPerEpoch);
      const rng = new Rng(loop.seed);
      const perExample = inputSize(module, spec);
      // A whitened run's evaluation after an epoch scores kNN on its sample whitened by a whitening
      // fitted on that sample, so the kNN curve measures the neighbours the final embedding will
      // give; the linear probe, alignment, uniformity and the effective rank describe the encoder's
      // own embeddings (whitening adds nothing linear, and would hide a collapse).
      const evaluator = new Evaluator({
        labels: data.labels,
        fraction: loop.evalFraction,
        sampleSize: loop.evalItems,
        seed: loop.seed,
        dim: method.embeddingDim,
        embed: async (indices, out) => out.set(await embedItems(unwhitened, module, data, indices, { check: checkCancel })),
        ...(whitened ? { knnTransform: (embeddings: Float32Array, count: number) => whitenedCopy(fitWhitening(embeddings, count, method.embeddingDim, checkCancel), embeddings, count) } : {}),
        embedPairs: async (indices, out1, out2) => {
          const first = new Float32Array(indices.length * perExample);
          const second = new Float32Array(indices.length * perExample);
          // Its own generator: evaluating never changes the training's random stream.
          module.viewPair(data, indices, first, second, new Rng(loop.seed + 7919));
          await embedInputs(unwhitened, module.inputShape(spec), first, indices.length, out1, { check: checkCancel });
          await embedInputs(unwhitened, module.inputShape(spec), second, indices.length, out2, { check: checkCancel });
        },
      });
      const evaluate = async (epoch: number, final: boolean, vectors?: Float32Array, knnVectors?: Float32Array): Promise<void> => {
        const result = await evaluator.run({ epoch, step: state.step, final, vectors, knnVectors });
        if (!result) return;
        runs.addEvaluation(runId, result);
        pendingEvaluations.push(result);
        if (result.collapse) state.message = result.collapse;
        emit(true);
      };

      let startEpoch = 1;
      let elapsedBase = 0;
      const checkpoint = options.resume ? runs.latestCheckpoint(runId) : undefined;
      // Before a checkpoint is loaded, so that what it holds overwrites anything `prepare` set.
      await method.prepare?.(data);
      if (checkpoint) {
        const meta = loadCheckpoint(layout.resolveStored(checkpoint.path), method.stateVariables());
        method.optimizerStep = meta.optimizerStep;
        if (meta.extra !== undefined) method.restoreExtraState?.(meta.extra);
        rng.setState(meta.rngState);
        startEpoch = meta.epoch + 1;
        state.step = meta.step;
        elapsedBase = runs.metrics(runId, meta.step - 1)[0]?.elapsedSec ?? 0;
        runs.rewindTo(runId, meta.epoch, meta.step);
        state.message = `Resumed from the checkpoint of epoch ${meta.epoch}`;
      } else {
        runs.rewindTo(runId, -1, 0);
        // The random encoder, before any step: the reference every epoch is compared with.
        if (method.trains) {
          phase = 'evaluating';
          await evaluate(0, false);
        }
      }
      // Methods that rebuild their input draw a few fixed items after every epoch (previews.ts).
      const previews = method.previews ? new PreviewRecorder({ db, runId, layout, method, module, data, indices: previewItems(evaluator.heldOut, n), seed: loop.seed }) : null;
      previews?.rewind(startEpoch - 1);
      const saveEpochCheckpoint = async (epoch: number): Promise<void> => {
        const file = `${checkpointDir}/epoch-${String(epoch).padStart(4, '0')}.ckpt`;
        const bytes = await saveCheckpointAsync(
          file,
          { runId, epoch, step: state.step, optimizerStep: method.optimizerStep, rngState: rng.getState(), inputSpec: spec, extra: method.extraState?.() },
          method.stateVariables(),
        );
        runs.addCheckpoint(runId, epoch, state.step, layout.toStored(file), bytes);
        pruneCheckpoints(runs, runId, layout);
      };

      const order = new Int32Array(n);
      const batch = new Int32Array(batchSize);
      const trainStarted = performance.now();
      let recentSeconds = 0;
      // A time budget sets the number of epochs from the speed of the first steps (the first two,
      // which warm the engine up, left out), and corrects it after every epoch from the time the
      // epochs really took, evaluations included: the learning-rate schedule then runs its whole
      // course (warm-up and cosine) within the budget, whatever the machine's load.
      const budgeted = loop.minutes > 0 && method.trains;
      const budgetSeconds = loop.minutes * 60;
      const budgetStart = performance.now() - (startEpoch > 1 ? (runs.get(runId)?.trainSeconds ?? 0) * 1000 : 0);
      let budgetFirstFixed = !budgeted || startEpoch > 1;
      let warmStepsAt = 0;
      const setEpochs = (planned: number, speed: number): void => {
        const next = Math.max(state.epoch, Math.min(10_000, planned));
        if (next === epochs && budgetFirstFixed) return;
        epochs = next;
        state.totalSteps = stepsPerEpoch * epochs;
        params.epochs = epochs;
        runs.setConfig(runId, { ...stored, params, inputSpec: spec });
        state.message = `Time budget of ${loop.minutes} min: ${epochs} epoch${epochs === 1 ? '' : 's'} at ${speed.toFixed(0)} examples/s`;
      };
      const evaluationSeconds = (): number => runs.evaluations(runId).at(-1)?.seconds ?? 0;
      /** Seconds still needed after training: extracting every item (≈4× training speed) and the final evaluation. */
      const tailSeconds = (perStep: number): number => n / Math.max(1, (batchSize / perStep) * 4) + evaluationSeconds();
      for (let epoch = startEpoch; epoch <= epochs; epoch++) {
        phase = 'training';
        state.epoch = epoch;
        for (let i = 0; i < n; i++) order[i] = i;
        rng.shuffle(order);
        for (let s = 0; s < stepsPerEpoch; s++) {
          checkCancel();
          const t0 = performance.now();
          batch.set(order.subarray(s * batchSize, (s + 1) * batchSize));
          const lr = learningRateAt(state.step + 1, state.totalSteps, warmupSteps, loop.learningRate);
          // The step's one readback: its loss parts (asynchronous on webgpu).
          const losses = await settleLoss(method.trainStep(data, batch, { step: state.step + 1, totalSteps: state.totalSteps, epoch, epochs, learningRate: lr, rng }));
          for (const [name, value] of Object.entries(losses)) {
            if (!Number.isFinite(value)) {
              throw new Error(`The ${name === 'total' ? 'loss' : `${name} loss`} became ${value} at step ${state.step + 1}; try a lower learning rate (now ${loop.learningRate})`);
            }
          }
          const { total, ...parts } = losses;
          const seconds = (performance.now() - t0) / 1000;
          state.step++;
          recentSeconds = recentSeconds === 0 ? seconds : 0.9 * recentSeconds + 0.1 * seconds;
          state.loss = total;
          state.lr = lr;
          state.eps = batchSize / recentSeconds;
          state.eta = (state.totalSteps - state.step) * recentSeconds + n / Math.max(1, state.eps * 4);
          pendingMetrics.push({
            step: state.step,
            epoch,
            loss: total,
            parts,
            lr,
            examplesPerSec: batchSize / seconds,
            elapsedSec: elapsedBase + (performance.now() - trainStarted) / 1000,
          });
          if (!budgetFirstFixed) {
            if (state.step === 2) warmStepsAt = performance.now();
            const measured = state.step - 2;
            if (measured >= Math.min(6, stepsPerEpoch - 2) && measured > 0) {
              const perStep = (performance.now() - warmStepsAt) / 1000 / measured;
              const perEpoch = stepsPerEpoch * perStep + evaluationSeconds();
              const left = budgetSeconds - (performance.now() - budgetStart) / 1000 - tailSeconds(perStep);
              setEpochs(Math.floor((left + (s + 1) * perStep) / perEpoch), batchSize / perStep);
              budgetFirstFixed = true;
            }
          }
          emit();
          await yieldToEvents();
        }
        // End of epoch: a checkpoint to resume from, then the held-out evaluation (the last epoch's
        // is the final one, on every item's embedding, after extraction).
        await saveEpochCheckpoint(epoch);
        const previewProblem = await previews?.record(epoch, state.step);
        if (previewProblem) state.message = previewProblem;
        emit(true);
        runs.updateProgress(runId, epoch, state.step, elapsedBase + (performance.now() - trainStarted) / 1000);
        if (budgeted && epoch < epochs) {
          // Correct the plan from what the epochs really took.
          const elapsed = (performance.now() - budgetStart) / 1000;
          const perEpoch = (elapsed + evaluationSeconds()) / epoch;
          const perStep = perEpoch / Math.max(1, stepsPerEpoch);
          setEpochs(epoch + Math.max(0, Math.floor((budgetSeconds - elapsed - tailSeconds(perStep)) / perEpoch)), batchSize / perStep);
        }
        if (epoch < epochs && evaluatesAfter(epoch, epochs)) {
          phase = 'evaluating';
          await evaluate(epoch, false);
        }
      }
      // A baseline has nothing to train, but its state (a PCA basis) is what search by file needs.
      if (!method.trains) await saveEpochCheckpoint(0);

      phase = 'extracting';
      state.message = null;
      state.eta = null;
      state.done = 0;
      state.total = n;
      emit(true);
      vectors.clear(runId);
      const dim = method.embeddingDim;
      const store = (start: number, rows: Float32Array): void =>
        vectors.add(
          runId,
          Array.from({ length: rows.length / dim }, (_, i) => ({ itemId: data.itemIds[start + i]!, vector: rows.slice(i * dim, (i + 1) * dim) })),
        );
      // The encoder's own embeddings of every item (stored as they come unless the run whitens).
      const all = await embedItems(unwhitened, module, data, null, {
        check: checkCancel,
        onBatch: (start, count, values) => {
          if (!whitened) store(start, values.subarray(0, count * dim));
          state.done = start + count;
          emit();
        },
      });
      let whitenedVectors: Float32Array | undefined;
      if (whitened) {
        // Fitted on (a seeded sample of) the encoder's embeddings and kept in the last checkpoint,
        // so every later embedding of the run (search by file, a new folder) is whitened the same way.
        state.message = 'Whitening the embeddings';
        emit(true);
        const sample = whiteningSample(n, loop.seed);
        const model = fitWhitening(sample.length === n ? all : gatherRows(all, sample, dim), sample.length, dim, checkCancel);
        whitened.setWhitening(model);
        await saveEpochCheckpoint(epochs);
        whitenedVectors = whitenedCopy(model, all, n);
        for (let start = 0; start < n; start += EXTRACT_BATCH) store(start, whitenedVectors.subarray(start * dim, Math.min(n, start + EXTRACT_BATCH) * dim));
        state.message = null;
      }
      phase = 'evaluating';
      await evaluate(epochs, true, all, whitenedVectors);
      // The status is stored before the final event, so a client that re-reads the run on it sees the outcome.
      runs.finish(runId, 'completed');
      phase = 'completed';
      emit(true);
    } finally {
      method.dispose();
    }
  } catch (error) {
    phase = error instanceof TrainingCancelled ? 'cancelled' : 'failed';
    state.message = (error as Error).message;
    runs.finish(runId, phase, state.message);
    emit(true);
    throw error;
  }
}

/** Items the webgpu batch-size cap measures the encoder on (and twice as many). */
const PROBE_ITEMS = 4;
/**
 * A training step's largest buffer against the inference pass's on the same items: the two-view
 * methods put both views through the encoder as one batch, and gradients are as large as what they
 * are taken of.
 */
const TRAINING_BUFFER_FACTOR = 2;

/**
 * The largest batch whose training step stays within the adapter's buffer limit. The encoder runs
 * on PROBE_ITEMS and on twice as many centred items (after a first pass that uploads the weights);
 * the buffers of the second pass that the first did not have are the ones that grow with the batch
 * (activations; the weights, and batch norm folded into them, have the same sizes in both), and
 * the largest of them, scaled to a training step (TRAINING_BUFFER_FACTOR) and to the batch, sets
 * the cap. A step that still needs a larger buffer fails with GpuBufferLimitError, which says so.
 */
function gpuBatchSizeCap(method: TrainableMethod, module: ModalityData, data: LoadedData, spec: InputSpec, limitBytes: number): number {
  const shape = module.inputShape(spec);
  const sizesFor = (count: number): ReadonlySet<number> => {
    const inputs = new Float32Array(count * shape.reduce((a, b) => a * b, 1));
    module.centre(data, Array.from({ length: count }, (_, i) => i), inputs);
    resetLargestBuffer();
    tf.tidy(() => method.embed(tf.tensor(inputs, [count, ...shape])));
    return bufferSizesSinceReset();
  };
  const small = Math.min(PROBE_ITEMS, Math.floor(data.itemIds.length / 2));
  if (small < 1) return Number.MAX_SAFE_INTEGER;
  sizesFor(small);
  const atSmall = sizesFor(small);
  const growing = [...sizesFor(2 * small)].filter((size) => !atSmall.has(size));
  const largestGrowing = Math.max(0, ...growing);
  return batchSizeWithin(limitBytes, largestGrowing * TRAINING_BUFFER_FACTOR, 2 * small);
}

function pruneCheckpoints(runs: RunsRepository, runId: number, layout: StorageLayout): void {
  const all = runs.checkpoints(runId);
  for (const old of all.slice(0, Math.max(0, all.length - KEEP_CHECKPOINTS))) {
    rmSync(layout.resolveStored(old.path), { force: true });
    runs.removeCheckpoint(old.id);
  }
}
