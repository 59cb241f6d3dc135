/**
 * The training loop: straight-line code over one flat config (nanoGPT's train.py style). Methods
 * plug in through the registry; adding one never edits this file.
 *
 *   prepare data → build method → (restore checkpoint) → for each epoch: shuffle, for each batch:
 *   make views, one optimiser step, log → checkpoint → extract embeddings → store vectors
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { StorageLayout } from '../paths';
import type { MetricPoint, TrainingPhase, TrainingProgress } from '../../contract';
import { initBackend, tf, type BackendInfo, type EngineBackendName } from '../engine/backend';
import { getMethod } from '../ssl/methods';
import { Rng } from '../ssl/random';
import { defaultImageViews, ImageViewSampler } from '../ssl/views/image';
import type { Db } from '../storage/db';
import { RunsRepository } from '../storage/repositories/runs';
import { VERSION } from '../version';
import { loadCheckpoint, saveCheckpoint } from './checkpoint';
import { learningRateAt, resolveTrainConfig, type TrainConfig } from './config';
import { loadImageDataset, sourceImage } from './image-data';

export interface TrainHooks {
  signal?: AbortSignal;
  onProgress?: (progress: TrainingProgress) => void;
}

export interface TrainOptions {
  /** Continue from the run's last checkpoint instead of starting fresh. */
  resume: boolean;
  /** Where the database keeps checkpoints and the image cache. */
  layout: StorageLayout;
}

/** Checkpoints kept per run (older ones are deleted as new ones are written). */
const KEEP_CHECKPOINTS = 3;
const EXTRACT_BATCH = 512;
const PROGRESS_INTERVAL_MS = 100;

export class TrainingCancelled extends Error {
  constructor() {
    super('Training cancelled; resume it to continue from the last completed epoch.');
    this.name = 'TrainingCancelled';
  }
}

export async function trainRun(db: Db, runId: number, options: TrainOptions, hooks: TrainHooks = {}): Promise<void> {
  const runs = new RunsRepository(db);
  const run = runs.get(runId);
  if (!run) throw new Error(`No run ${runId}`);
  const config: TrainConfig = resolveTrainConfig(run.config as Partial<TrainConfig>);
  const { layout } = options;
  const checkpointDir = layout.checkpointDir(runId);
  mkdirSync(checkpointDir, { recursive: true });

  // Progress reporting, throttled to ~10 Hz; metric points are queued so none is ever dropped.
  let phase: TrainingPhase = 'starting';
  let backend: BackendInfo | null = null;
  const pendingMetrics: MetricPoint[] = [];
  const state = { epoch: 0, step: 0, totalSteps: 0, loss: null as number | null, lr: null as number | null, ips: null as number | null, eta: null as number | null, done: 0, total: 0, message: null as string | null };
  let lastEmit = 0;
  const emit = (force = false): void => {
    const now = performance.now();
    if (!force && now - lastEmit < PROGRESS_INTERVAL_MS) return;
    lastEmit = now;
    const metrics = pendingMetrics.splice(0);
    runs.addMetrics(runId, metrics);
    hooks.onProgress?.({
      runId,
      datasetId: run.datasetId,
      phase,
      epoch: state.epoch,
      epochs: config.epochs,
      step: state.step,
      totalSteps: state.totalSteps,
      loss: state.loss,
      learningRate: state.lr,
      imagesPerSec: state.ips,
      etaSec: state.eta,
      done: state.done,
      total: state.total,
      backend: backend?.name ?? null,
      message: state.message,
      metrics,
    });
  };
  const yieldToEvents = (): Promise<void> => new Promise((r) => setImmediate(r));
  const checkCancel = (): void => {
    if (hooks.signal?.aborted) throw new TrainingCancelled();
  };

  try {
    emit(true);
    backend = await initBackend(config.backend as EngineBackendName | undefined, { threads: config.threads > 0 ? config.threads : undefined });
    runs.markStarted(runId, backend.name, { pretext: VERSION, tfjs: tf.version.tfjs, node: process.versions.node });

    phase = 'preparing';
    state.message = 'Decoding images';
    emit(true);
    const data = await loadImageDataset(db, run.datasetId, {
      size: config.imageSize,
      cacheDir: layout.cacheDir,
      signal: hooks.signal,
      onProgress: (done, total) => {
        state.done = done;
        state.total = total;
        emit();
      },
    });
    const n = data.itemIds.length;
    if (n < 2) throw new Error(`Training needs at least 2 images; this dataset has ${n}`);
    if (data.failures.length > 0) state.message = `${data.failures.length} image(s) could not be read and were left out, e.g. ${data.failures[0]!.path}: ${data.failures[0]!.reason}`;
    else state.message = null;

    const method = getMethod(config.method).create({ inputShape: [data.size, data.size, data.channels], config });
    try {
      runs.setEmbeddingDim(runId, method.embeddingDim);
      const batchSize = Math.min(config.batchSize, n);
      const stepsPerEpoch = Math.floor(n / batchSize);
      state.totalSteps = stepsPerEpoch * config.epochs;
      const warmupSteps = Math.round(config.warmupEpochs * stepsPerEpoch);
      const rng = new Rng(config.seed);
      let startEpoch = 1;
      let elapsedBase = 0;

      const checkpoint = options.resume ? runs.latestCheckpoint(runId) : undefined;
      if (checkpoint) {
        const meta = loadCheckpoint(layout.resolveStored(checkpoint.path), method.stateVariables());
        method.optimizerStep = meta.optimizerStep;
        rng.setState(meta.rngState);
        startEpoch = meta.epoch + 1;
        state.step = meta.step;
        elapsedBase = runs.metrics(runId, meta.step - 1)[0]?.elapsedSec ?? 0;
        runs.rewindTo(runId, meta.epoch, meta.step);
        state.message = `Resumed from the checkpoint of epoch ${meta.epoch}`;
      } else {
        runs.rewindTo(runId, 0, 0);
      }

      // Buffers reused by every step: views for the whole batch, and the epoch's order.
      const perImage = data.size * data.size * data.channels;
      const sampler = new ImageViewSampler(defaultImageViews(data.size), data.channels);
      const views = Array.from({ length: method.viewsPerExample }, () => new Float32Array(batchSize * perImage));
      const order = new Int32Array(n);

      phase = 'training';
      const trainStarted = performance.now();
      let recentSeconds = 0;
      for (let epoch = startEpoch; epoch <= config.epochs; epoch++) {
        state.epoch = epoch;
        for (let i = 0; i < n; i++) order[i] = i;
        rng.shuffle(order);
        for (let s = 0; s < stepsPerEpoch; s++) {
          checkCancel();
          const t0 = performance.now();
          for (let b = 0; b < batchSize; b++) {
            const src = sourceImage(data, order[s * batchSize + b]!);
            for (const view of views) sampler.sample(src, view, b * perImage, rng);
          }
          const tensors = views.map((v) => tf.tensor4d(v, [batchSize, data.size, data.size, data.channels]));
          const lr = learningRateAt(state.step + 1, state.totalSteps, warmupSteps, config.learningRate);
          let loss: number;
          try {
            loss = method.trainStep(tensors, lr);
          } finally {
            tf.dispose(tensors);
          }
          if (!Number.isFinite(loss)) {
            throw new Error(`The loss became ${loss} at step ${state.step + 1}; try a lower learning rate (now ${config.learningRate})`);
          }
          const seconds = (performance.now() - t0) / 1000;
          state.step++;
          recentSeconds = recentSeconds === 0 ? seconds : 0.9 * recentSeconds + 0.1 * seconds;
          state.loss = loss;
          state.lr = lr;
          state.ips = batchSize / recentSeconds;
          state.eta = (state.totalSteps - state.step) * recentSeconds + n / Math.max(1, state.ips * 4);
          pendingMetrics.push({
            step: state.step,
            epoch,
            loss,
            lr,
            imagesPerSec: batchSize / seconds,
            elapsedSec: elapsedBase + (performance.now() - trainStarted) / 1000,
          });
          emit();
          await yieldToEvents();
        }
        // End of epoch: a checkpoint to resume from.
        const file = join(checkpointDir, `epoch-${String(epoch).padStart(4, '0')}.ckpt`);
        const bytes = saveCheckpoint(file, { runId, epoch, step: state.step, optimizerStep: method.optimizerStep, rngState: rng.getState() }, method.stateVariables());
        runs.addCheckpoint(runId, epoch, state.step, layout.toStored(file), bytes);
        pruneCheckpoints(runs, runId, layout);
        emit(true);
        runs.updateProgress(runId, epoch, state.step, elapsedBase + (performance.now() - trainStarted) / 1000);
      }

      phase = 'extracting';
      state.message = null;
      state.eta = null;
      state.done = 0;
      state.total = n;
      emit(true);
      runs.clearVectors(runId);
      const batch = new Float32Array(EXTRACT_BATCH * perImage);
      for (let start = 0; start < n; start += EXTRACT_BATCH) {
        checkCancel();
        const count = Math.min(EXTRACT_BATCH, n - start);
        for (let i = 0; i < count; i++) sampler.centre(sourceImage(data, start + i), batch, i * perImage);
        const embeddings = tf.tidy(() => method.embed(tf.tensor4d(batch.subarray(0, count * perImage), [count, data.size, data.size, data.channels])));
        const values = (await embeddings.data()) as Float32Array;
        embeddings.dispose();
        const dim = method.embeddingDim;
        runs.addVectors(
          runId,
          Array.from({ length: count }, (_, i) => ({ itemId: data.itemIds[start + i]!, vector: values.slice(i * dim, (i + 1) * dim) })),
        );
        state.done = start + count;
        emit();
        await yieldToEvents();
      }
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

function pruneCheckpoints(runs: RunsRepository, runId: number, layout: StorageLayout): void {
  const all = runs.checkpoints(runId);
  for (const old of all.slice(0, Math.max(0, all.length - KEEP_CHECKPOINTS))) {
    rmSync(layout.resolveStored(old.path), { force: true });
    runs.removeCheckpoint(old.id);
  }
}
