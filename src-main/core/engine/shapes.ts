import type { tf } from './backend';

/**
 * Throws if `tensor` does not have the expected shape. `null` in `expected` matches any size.
 * The message names the tensor and shows both shapes, e.g.
 * "nt-xent z1: expected shape [256, 64], got [256, 128]".
 */
export function assertShape(what: string, tensor: tf.Tensor, expected: readonly (number | null)[]): void {
  const actual = tensor.shape;
  const matches = actual.length === expected.length && expected.every((size, i) => size === null || size === actual[i]);
  if (!matches) {
    const shown = expected.map((size) => (size === null ? '?' : String(size))).join(', ');
    throw new Error(`${what}: expected shape [${shown}], got [${actual.join(', ')}]`);
  }
}
