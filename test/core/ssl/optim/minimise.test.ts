import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, tf } from '../../../../src-main/core/engine/backend';
import { AdamW } from '../../../../src-main/core/ssl/optim/adamw';
import { minimise } from '../../../../src-main/core/ssl/optim/minimise';

describe('minimise', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

  it('takes one AdamW step on the total, reports every part, and leaves no tensor behind', () => {
    const w = tf.variable(tf.tensor1d([1, -2]), true, 'minimise_test/w');
    const optimizer = new AdamW([w], { weightDecay: 0 });
    const before = tf.memory().numTensors;
    for (let step = 0; step < 3; step++) {
      const input = tf.tensor1d([3, 4]);
      const parts = minimise(optimizer, [w], 0.1, () => {
        const squared = tf.sum(tf.square(tf.mul(w, input))) as tf.Scalar; // (3·w0)² + (4·w1)²
        return { total: squared, norm: tf.norm(w) as tf.Scalar };
      }, [input]);
      if (step === 0) {
        expect(parts.total).toBeCloseTo(9 + 64, 5);
        expect(parts.norm).toBeCloseTo(Math.sqrt(5), 5);
      }
      expect(input.isDisposed).toBe(true);
      expect(tf.memory().numTensors).toBe(before);
    }
    // Adam's first step moves each weight by about lr against its gradient's sign.
    const [w0, w1] = w.dataSync();
    expect(w0!).toBeLessThan(1);
    expect(w1!).toBeGreaterThan(-2);
    expect(optimizer.step).toBe(3);
    optimizer.dispose();
    w.dispose();
  });

  it('disposes the step’s inputs and kept parts when the loss throws', () => {
    const w = tf.variable(tf.scalar(1), true, 'minimise_test/throws');
    const optimizer = new AdamW([w], { weightDecay: 0 });
    const before = tf.memory().numTensors;
    const input = tf.scalar(2);
    expect(() =>
      minimise(optimizer, [w], 0.1, () => {
        throw new Error(`bad shape ${input.shape.length}`);
      }, [input]),
    ).toThrow('bad shape 0');
    expect(input.isDisposed).toBe(true);
    expect(tf.memory().numTensors).toBe(before);
    expect(w.dataSync()[0]).toBe(1);
    optimizer.dispose();
    w.dispose();
  });
});
