import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, tf } from '../../../../src-main/core/engine/backend';
import { gaussianKl } from '../../../../src-main/core/ssl/losses/gaussian-kl';
import { maskedL1Loss } from '../../../../src-main/core/ssl/losses/masked-l1';
import { reconstructionLoss, type ReconstructionKind } from '../../../../src-main/core/ssl/losses/reconstruction';

type Nested = number | Nested[];
/** Reference numbers from another framework (scripts/make-generative-reference.py, PyTorch in float64). */
const reference = JSON.parse(readFileSync(join(import.meta.dirname, '../../../fixtures/generative-reference.json'), 'utf8')) as {
  reconstruction: { kind: ReconstructionKind; output: Nested; target: Nested; loss: number; grad_output: Nested }[];
  gaussianKl: { mean: number[][]; log_variance: number[][]; loss: number; grad_mean: number[][]; grad_log_variance: number[][] }[];
  maskedL1: { prediction: Nested; target: Nested; mask: Nested; loss: number; grad_prediction: Nested }[];
};

const flat = (x: Nested): number[] => (Array.isArray(x) ? x.flatMap(flat) : [x]);
const shapeOf = (x: Nested): number[] => (Array.isArray(x) ? [x.length, ...shapeOf(x[0]!)] : []);

function expectAllClose(actual: tf.Tensor, expected: Nested): void {
  const want = flat(expected);
  const got = Array.from(actual.dataSync());
  expect(got.length).toBe(want.length);
  got.forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 4));
}

beforeAll(async () => {
  await initBackend('cpu');
});

describe('reconstruction loss against PyTorch', () => {
  it.each(reference.reconstruction.map((c) => [`${c.kind} on [${shapeOf(c.output).join(', ')}]`, c] as const))('value and gradient match for %s', (_name, c) => {
    const output = tf.tensor(c.output as number[]) as tf.Tensor4D;
    const target = tf.tensor(c.target as number[]) as tf.Tensor4D;
    const loss = reconstructionLoss(output, target, c.kind);
    expect(loss.dataSync()[0]).toBeCloseTo(c.loss, 4);
    const grad = tf.grad((a: tf.Tensor) => reconstructionLoss(a as tf.Tensor4D, target, c.kind))(output);
    expectAllClose(grad, c.grad_output);
    tf.dispose([output, target, loss, grad]);
  });
});

describe('Gaussian KL against torch.distributions', () => {
  it.each(reference.gaussianKl.map((c) => [`N=${c.mean.length}, J=${c.mean[0]!.length}`, c] as const))('value and gradients match for %s', (_name, c) => {
    const mean = tf.tensor2d(c.mean);
    const logVariance = tf.tensor2d(c.log_variance);
    const loss = gaussianKl(mean, logVariance);
    expect(loss.dataSync()[0]).toBeCloseTo(c.loss, 4);
    const [gMean, gLogVar] = tf.grads((m: tf.Tensor, v: tf.Tensor) => gaussianKl(m as tf.Tensor2D, v as tf.Tensor2D))([mean, logVariance]);
    expectAllClose(gMean!, c.grad_mean);
    expectAllClose(gLogVar!, c.grad_log_variance);
    tf.dispose([mean, logVariance, loss, gMean!, gLogVar!]);
  });
});

describe('masked L1 against SimMIM’s PyTorch code', () => {
  it.each(reference.maskedL1.map((c) => [`[${shapeOf(c.prediction).join(', ')}]`, c] as const))('value and gradient match for %s', (_name, c) => {
    const prediction = tf.tensor(c.prediction as number[]) as tf.Tensor4D;
    const target = tf.tensor(c.target as number[]) as tf.Tensor4D;
    const mask = tf.tensor(c.mask as number[]) as tf.Tensor4D;
    const loss = maskedL1Loss(prediction, target, mask);
    expect(loss.dataSync()[0]).toBeCloseTo(c.loss, 4);
    const grad = tf.grad((p: tf.Tensor) => maskedL1Loss(p as tf.Tensor4D, target, mask))(prediction);
    expectAllClose(grad, c.grad_prediction);
    tf.dispose([prediction, target, mask, loss, grad]);
  });
});
