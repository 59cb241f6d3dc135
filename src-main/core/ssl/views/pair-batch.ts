/**
 * Two augmented views of every image of a batch, as the joint-embedding methods (MoCo, BYOL) take
 * them: the views are drawn on the CPU into buffers reused from step to step, then become tensors.
 */
import { sourceClip, type AudioData } from '../../data/audio';
import { sourceImage } from '../../data/image-data';
import type { ImageData } from '../../data/image';
import type { LoadedData } from '../../data/types';
import { tf } from '../../engine/backend';
import type { Rng } from '../random';
import type { AudioViewSampler } from './audio';
import type { ImageViewSampler } from './image';

export class ViewPairBatch {
  private buffers: [Float32Array, Float32Array] | null = null;

  constructor(private readonly sampler: ImageViewSampler) {}

  /**
   * @param order where each image's second view goes: row order[i] of the second tensor is a view of
   *   image batch[i] (a permutation, for MoCo's shuffled batch norm); the identity when omitted
   * @returns two [B, H, W, C] tensors, owned by the caller
   */
  make(data: ImageData, batch: Int32Array, rng: Rng, order?: Int32Array): [tf.Tensor4D, tf.Tensor4D] {
    const b = batch.length;
    if (order !== undefined && order.length !== b) throw new Error(`view order has ${order.length} entries for a batch of ${b}`);
    const per = data.size * data.size * data.channels;
    if (!this.buffers || this.buffers[0].length !== b * per) this.buffers = [new Float32Array(b * per), new Float32Array(b * per)];
    const [first, second] = this.buffers;
    for (let i = 0; i < b; i++) {
      const src = sourceImage(data, batch[i]!);
      this.sampler.sample(src, first, i * per, rng);
      this.sampler.sample(src, second, (order === undefined ? i : order[i]!) * per, rng);
    }
    const shape: [number, number, number, number] = [b, data.size, data.size, data.channels];
    return [tf.tensor4d(first, shape), tf.tensor4d(second, shape)];
  }
}

/**
 * The same for audio clips (BYOL-A's views, views/audio.ts): each clip's views are mixed with another
 * clip of the batch (the next one, so every clip is a partner once), as BYOL-A mixes within a batch.
 */
export class AudioPairBatch {
  private buffers: [Float32Array, Float32Array] | null = null;

  constructor(private readonly sampler: AudioViewSampler) {}

  /** As ViewPairBatch.make: [B, bands, frames, 1] tensors, the second view of clip batch[i] at row order[i]. */
  make(loaded: LoadedData, batch: Int32Array, rng: Rng, order?: Int32Array): [tf.Tensor4D, tf.Tensor4D] {
    const data = loaded as AudioData;
    const b = batch.length;
    if (order !== undefined && order.length !== b) throw new Error(`view order has ${order.length} entries for a batch of ${b}`);
    const { bands, frames } = this.sampler.config;
    const per = bands * frames;
    if (!this.buffers || this.buffers[0].length !== b * per) this.buffers = [new Float32Array(b * per), new Float32Array(b * per)];
    const [first, second] = this.buffers;
    for (let i = 0; i < b; i++) {
      const src = sourceClip(data, batch[i]!);
      const partner = b > 1 ? sourceClip(data, batch[(i + 1) % b]!) : undefined;
      this.sampler.sample(src, first, i * per, rng, partner);
      this.sampler.sample(src, second, (order === undefined ? i : order[i]!) * per, rng, partner);
    }
    const shape: [number, number, number, number] = [b, bands, frames, 1];
    return [tf.tensor4d(first, shape), tf.tensor4d(second, shape)];
  }
}
