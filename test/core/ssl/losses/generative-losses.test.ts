/** Known values by hand and the error cases of the generative losses (the PyTorch comparison is generative-reference.test.ts). */
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, tf } from '../../../../src-main/core/engine/backend';
import { gaussianKl } from '../../../../src-main/core/ssl/losses/gaussian-kl';
import { maskedL1Loss } from '../../../../src-main/core/ssl/losses/masked-l1';
import { reconstructedImage, reconstructionLoss } from '../../../../src-main/core/ssl/losses/reconstruction';

beforeAll(async () => {
  await initBackend('cpu');
});

const scalar = (t: tf.Tensor): number => {
  const v = t.dataSync()[0]!;
  t.dispose();
  return v;
};

describe('reconstructionLoss', () => {
  it('sums over an image and averages over the batch', () => {
    // Two 1×2×1 images; squared errors (1, 0) and (4, 1): per image 1 and 5, mean 3.
    const output = tf.tensor4d([1, 0, 2, 1], [2, 1, 2, 1]);
    const target = tf.tensor4d([0, 0, 0, 0], [2, 1, 2, 1]);
    expect(scalar(reconstructionLoss(output, target, 'mse'))).toBeCloseTo(3, 6);
    // BCE of logit 0 is log 2 whatever the target.
    expect(scalar(reconstructionLoss(tf.zeros([1, 1, 2, 1]) as tf.Tensor4D, tf.tensor4d([0, 1], [1, 1, 2, 1]), 'bce'))).toBeCloseTo(2 * Math.log(2), 6);
    tf.dispose([output, target]);
  });

  it('stays finite for large logits', () => {
    const output = tf.tensor4d([80, -80], [1, 1, 2, 1]);
    const target = tf.tensor4d([1, 0], [1, 1, 2, 1]);
    expect(scalar(reconstructionLoss(output, target, 'bce'))).toBeCloseTo(0, 6);
    tf.dispose([output, target]);
  });

  it('shows the image the loss scores: sigmoid for bce, clipped values for mse', () => {
    const output = tf.tensor4d([0, 2, -1], [1, 1, 3, 1]);
    expect(Array.from(reconstructedImage(output, 'mse').dataSync())).toEqual([0, 1, 0]);
    expect(reconstructedImage(output, 'bce').dataSync()[0]).toBeCloseTo(0.5, 6);
    output.dispose();
  });

  it('names the shapes and the kind it refuses', () => {
    const a = tf.zeros([2, 4, 4, 1]) as tf.Tensor4D;
    const b = tf.zeros([2, 4, 4, 3]) as tf.Tensor4D;
    expect(() => reconstructionLoss(a, b, 'mse')).toThrow('reconstruction target (must match the output): expected shape [2, 4, 4, 1], got [2, 4, 4, 3]');
    expect(() => reconstructionLoss(a, a, 'l2' as never)).toThrow("must be one of bce, mse, got 'l2'");
    tf.dispose([a, b]);
  });
});

describe('gaussianKl', () => {
  it('is 0 for the prior itself and ½(μ² + σ² − 1 − log σ²) per dimension', () => {
    expect(scalar(gaussianKl(tf.zeros([3, 4]) as tf.Tensor2D, tf.zeros([3, 4]) as tf.Tensor2D))).toBeCloseTo(0, 7);
    // μ = 2, log σ² = 0: 2 per dimension; 2 dimensions; one example.
    expect(scalar(gaussianKl(tf.tensor2d([[2, 2]]), tf.tensor2d([[0, 0]])))).toBeCloseTo(4, 6);
    // μ = 0, σ² = e: ½(e − 1 − 1).
    expect(scalar(gaussianKl(tf.tensor2d([[0]]), tf.tensor2d([[1]])))).toBeCloseTo((Math.E - 2) / 2, 6);
  });

  it('names the shapes it refuses', () => {
    const m = tf.zeros([2, 3]) as tf.Tensor2D;
    const v = tf.zeros([2, 4]) as tf.Tensor2D;
    expect(() => gaussianKl(m, v)).toThrow('gaussian-kl log-variance (must match the mean): expected shape [2, 3], got [2, 4]');
    tf.dispose([m, v]);
  });
});

describe('maskedL1Loss', () => {
  it('scores the hidden pixels only, per hidden value', () => {
    // One 1×2 image with 2 channels; pixel 0 hidden (errors 1 and 3), pixel 1 visible (errors 100).
    const prediction = tf.tensor4d([1, 3, 100, 100], [1, 1, 2, 2]);
    const target = tf.zeros([1, 1, 2, 2]) as tf.Tensor4D;
    const mask = tf.tensor4d([1, 0], [1, 1, 2, 1]);
    expect(scalar(maskedL1Loss(prediction, target, mask))).toBeCloseTo(2, 6);
    const grad = tf.grad((p: tf.Tensor) => maskedL1Loss(p as tf.Tensor4D, target, mask))(prediction);
    expect(Array.from(grad.dataSync())).toEqual([0.5, 0.5, 0, 0]);
    expect(scalar(maskedL1Loss(prediction, target, tf.zeros([1, 1, 2, 1]) as tf.Tensor4D))).toBe(0);
    tf.dispose([prediction, target, mask, grad]);
  });

  it('names the shapes it refuses', () => {
    const x = tf.zeros([2, 4, 4, 3]) as tf.Tensor4D;
    const mask = tf.zeros([2, 4, 4, 3]) as tf.Tensor4D;
    expect(() => maskedL1Loss(x, x, mask)).toThrow('masked-l1 mask (one value per pixel): expected shape [2, 4, 4, 1], got [2, 4, 4, 3]');
    tf.dispose([x, mask]);
  });
});
