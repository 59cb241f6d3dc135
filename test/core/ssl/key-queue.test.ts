import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, tf } from '../../../src-main/core/engine/backend';
import { KeyQueue, queueLengthFor } from '../../../src-main/core/ssl/key-queue';

beforeAll(async () => {
  await initBackend('cpu');
});

/** Keys whose first value names them (row r of batch `start` holds start + r), second value 0. */
function keys(start: number, count: number): tf.Tensor2D {
  return tf.tensor2d(Array.from({ length: count }, (_, r) => [start + r, 0]));
}

const firstColumn = (t: tf.Tensor2D): number[] => (t.arraySync() as number[][]).map((row) => row[0]!);

describe('KeyQueue', () => {
  it('starts with random unit keys in every row', () => {
    const queue = new KeyQueue(6, 3, 1);
    const norms = (tf.tidy(() => tf.norm(queue.keys, 'euclidean', 1)).arraySync() as number[]);
    norms.forEach((n) => expect(n).toBeCloseTo(1, 5));
    expect(queue.state()).toEqual({ length: 6, pointer: 0 });
    queue.dispose();
  });

  it('is first in, first out: each push replaces the oldest keys and wraps around', () => {
    const queue = new KeyQueue(8, 2, 1);
    queue.setLength(6);
    const push = (start: number, count: number) => {
      const k = keys(start, count);
      queue.push(k);
      k.dispose();
    };
    push(100, 2);
    push(200, 2);
    push(300, 2);
    expect(firstColumn(queue.negatives())).toEqual([100, 101, 200, 201, 300, 301]);
    expect(queue.pointer).toBe(0);
    push(400, 2); // the oldest batch (100) goes first
    expect(firstColumn(queue.negatives())).toEqual([400, 401, 200, 201, 300, 301]);
    push(500, 3); // rows 2, 3, 4
    expect(firstColumn(queue.negatives())).toEqual([400, 401, 500, 501, 502, 301]);
    push(600, 2); // wraps: row 5, then row 0
    expect(firstColumn(queue.negatives())).toEqual([601, 401, 500, 501, 502, 600]);
    expect(queue.pointer).toBe(1);
    // Rows beyond the length are never written.
    const unused = tf.slice(queue.keys, [6, 0], [2, 2]);
    (unused.arraySync() as number[][]).forEach((row) => expect(Math.hypot(...row)).toBeCloseTo(1, 5));
    unused.dispose();
    queue.dispose();
  });

  it('keeps only the newest keys of a batch longer than the queue', () => {
    const queue = new KeyQueue(3, 2, 1);
    const k = keys(10, 5);
    queue.push(k);
    expect(firstColumn(queue.keys)).toEqual([12, 13, 14]);
    expect(queue.pointer).toBe(0);
    tf.dispose([k]);
    queue.dispose();
  });

  it('restores its length and pointer, and refuses impossible ones', () => {
    const queue = new KeyQueue(8, 2, 1);
    queue.restore({ length: 4, pointer: 3 });
    expect(queue.state()).toEqual({ length: 4, pointer: 3 });
    expect(queue.negatives().shape).toEqual([4, 2]);
    expect(() => queue.restore({ length: 9, pointer: 0 })).toThrow('queue length must be an integer in [1, 8], got 9');
    expect(() => queue.restore({ length: 4, pointer: 4 })).toThrow('queue pointer must be an integer in [0, 4), got 4');
    const wrong = tf.zeros([2, 3]) as tf.Tensor2D;
    expect(() => queue.push(wrong)).toThrow('queue keys (size 2): expected shape [?, 2], got [2, 3]');
    wrong.dispose();
    queue.dispose();
  });

  it('does not leak tensors', () => {
    const queue = new KeyQueue(5, 2, 1);
    const k = keys(0, 3);
    queue.push(k);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 4; i++) queue.push(k);
    expect(tf.memory().numTensors).toBe(before);
    k.dispose();
    queue.dispose();
  });
});

describe('queueLengthFor', () => {
  it('holds at most half the dataset, in whole batches, and at least one batch', () => {
    expect(queueLengthFor(4096, 60_000, 256)).toBe(4096); // Fashion-MNIST: the capacity
    expect(queueLengthFor(4096, 10_000, 256)).toBe(4096);
    expect(queueLengthFor(4096, 5_000, 256)).toBe(2304); // 2500 → 9 batches
    expect(queueLengthFor(4096, 450, 64)).toBe(192); // the image demo: 225 → 3 batches
    expect(queueLengthFor(4096, 12, 4)).toBe(4);
    expect(queueLengthFor(4096, 8, 8)).toBe(8); // half a batch is too little: one batch
    expect(queueLengthFor(100, 10_000, 64)).toBe(64); // a capacity that is not a multiple of the batch
    expect(queueLengthFor(16, 10_000, 64)).toBe(16); // nor a whole batch
  });
});
