import { describe, expect, it } from 'vitest';
import { initBackend, tf } from '../../../../src-main/core/engine/backend';
import { AudioFrameEncoder, CausalContext, encodedFrames } from '../../../../src-main/core/ssl/encoders/audio-frames';

/** Indices of the frames of `a` and `b` [B, T, C] that differ by more than 1e-5. */
function changedFrames(a: tf.Tensor3D, b: tf.Tensor3D): number[] {
  const [, t, c] = a.shape;
  const x = a.dataSync();
  const y = b.dataSync();
  const changed = new Set<number>();
  for (let i = 0; i < x.length; i++) if (Math.abs(x[i]! - y[i]!) > 1e-5) changed.add(Math.floor(i / c) % t);
  return [...changed].sort((p, q) => p - q);
}

describe.each(['cpu', 'wasm'] as const)('CPC encoders on %s', (backend) => {
  it('the frame encoder maps 4 input frames, and only those, to each z_t (no overlap between neighbours)', async () => {
    await initBackend(backend, { threads: 1 });
    const encoder = new AudioFrameEncoder({ melBands: 6, frames: 23, downsample: 4, width: 8, seed: 1 });
    expect(encoder.outputFrames).toBe(5);
    expect(encodedFrames(23, 2)).toBe(11);
    const x = tf.randomNormal([2, 23, 6], 0, 1, 'float32', 3) as tf.Tensor3D;
    const z = encoder.forward(x);
    expect(z.shape).toEqual([2, 5, 8]);
    // Change input frame 9 (of z_2's frames 8..11) in the second clip only.
    const bumped = tf.tidy(() => tf.add(x, tf.tensor3d(Array.from({ length: 2 * 23 * 6 }, (_, i) => (i >= 23 * 6 + 9 * 6 && i < 23 * 6 + 10 * 6 ? 1 : 0)), [2, 23, 6])) as tf.Tensor3D);
    const zBumped = encoder.forward(bumped);
    expect(changedFrames(z, zBumped)).toEqual([2]);
    const firstClip = tf.tidy(() => tf.max(tf.abs(tf.sub(z, zBumped).slice([0, 0, 0], [1, 5, 8]))));
    expect(firstClip.dataSync()[0]).toBe(0); // the other clip untouched
    tf.dispose([x, z, bumped, zBumped, firstClip]);
    encoder.dispose();
  });

  it('the model input [B, bands, frames, 1] becomes frame-major [B, frames, bands]', async () => {
    await initBackend(backend, { threads: 1 });
    const x = tf.tensor4d([1, 2, 3, 4, 5, 6], [1, 2, 3, 1]); // bands × frames: [[1, 2, 3], [4, 5, 6]]
    const frames = AudioFrameEncoder.framesOf(x);
    expect(frames.arraySync()).toEqual([[[1, 4], [2, 5], [3, 6]]]);
    tf.dispose([x, frames]);
  });

  it('the context at t depends on z_0..z_t only, and reaches back 1 + blocks·(k − 1) frames', async () => {
    await initBackend(backend, { threads: 1 });
    const context = new CausalContext({ inputWidth: 5, width: 8, blocks: 2, kernelSize: 3, seed: 2 });
    const z = tf.randomNormal([1, 12, 5], 0, 1, 'float32', 4) as tf.Tensor3D;
    const c = context.forward(z);
    expect(c.shape).toEqual([1, 12, 8]);
    const bumpAt = (t: number) => tf.tidy(() => tf.add(z, tf.tensor3d(Array.from({ length: 60 }, (_, i) => (Math.floor(i / 5) === t ? 1 : 0)), [1, 12, 5])) as tf.Tensor3D);
    const at6 = bumpAt(6);
    const c6 = context.forward(at6);
    expect(changedFrames(c, c6)).toEqual([6, 7, 8, 9, 10]); // 1 + 2·2 frames from 6 on
    tf.dispose([z, c, at6, c6]);
    context.dispose();
  });

  it('refuses inputs of the wrong shape and impossible settings, saying what it got', async () => {
    await initBackend(backend, { threads: 1 });
    expect(() => new AudioFrameEncoder({ melBands: 4, frames: 3, downsample: 4, seed: 1 })).toThrow('3 frames downsampled ×4 leave no frame');
    expect(() => new AudioFrameEncoder({ melBands: 4, frames: 8, downsample: 3 as 2, seed: 1 })).toThrow('downsample must be 1, 2 or 4, got 3');
    const encoder = new AudioFrameEncoder({ melBands: 4, frames: 8, width: 4, seed: 1 });
    const context = new CausalContext({ inputWidth: 4, width: 4, seed: 1 });
    const wrong = tf.zeros([2, 8, 5]) as tf.Tensor3D;
    expect(() => encoder.forward(wrong)).toThrow('AudioFrameEncoder input [clips, frames, mel bands]: expected shape [?, 8, 4], got [2, 8, 5]');
    expect(() => context.forward(wrong)).toThrow('CausalContext input [clips, frames, channels]: expected shape [?, ?, 4], got [2, 8, 5]');
    wrong.dispose();
    encoder.dispose();
    context.dispose();
  });
});
