/**
 * Embeds a new image with a run's trained encoder, for "find similar to this file". The model is
 * rebuilt the way the training loop builds it (the method's `create` with the run's config and
 * input shape), its weights restored from the run's latest checkpoint, and kept for the next
 * query. The image goes through the same path as during extraction: decoded and centre-cropped to
 * the run's size, reduced to its channels, then ImageViewSampler.centre.
 */
import { decodeImageRaw } from '../datasets/decode-image';
import type { FileFormat } from '../datasets/detect';
import { tf } from '../engine/backend';
import { getMethod, type TrainableMethod } from '../ssl/methods';
import { defaultImageViews, ImageViewSampler } from '../ssl/views/image';
import { loadCheckpoint } from '../training/checkpoint';
import type { TrainConfig } from '../training/config';
import { writePixels } from '../training/image-data';

/** Everything needed to rebuild a run's encoder, worked out by the core from the database. */
export interface EmbedSetup {
  /** Identifies the model: run and checkpoint; a new checkpoint means a new model. */
  key: string;
  config: TrainConfig;
  /** Side in pixels the run trained on. */
  size: number;
  channels: 1 | 3;
  /** Absolute path of the checkpoint file. */
  checkpointPath: string;
}

/** The file could not be decoded as the image it claims to be. */
export class UndecodableFileError extends Error {}

/** Models kept loaded (one per run, the most recently used). */
const MAX_MODELS = 2;

interface LoadedModel {
  method: TrainableMethod;
  sampler: ImageViewSampler;
}

export class ImageEmbedder {
  private readonly models = new Map<string, LoadedModel>();

  /** `ensureBackend` initialises tfjs once (the worker picks its backend; tests pass their own). */
  constructor(private readonly ensureBackend: () => Promise<unknown>) {}

  async embed(setup: EmbedSetup, bytes: Uint8Array, format: FileFormat): Promise<Float32Array> {
    await this.ensureBackend();
    const { size, channels } = setup;
    let raw;
    try {
      raw = await decodeImageRaw(bytes, format, size, { fit: 'cover', channels: 3 });
    } catch (error) {
      throw new UndecodableFileError((error as Error).message);
    }
    const model = this.model(setup);
    const pixels = new Uint8Array(size * size * channels);
    writePixels(raw.data, pixels, 0, size * size, channels);
    const input = new Float32Array(size * size * channels);
    model.sampler.centre({ data: pixels, width: size, height: size, channels }, input, 0);
    const embedding = tf.tidy(() => model.method.embed(tf.tensor4d(input, [1, size, size, channels]))); // [1, D]
    try {
      return Float32Array.from((await embedding.data()) as Float32Array);
    } finally {
      embedding.dispose();
    }
  }

  dispose(): void {
    for (const model of this.models.values()) model.method.dispose();
    this.models.clear();
  }

  private model(setup: EmbedSetup): LoadedModel {
    const cached = this.models.get(setup.key);
    if (cached) {
      // Most recently used last, so eviction takes the oldest.
      this.models.delete(setup.key);
      this.models.set(setup.key, cached);
      return cached;
    }
    const method = getMethod(setup.config.method).create({ inputShape: [setup.size, setup.size, setup.channels], config: setup.config });
    try {
      loadCheckpoint(setup.checkpointPath, method.stateVariables());
    } catch (error) {
      method.dispose();
      throw error;
    }
    const model = { method, sampler: new ImageViewSampler(defaultImageViews(setup.size), setup.channels) };
    this.models.set(setup.key, model);
    while (this.models.size > MAX_MODELS) {
      const [oldest, evicted] = this.models.entries().next().value!;
      evicted.method.dispose();
      this.models.delete(oldest);
    }
    return model;
  }
}
