import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, tf } from '../../../../src-main/core/engine/backend';
import { TransformerEncoder } from '../../../../src-main/core/ssl/encoders/transformer';
import { embedTexts, longestRow, TEXT_EMBED_BATCH } from '../../../../src-main/core/ssl/methods/text-shared';
import { Rng } from '../../../../src-main/core/ssl/random';

describe('embedTexts', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

  it('gives each row the embedding it gets alone, in the rows’ order, whatever the batch’s lengths', () => {
    const encoder = new TransformerEncoder({ vocabSize: 50, maxLength: 24, layers: 1, width: 16, heads: 2, seed: 3 });
    const rng = new Rng(4);
    const count = TEXT_EMBED_BATCH + 9; // two groups
    const rows = new Float32Array(count * 24);
    for (let r = 0; r < count; r++) {
      const n = 1 + rng.int(20);
      rows[r * 24] = 2; // [CLS]
      for (let t = 1; t <= n; t++) rows[r * 24 + t] = 6 + rng.int(44);
      rows[r * 24 + n + 1] = 3; // [SEP], then PAD (0)
    }
    const all = embedTexts(encoder, tf.tensor2d(rows, [count, 24]));
    expect(all.shape).toEqual([count, 16]);
    const values = all.arraySync();
    for (const r of [0, 7, count - 1]) {
      const width = longestRow(rows.subarray(r * 24, (r + 1) * 24), 1, 24);
      const ids = tf.tensor2d(Int32Array.from(rows.subarray(r * 24, r * 24 + width)), [1, width], 'int32');
      const alone = encoder.embed(ids).arraySync()[0]!;
      alone.forEach((v, j) => expect(values[r]![j]).toBeCloseTo(v, 4));
      tf.dispose(ids);
    }
    all.dispose();
    encoder.dispose();
  });

  it('finds the end of each row before its padding', () => {
    const rows = Float32Array.from([2, 9, 3, 0, 0, 2, 9, 9, 9, 3, 2, 3, 0, 0, 0]);
    expect(longestRow(rows, 3, 5)).toBe(5);
    expect(longestRow(rows.subarray(0, 5), 1, 5)).toBe(3);
    expect(longestRow(rows.subarray(10), 1, 5)).toBe(2);
  });
});
