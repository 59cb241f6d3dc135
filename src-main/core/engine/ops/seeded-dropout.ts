/**
 * Inverted dropout (Srivastava et al. 2014) whose mask is a pure function of (seed, site, shape):
 * the same seed gives the same mask on every backend, a different seed a different one. The text
 * encoders take one seed per training step from the run's RNG and give each dropout site in the
 * network its own number, so a run is reproducible and two passes of one batch with two seeds see
 * two masks (SimCSE's views).
 *
 * The mask is drawn in one JS loop (a counter-based hash per element) and uploaded as the scaled
 * keep mask, so applying it is one multiply; tf.dropout would add four full-size kernels (uniform,
 * add, floor, divide) after a slower JS generator.
 */
import { tf } from '../tf';

/** A 32-bit integer hash (lowbias32, Chris Wellons): good avalanche for consecutive inputs. */
function mix32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}

/** The seed of dropout site `site` for a step seed: distinct sites give unrelated masks. */
export function dropoutSiteSeed(stepSeed: number, site: number): number {
  return mix32((mix32(stepSeed >>> 0) ^ Math.imul(site + 1, 0x9e3779b9)) >>> 0);
}

/**
 * The scaled keep mask: each element is 1/(1 − rate) with probability 1 − rate, else 0.
 * Elements are independent draws of a hash of (seed, index), so the mask does not depend on the
 * order in which it is generated.
 */
export function dropoutMaskValues(size: number, rate: number, seed: number): Float32Array {
  if (!(rate >= 0 && rate < 1)) throw new RangeError(`dropout rate must be in [0, 1), got ${rate}`);
  const mask = new Float32Array(size);
  const scale = 1 / (1 - rate);
  // Keep when the 32-bit hash is at or above rate·2³².
  const threshold = Math.floor(rate * 4294967296);
  const key = mix32(seed >>> 0);
  for (let i = 0; i < size; i++) {
    if (mix32((key + Math.imul(i, 0x9e3779b9)) >>> 0) >= threshold) mask[i] = scale;
  }
  return mask;
}

/**
 * x · mask with the mask of `seed`; x itself when rate is 0. The mask is a constant of the graph:
 * the gradient is dy · mask.
 */
export function seededDropout<T extends tf.Tensor>(x: T, rate: number, seed: number): T {
  if (rate === 0) return x;
  return tf.tidy(() => tf.mul(x, tf.tensor(dropoutMaskValues(x.size, rate, seed), x.shape, 'float32')) as T);
}
