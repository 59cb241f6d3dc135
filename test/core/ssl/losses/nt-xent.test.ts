import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, tf } from '../../../../src-main/core/engine/backend';
import { disposeNtXentCache, ntXentLoss } from '../../../../src-main/core/ssl/losses/nt-xent';
import { randomValues } from '../../engine/backend-compare';

/**
 * Independent float64 reference of Chen et al. 2020, eq. (1), written loop by loop from the
 * paper's definition: for every ordered positive pair (i, j),
 * ℓ(i, j) = −log(exp(sim(z_i, z_j)/τ) / Σ_{k≠i} exp(sim(z_i, z_k)/τ)), averaged over the 2N pairs.
 */
function ntXentReference(z1: number[][], z2: number[][], temperature: number): number {
  const z = [...z1, ...z2];
  const n = z1.length;
  const norm = (v: number[]) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));
  const sim = (u: number[], v: number[]) => u.reduce((s, x, k) => s + x * v[k]!, 0) / (norm(u) * norm(v));
  let total = 0;
  for (let i = 0; i < 2 * n; i++) {
    const j = i < n ? i + n : i - n;
    let denominator = 0;
    for (let k = 0; k < 2 * n; k++) if (k !== i) denominator += Math.exp(sim(z[i]!, z[k]!) / temperature);
    total += -Math.log(Math.exp(sim(z[i]!, z[j]!) / temperature) / denominator);
  }
  return total / (2 * n);
}

function rows(values: Float32Array, n: number, d: number): number[][] {
  return Array.from({ length: n }, (_, i) => Array.from(values.subarray(i * d, (i + 1) * d)));
}

describe.each(['wasm', 'cpu'] as const)('ntXentLoss on %s', (backend) => {
  beforeAll(async () => {
    await initBackend(backend, { threads: 1 });
    disposeNtXentCache();
  });

  it('matches a case worked out by hand', () => {
    // Two orthogonal examples, each view identical to its pair: every row has one positive at
    // cosine 1 (logit 1/τ = 2) and two negatives at cosine 0 (logit 0), so
    // ℓ = −log(e² / (e² + 2)) = log(1 + 2e⁻²) for all four rows.
    const z1 = tf.tensor2d([
      [1, 0],
      [0, 3],
    ]);
    const z2 = tf.tensor2d([
      [2, 0],
      [0, 1],
    ]);
    const loss = ntXentLoss(z1, z2, 0.5);
    expect(loss.dataSync()[0]).toBeCloseTo(Math.log(1 + 2 * Math.exp(-2)), 6);
    tf.dispose([z1, z2, loss]);
  });

  it('matches the float64 reference on random projections', () => {
    for (const [n, d, temperature] of [
      [5, 3, 0.5],
      [8, 16, 0.1],
      [3, 4, 1],
    ] as const) {
      const a = randomValues(n * d, 40 + n);
      const b = randomValues(n * d, 50 + n);
      const loss = ntXentLoss(tf.tensor2d(a, [n, d]), tf.tensor2d(b, [n, d]), temperature);
      expect(loss.dataSync()[0]).toBeCloseTo(ntXentReference(rows(a, n, d), rows(b, n, d), temperature), 4);
      loss.dispose();
    }
  });

  it('has the gradient of the reference (central differences in float64)', () => {
    const [n, d, temperature] = [4, 3, 0.5];
    const a = randomValues(n * d, 60);
    const b = randomValues(n * d, 61);
    const [ga, gb] = tf.grads((x: tf.Tensor, y: tf.Tensor) => ntXentLoss(x as tf.Tensor2D, y as tf.Tensor2D, temperature))([
      tf.tensor2d(a, [n, d]),
      tf.tensor2d(b, [n, d]),
    ]);
    const analytic = [...ga!.dataSync(), ...gb!.dataSync()];
    const h = 1e-6;
    const flat = [...a, ...b];
    // Perturb in float64 (a Float32Array would round a 1e-6 step away).
    const loss64 = (v: number[]) => {
      const z1 = Array.from({ length: n }, (_, i) => v.slice(i * d, (i + 1) * d));
      const z2 = Array.from({ length: n }, (_, i) => v.slice(n * d + i * d, n * d + (i + 1) * d));
      return ntXentReference(z1, z2, temperature);
    };
    flat.forEach((_, i) => {
      const plus = [...flat];
      const minus = [...flat];
      plus[i]! += h;
      minus[i]! -= h;
      const numeric = (loss64(plus) - loss64(minus)) / (2 * h);
      expect(analytic[i], `d loss / d input ${i}`).toBeCloseTo(numeric, 3);
    });
    tf.dispose([ga!, gb!]);
  });

  it('rejects mismatched shapes with the actual shapes in the message', () => {
    const z1 = tf.zeros([4, 3]) as tf.Tensor2D;
    const z2 = tf.zeros([4, 2]) as tf.Tensor2D;
    expect(() => ntXentLoss(z1, z2, 0.5)).toThrow('nt-xent z2 (must match z1): expected shape [4, 3], got [4, 2]');
    expect(() => ntXentLoss(tf.zeros([4]) as unknown as tf.Tensor2D, z2, 0.5)).toThrow('nt-xent z1: expected shape [?, ?], got [4]');
    expect(() => ntXentLoss(z1, z1, 0)).toThrow(/temperature must be > 0/);
    tf.dispose([z1, z2]);
  });
});
