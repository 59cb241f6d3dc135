import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, tf } from '../../../../src-main/core/engine/backend';
import { TransformerEncoder } from '../../../../src-main/core/ssl/encoders/transformer';
import { expectClose } from '../../engine/backend-compare';
import { describeTextEncoder, ids2d, MAX_LENGTH, tokenRows, VOCAB } from './text-encoder-checks';

beforeAll(async () => {
  await initBackend('wasm', { threads: 2 });
});

describeTextEncoder('TransformerEncoder', (o) => new TransformerEncoder({ ...o, layers: 2, heads: 2, ffnMultiplier: 2 }), 64);

describe('TransformerEncoder', () => {
  it('defaults to 4 pre-LN layers of width 128, 4 heads, FFN 4×, mean pooling', () => {
    const encoder = new TransformerEncoder({ vocabSize: VOCAB, maxLength: MAX_LENGTH, seed: 1 });
    expect(encoder.config).toMatchObject({ layers: 4, width: 128, heads: 4, ffnMultiplier: 4, pooling: 'mean', activation: 'relu' });
    // token + position embeddings, 12 per layer, final layer norm
    expect(encoder.variables).toHaveLength(2 + 4 * 12 + 2);
    expect(encoder.variables[0]!.shape).toEqual([VOCAB, 128]);
    expect(encoder.variables[1]!.shape).toEqual([MAX_LENGTH, 128]);
    expect(encoder.variables[4]!.name).toMatch(/^transformer_\d+\/layer0\/attention_qkv_weight$/);
    expect(encoder.variables[4]!.shape).toEqual([128, 384]);
    // Decay only on the four weight matrices of each block.
    expect(encoder.decayMask.filter(Boolean)).toHaveLength(16);
    expect(encoder.variables.filter((_, i) => encoder.decayMask[i]).every((v) => v.shape.length === 2 && !v.name.includes('embedding'))).toBe(true);
    encoder.dispose();
  });

  it('rejects a width not divisible by the heads and a dropout outside [0, 1)', () => {
    expect(() => new TransformerEncoder({ vocabSize: 10, maxLength: 8, width: 30, heads: 4, seed: 1 })).toThrow(/not divisible by 4 heads/);
    expect(() => new TransformerEncoder({ vocabSize: 10, maxLength: 8, width: 8, heads: 2, dropout: 1, seed: 1 })).toThrow(/dropout/);
  });

  it('gives the same initial weights for the same seed and different ones for another', () => {
    const make = (seed: number) => new TransformerEncoder({ vocabSize: VOCAB, maxLength: 8, width: 16, heads: 2, layers: 1, seed });
    const [a, b, c] = [make(5), make(5), make(6)];
    const ids = ids2d(tokenRows([5, 8], 8));
    const [ea, eb, ec] = [a.embed(ids), b.embed(ids), c.embed(ids)];
    expect(Array.from(eb.dataSync())).toEqual(Array.from(ea.dataSync()));
    expect(Array.from(ec.dataSync())).not.toEqual(Array.from(ea.dataSync()));
    tf.dispose([ids, ea, eb, ec]);
    [a, b, c].forEach((e) => e.dispose());
  });

  it('mean pooling is the mean of the real tokens’ hidden states; cls is the first one', () => {
    const encoder = new TransformerEncoder({ vocabSize: VOCAB, maxLength: 8, width: 16, heads: 2, layers: 1, dropout: 0, seed: 2 });
    const cls = new TransformerEncoder({ vocabSize: VOCAB, maxLength: 8, width: 16, heads: 2, layers: 1, dropout: 0, pooling: 'cls', seed: 2 });
    const ids = ids2d(tokenRows([3, 6], 6));
    const { hidden, pooled } = encoder.forwardTrain(ids, { dropoutSeed: 1 });
    const h = hidden.arraySync();
    const expected = [0, 1].flatMap((r) => {
      const n = r === 0 ? 3 : 6;
      return Array.from({ length: 16 }, (_, d) => h[r]!.slice(0, n).reduce((s, row) => s + row[d]!, 0) / n);
    });
    expectClose(pooled.dataSync() as Float32Array, Float32Array.from(expected), 1e-5, 'mean pooling');
    const first = cls.embed(ids);
    expectClose(first.dataSync() as Float32Array, Float32Array.from([0, 1].flatMap((r) => h[r]![0]!)), 1e-5, 'cls pooling');
    tf.dispose([ids, hidden, pooled, first]);
    encoder.dispose();
    cls.dispose();
  });

  it('GELU (tanh approximation) is offered and trains', () => {
    const encoder = new TransformerEncoder({ vocabSize: VOCAB, maxLength: 8, width: 16, heads: 2, layers: 1, activation: 'gelu', seed: 2 });
    const ids = ids2d(tokenRows([4, 8], 8));
    const { value, grads } = tf.variableGrads(() => tf.sum(encoder.forwardTrain(ids, { dropoutSeed: 1 }).pooled) as tf.Scalar, encoder.trainableVariables);
    expect(Number.isFinite(value.dataSync()[0])).toBe(true);
    const w1 = grads[encoder.variables[10]!.name]!; // layer0/ffn_weight1
    expect(Math.max(...Array.from(w1.dataSync()).map(Math.abs))).toBeGreaterThan(0);
    tf.dispose([ids, value, ...Object.values(grads)]);
    encoder.dispose();
  });
});
