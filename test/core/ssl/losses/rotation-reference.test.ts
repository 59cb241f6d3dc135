import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, tf } from '../../../../src-main/core/engine/backend';
import { softmaxCrossEntropy } from '../../../../src-main/core/ssl/losses/cross-entropy';
import { rotateSquare } from '../../../../src-main/core/ssl/views/rotation';

interface LossCase {
  logits: number[][];
  labels: number[];
  loss: number;
  grad_logits: number[][];
}
/** Reference numbers from another framework (scripts/make-rotation-reference.py, PyTorch in float64). */
const reference = JSON.parse(readFileSync(join(import.meta.dirname, '../../../fixtures/rotation-reference.json'), 'utf8')) as {
  cross_entropy: LossCase[];
  rotation: { image: number[][][]; cases: { quarter_turns: number; rotated: number[][][] }[] };
};

describe('rotation prediction against PyTorch reference values', () => {
  for (const backend of ['cpu', 'wasm'] as const) {
    describe(backend, () => {
      beforeAll(async () => {
        await initBackend(backend, { threads: 1 });
      });
      it.each(reference.cross_entropy.map((c) => [`R=${c.logits.length}, K=${c.logits[0]!.length}, |logit| up to ${Math.max(...c.logits.flat().map(Math.abs)).toFixed(1)}`, c] as const))(
        'cross-entropy and its gradient match F.cross_entropy for %s',
        (_name, c) => {
          const logits = tf.tensor2d(c.logits);
          const loss = softmaxCrossEntropy(logits, c.labels);
          expect(loss.dataSync()[0]).toBeCloseTo(c.loss, 4);
          const grad = tf.grad((x: tf.Tensor) => softmaxCrossEntropy(x as tf.Tensor2D, c.labels))(logits);
          const got = grad.arraySync() as number[][];
          got.forEach((row, i) => row.forEach((v, j) => expect(v).toBeCloseTo(c.grad_logits[i]![j]!, 5)));
          tf.dispose([logits, loss, grad]);
        },
      );
    });
  }

  it.each(reference.rotation.cases.map((c) => [c.quarter_turns, c] as const))('%i quarter turn(s) match torch.rot90(x, k, dims=(0, 1))', (_k, c) => {
    const image = reference.rotation.image;
    const size = image.length;
    const channels = image[0]![0]!.length;
    const out = new Float32Array(size * size * channels);
    rotateSquare(Float32Array.from(image.flat(2)), 0, out, 0, size, channels, c.quarter_turns);
    expect(Array.from(out)).toEqual(c.rotated.flat(2));
  });
});
