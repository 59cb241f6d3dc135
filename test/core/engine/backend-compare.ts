/**
 * Test helpers: run the same computation on the wasm and cpu backends from identical inputs and
 * compare the results.
 */
import { expect } from 'vitest';
import { tf } from '../../../src-main/core/engine/backend';

/** Deterministic uniform(−1, 1) values (mulberry32), so failures reproduce. */
export function randomValues(size: number, seed: number): Float32Array {
  let state = seed >>> 0;
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = ((t ^ (t >>> 14)) >>> 0) / 4294967296 * 2 - 1;
  }
  return out;
}

export interface InputSpec {
  shape: number[];
  seed: number;
}

/**
 * Builds the inputs on `backend`, runs `compute`, and returns every output's values.
 * `compute` receives the inputs as tensors in the order given.
 */
export async function runOn(
  backend: 'wasm' | 'cpu',
  inputs: InputSpec[],
  compute: (...xs: tf.Tensor[]) => tf.Tensor | tf.Tensor[],
): Promise<Float32Array[]> {
  if (!(await tf.setBackend(backend))) throw new Error(`could not switch to the ${backend} backend`);
  return tf.tidy(() => {
    const xs = inputs.map((spec) => tf.tensor(randomValues(spec.shape.reduce((a, b) => a * b, 1), spec.seed), spec.shape));
    const result = compute(...xs);
    const outputs = Array.isArray(result) ? result : [result];
    return outputs.map((t) => t.dataSync() as Float32Array);
  });
}

/** Element-wise |a − b| ≤ tol·max(1, |b|): 1e-4 relative for large values, absolute below 1. */
export function expectClose(actual: Float32Array, expected: Float32Array, tol = 1e-4, what = 'values'): void {
  expect(actual.length, `${what}: length`).toBe(expected.length);
  let worst = 0;
  let worstAt = -1;
  for (let i = 0; i < expected.length; i++) {
    const error = Math.abs(actual[i]! - expected[i]!) / Math.max(1, Math.abs(expected[i]!));
    if (!(error <= worst)) {
      worst = error;
      worstAt = i;
    }
  }
  expect(worst, `${what}: worst relative error at ${worstAt} (got ${actual[worstAt]}, want ${expected[worstAt]})`).toBeLessThanOrEqual(tol);
}

/** Runs `compute` on wasm and on cpu and expects every output to match. */
export async function expectWasmMatchesCpu(
  inputs: InputSpec[],
  compute: (...xs: tf.Tensor[]) => tf.Tensor | tf.Tensor[],
  what: string,
  tol = 1e-4,
): Promise<void> {
  const expected = await runOn('cpu', inputs, compute);
  const actual = await runOn('wasm', inputs, compute);
  expect(actual.length).toBe(expected.length);
  actual.forEach((values, i) => expectClose(values, expected[i]!, tol, `${what} output ${i}`));
}
