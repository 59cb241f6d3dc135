import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, tf } from '../../../../src-main/core/engine/backend';
import { TransformerEncoder } from '../../../../src-main/core/ssl/encoders/transformer';
import { TEXT_TOKEN_IDS } from '../../../../src-main/contract';
import { writeTokenRow } from '../../../../src-main/core/data/text';
import { loadTokenizer } from '../../../../src-main/core/data/tokenizer';
import { embedTexts, longestRow, TEXT_EMBED_BATCH, TextViewPairs } from '../../../../src-main/core/ssl/methods/text-shared';
import { Rng } from '../../../../src-main/core/ssl/random';
import { chooseAugmentations, sampleTextView, BASIC_TEXT_AUGMENTATIONS } from '../../../../src-main/core/ssl/views/text';
import { tinyTexts } from './tiny-data';

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

describe('TextViewPairs', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

  it('edits every text twice, one augmentation per view for the whole batch, both views trimmed to the longest', async () => {
    const data = await tinyTexts();
    const pairs = new TextViewPairs(data.spec, false);
    const batch = Int32Array.from([0, 2, 8, 10]); // two English texts, the Japanese one, the empty one
    expect(() => pairs.make(data, batch, new Rng(1))).toThrow('prepare() must run before the first batch');
    await pairs.prepare(data);
    const [first, second] = pairs.make(data, batch, new Rng(5));
    expect(first.dtype).toBe('int32');
    expect(first.shape[0]).toBe(4);
    expect(second.shape).toEqual(first.shape);

    // The same draws by hand: two augmentations for the batch, then each text's first and second view.
    const length = data.spec.maxLength;
    const context = { continuation: loadTokenizer(data.spec.tokenizer).continuation };
    const rng = new Rng(5);
    const kinds = chooseAugmentations(rng, 2, BASIC_TEXT_AUGMENTATIONS);
    const rows = new Float32Array(8 * length);
    batch.forEach((item, i) => {
      const ids = data.tokens.subarray(data.offsets[item]!, data.offsets[item + 1]!);
      writeTokenRow(sampleTextView(ids, kinds[0]!, rng, context), length, rows, i * length);
      writeTokenRow(sampleTextView(ids, kinds[1]!, rng, context), length, rows, (4 + i) * length);
    });
    const width = longestRow(rows, 8, length);
    expect(first.shape[1]).toBe(width);
    const trimmed = (row: number): number[] => Array.from(rows.subarray(row * length, row * length + width));
    expect(first.arraySync()).toEqual([0, 1, 2, 3].map(trimmed));
    expect(second.arraySync()).toEqual([4, 5, 6, 7].map(trimmed));
    expect(first.arraySync()[3]!.slice(0, 2)).toEqual([TEXT_TOKEN_IDS.cls, TEXT_TOKEN_IDS.sep]); // the empty text stays [CLS] [SEP]

    // A view order puts text i's second view at row order[i], drawing the same views.
    const [, shuffled] = pairs.make(data, batch, new Rng(5), Int32Array.from([2, 0, 3, 1]));
    const rowsOf = second.arraySync();
    expect(shuffled.arraySync()).toEqual([rowsOf[1], rowsOf[3], rowsOf[0], rowsOf[2]]);
    tf.dispose([first, second, shuffled]);
  });
});
