import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, tf } from '../../../../src-main/core/engine/backend';
import { SmallCnn } from '../../../../src-main/core/ssl/encoders/small-cnn';

beforeAll(async () => {
  await initBackend('cpu');
});

const config = { inputShape: [12, 12, 1] as [number, number, number], blocks: [{ filters: 4, stride: 1 as const }, { filters: 6, stride: 2 as const }, { filters: 8, stride: 2 as const }], seed: 3 };

describe('SmallCnn readout', () => {
  it("'last' reads the pooled last block, as embed does", () => {
    const cnn = new SmallCnn(config);
    const x = tf.randomUniform([3, 12, 12, 1], 0, 1, 'float32', 2) as tf.Tensor4D;
    expect(cnn.readoutSize).toBe(8);
    const [a, b] = [cnn.readout(x), cnn.embed(x)];
    expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()));
    tf.dispose([a, b, x]);
    cnn.dispose();
  });

  it("'blocks' joins each block's spatial mean, first block first, without leaking tensors", () => {
    const cnn = new SmallCnn({ ...config, readout: 'blocks' });
    const x = tf.randomUniform([3, 12, 12, 1], 0, 1, 'float32', 2) as tf.Tensor4D;
    expect([cnn.embeddingSize, cnn.readoutSize]).toEqual([8, 4 + 6 + 8]);
    const before = tf.memory().numTensors;
    const readout = cnn.readout(x);
    expect(tf.memory().numTensors).toBe(before + 1);
    expect(readout.shape).toEqual([3, 18]);
    // Independently: each block by hand, with the batch norm's moving statistics (1 and 0 at first).
    const expected = tf.tidy(() => {
      const pooled: tf.Tensor2D[] = [];
      let h: tf.Tensor4D = x;
      for (const [i, block] of config.blocks.entries()) {
        const filter = cnn.variables[i * 5]! as tf.Variable<tf.Rank.R4>;
        const scale = 1 / Math.sqrt(1 + 1e-5);
        h = tf.relu(tf.mul(tf.conv2d(h, filter, block.stride, 'same'), scale));
        pooled.push(tf.mean(h, [1, 2]));
      }
      return tf.concat(pooled, 1);
    });
    const got = readout.dataSync();
    const want = expected.dataSync();
    for (let i = 0; i < want.length; i++) expect(got[i]).toBeCloseTo(want[i]!, 5);
    // The last block's columns are embed's output.
    const embedded = cnn.embed(x);
    const last = tf.slice(readout, [0, 10], [3, 8]);
    expect(Array.from(last.dataSync())).toEqual(Array.from(embedded.dataSync()));
    tf.dispose([readout, expected, embedded, last, x]);
    cnn.dispose();
  });
});
