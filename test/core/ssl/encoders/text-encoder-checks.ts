/**
 * The checks every text encoder passes (transformer.test.ts and text-conv.test.ts run them): shapes,
 * padding invariance, the causal mask, seeded dropout, gradients, memory, and wasm against cpu.
 */
import { describe, expect, it } from 'vitest';
import { tf } from '../../../../src-main/core/engine/backend';
import type { TextEmbedOptions, TextEncoderOutput, TextForwardOptions } from '../../../../src-main/core/ssl/encoders/transformer';
import { expectClose, expectWasmMatchesCpu, randomValues } from '../../engine/backend-compare';

export interface TextEncoderLike {
  readonly embeddingSize: number;
  readonly tokenEmbedding: tf.Variable;
  forwardTrain(ids: tf.Tensor2D, options?: TextForwardOptions): TextEncoderOutput;
  embed(ids: tf.Tensor2D, options?: TextEmbedOptions): tf.Tensor2D;
  readonly trainableVariables: tf.Variable[];
  readonly decayMask: boolean[];
  readonly variables: tf.Variable[];
  dispose(): void;
}

export interface EncoderFactoryOptions {
  vocabSize: number;
  maxLength: number;
  width: number;
  dropout: number;
  pooling?: 'mean' | 'cls';
  seed: number;
}

export type EncoderFactory = (options: EncoderFactoryOptions) => TextEncoderLike;

export const VOCAB = 40;
export const MAX_LENGTH = 40;

/** Deterministic non-special token ids (6..VOCAB−1), one row per entry of `lengths`, padded with PAD = 0 to `width`. */
export function tokenRows(lengths: number[], width: number, seed = 1): number[][] {
  const values = randomValues(lengths.length * width, seed);
  return lengths.map((n, r) => Array.from({ length: width }, (_, c) => (c < n ? 6 + Math.floor(((values[r * width + c]! + 1) / 2) * (VOCAB - 6)) : 0)));
}

export function ids2d(rows: number[][]): tf.Tensor2D {
  return tf.tensor2d(rows, [rows.length, rows[0]!.length], 'int32');
}

function values(t: tf.Tensor): Float32Array {
  return t.dataSync() as Float32Array;
}

/** A loss that reaches every output: weighted sums of the pooled embedding and the hidden states. */
function probeLoss(out: TextEncoderOutput): tf.Scalar {
  const w1 = tf.tensor(randomValues(out.pooled.size, 91), out.pooled.shape);
  const w2 = tf.tensor(randomValues(out.hidden.size, 92), out.hidden.shape);
  return tf.add(tf.sum(tf.mul(out.pooled, w1)), tf.sum(tf.mul(out.hidden, w2))) as tf.Scalar;
}

export function describeTextEncoder(name: string, make: EncoderFactory, width: number): void {
  const base: EncoderFactoryOptions = { vocabSize: VOCAB, maxLength: MAX_LENGTH, width, dropout: 0.1, seed: 3 };

  describe(`${name}: the text-encoder contract`, () => {
    it('gives [B, L, D] hidden states, [B, D] pooled embeddings and a [V, D] token embedding', () => {
      const encoder = make(base);
      const ids = ids2d(tokenRows([7, 5, 2], 9));
      const { hidden, pooled } = encoder.forwardTrain(ids, { dropoutSeed: 1 });
      const embedded = encoder.embed(ids);
      expect(hidden.shape).toEqual([3, 9, width]);
      expect(pooled.shape).toEqual([3, width]);
      expect(embedded.shape).toEqual([3, width]);
      expect(encoder.embeddingSize).toBe(width);
      expect(encoder.tokenEmbedding.shape).toEqual([VOCAB, width]);
      expect(encoder.decayMask).toHaveLength(encoder.trainableVariables.length);
      expect(encoder.decayMask.some(Boolean) && !encoder.decayMask.every(Boolean)).toBe(true);
      const names = encoder.variables.map((v) => v.name);
      expect(new Set(names).size).toBe(names.length);
      tf.dispose([ids, hidden, pooled, embedded]);
      encoder.dispose();
    });

    it('rejects ids that are not [B, L] int32 within maxLength', () => {
      const encoder = make(base);
      const floats = tf.zeros([2, 4]) as tf.Tensor2D;
      const tooLong = tf.zeros([1, MAX_LENGTH + 1], 'int32') as tf.Tensor2D;
      const rank3 = tf.zeros([1, 2, 3], 'int32') as unknown as tf.Tensor2D;
      expect(() => encoder.embed(floats)).toThrow(/int32/);
      expect(() => encoder.embed(tooLong)).toThrow(/maxLength/);
      expect(() => encoder.embed(rank3)).toThrow(/expected shape \[\?, \?\], got \[1, 2, 3\]/);
      tf.dispose([floats, tooLong, rank3]);
      encoder.dispose();
    });

    it.each(['mean', 'cls'] as const)('appending PAD tokens changes no %s-pooled embedding', (pooling) => {
      const encoder = make({ ...base, pooling });
      const rows = tokenRows([6, 3, 8], 8);
      const short = ids2d(rows);
      const long = ids2d(rows.map((r) => [...r, 0, 0, 0, 0, 0]));
      const a = encoder.embed(short);
      const b = encoder.embed(long);
      expectClose(values(b), values(a), 1e-5, 'padded vs unpadded');
      // A sequence's embedding does not depend on the others in its batch or on their lengths.
      const alone = ids2d([rows[1]!.slice(0, 3)]);
      const c = encoder.embed(alone);
      expectClose(values(c), values(a).slice(width, 2 * width), 1e-5, 'alone vs in a batch');
      tf.dispose([short, long, a, b, alone, c]);
      encoder.dispose();
    });

    it('embeds a row of only PAD tokens to finite values', () => {
      const encoder = make(base);
      const ids = ids2d([[0, 0, 0, 0], ...tokenRows([4], 4)]);
      const out = encoder.embed(ids);
      expect(values(out).every(Number.isFinite)).toBe(true);
      tf.dispose([ids, out]);
      encoder.dispose();
    });

    it('with causal, changing a later token changes no earlier hidden state (and without, it does)', () => {
      const encoder = make({ ...base, dropout: 0 });
      const rows = tokenRows([10, 10], 10);
      const changed = rows.map((r) => r.map((t, c) => (c === 6 ? 6 + ((t - 6 + 7) % (VOCAB - 6)) : t)));
      const [x, y] = [ids2d(rows), ids2d(changed)];
      const hidden = (ids: tf.Tensor2D, causal: boolean) => {
        const out = encoder.forwardTrain(ids, { causal, dropoutSeed: 1 });
        out.pooled.dispose();
        return out.hidden;
      };
      const [hx, hy, bx, by] = [hidden(x, true), hidden(y, true), hidden(x, false), hidden(y, false)];
      const before = (h: tf.Tensor3D) => values(tf.tidy(() => tf.slice(h, [0, 0, 0], [2, 6, width])));
      const at = (h: tf.Tensor3D, position: number) => values(tf.tidy(() => tf.slice(h, [0, position, 0], [2, 1, width])));
      expectClose(before(hy), before(hx), 1e-6, 'causal: positions 0..5');
      expect(maxAbsDiff(at(hy, 6), at(hx, 6))).toBeGreaterThan(1e-3);
      expect(maxAbsDiff(before(by), before(bx))).toBeGreaterThan(1e-3);
      tf.dispose([x, y, hx, hy, bx, by]);
      encoder.dispose();
    });

    it('draws dropout masks from the seed: same seed, same output; another seed, another; embed has none', () => {
      const encoder = make(base);
      const ids = ids2d(tokenRows([9, 6, 4, 9], 9));
      const pooled = (seed: number) => {
        const out = encoder.forwardTrain(ids, { dropoutSeed: seed });
        out.hidden.dispose();
        return out.pooled;
      };
      const [a, b, c] = [pooled(11), pooled(11), pooled(12)];
      expect(Array.from(values(b))).toEqual(Array.from(values(a)));
      expect(maxAbsDiff(values(c), values(a))).toBeGreaterThan(1e-3);
      const [e1, e2] = [encoder.embed(ids), encoder.embed(ids)];
      expect(Array.from(values(e2))).toEqual(Array.from(values(e1)));
      expect(maxAbsDiff(values(e1), values(a))).toBeGreaterThan(1e-3);
      tf.dispose([ids, a, b, c, e1, e2]);
      encoder.dispose();

      // Without dropout, training and inference forwards agree.
      const plain = make({ ...base, dropout: 0 });
      const ids2 = ids2d(tokenRows([5, 3], 6));
      const train = plain.forwardTrain(ids2, { dropoutSeed: 5 });
      const inferred = plain.embed(ids2);
      expectClose(values(train.pooled), values(inferred), 1e-6, 'dropout 0 vs embed');
      // A model trained causally can embed causally.
      const causalTrain = plain.forwardTrain(ids2, { causal: true, dropoutSeed: 5 });
      const causalInferred = plain.embed(ids2, { causal: true });
      expectClose(values(causalTrain.pooled), values(causalInferred), 1e-6, 'causal: dropout 0 vs embed');
      expect(maxAbsDiff(values(causalInferred), values(inferred))).toBeGreaterThan(1e-3);
      tf.dispose([ids2, train.hidden, train.pooled, inferred, causalTrain.hidden, causalTrain.pooled, causalInferred]);
      plain.dispose();
    });

    it('gives every trainable variable a finite, nonzero gradient, and holds its tensor count over steps', () => {
      const encoder = make(base);
      const ids = ids2d(tokenRows([8, 5, 8, 2], 8));
      const step = (seed: number): Record<string, Float32Array> =>
        tf.tidy(() => {
          const { value, grads } = tf.variableGrads(() => probeLoss(encoder.forwardTrain(ids, { dropoutSeed: seed })), encoder.trainableVariables);
          value.dataSync();
          return Object.fromEntries(Object.entries(grads).map(([k, g]) => [k, values(g)]));
        });
      const grads = step(1);
      expect(Object.keys(grads).sort()).toEqual(encoder.trainableVariables.map((v) => v.name).sort());
      for (const [variable, g] of Object.entries(grads)) {
        expect(g.every(Number.isFinite), `${variable}: finite`).toBe(true);
        expect(g.some((x) => x !== 0), `${variable}: nonzero`).toBe(true);
      }
      const count = tf.memory().numTensors;
      for (let i = 2; i <= 4; i++) {
        step(i);
        const embedded = encoder.embed(ids);
        embedded.dispose();
        expect(tf.memory().numTensors).toBe(count);
      }
      ids.dispose();
      encoder.dispose();
    });

    it('matches the cpu backend on wasm, forward and backward, with dropout and the causal mask', async () => {
      // Sizes where the wasm kernels take their fast paths (grouped batched matmul, threaded matmul, leading-axis sums).
      const encoder = make({ ...base, maxLength: 32 });
      const rows = tokenRows([32, 20, 31, 7, 32, 16, 25, 32], 32, 4);
      for (const causal of [false, true]) {
        await expectWasmMatchesCpu(
          [],
          () => {
            const ids = ids2d(rows);
            const { value, grads } = tf.variableGrads(() => probeLoss(encoder.forwardTrain(ids, { causal, dropoutSeed: 9 })), encoder.trainableVariables);
            const out = encoder.forwardTrain(ids, { causal, dropoutSeed: 9 });
            return [value, out.hidden, out.pooled, encoder.embed(ids), ...encoder.trainableVariables.map((v) => grads[v.name]!)];
          },
          `${name} forward and gradients (causal ${causal})`,
          // Each kernel matches cpu to 1e-4 (test/core/engine/wasm/...); the first layer's gradients
          // come out of ~200 kernels that each round in another order, and reach ~1.1e-4 at worst.
          3e-4,
        );
      }
      encoder.dispose();
    });
  });
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  return worst;
}
