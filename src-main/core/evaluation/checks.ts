/**
 * Size and value checks shared by the evaluation metrics, and the row normalisation they all use.
 * Every message names the argument and shows the values it got, so a caller that passes an n × dim
 * matrix with the wrong n or dim sees at once which number is off.
 */

/** A row-major matrix of embeddings, n rows of dim values. */
export type Embeddings = Float32Array | Float64Array;

export function assertPositiveInteger(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer, got ${value}`);
}

export function assertNonNegativeInteger(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a non-negative integer, got ${value}`);
}

export function assertPositive(name: string, value: number): void {
  if (!(value > 0) || !Number.isFinite(value)) throw new Error(`${name} must be a positive finite number, got ${value}`);
}

/** Checks that `data` holds exactly rows × dim values. */
export function assertMatrix(name: string, data: ArrayLike<number>, rows: number, dim: number): void {
  assertNonNegativeInteger(`${name}: the number of rows`, rows);
  assertPositiveInteger(`${name}: dim`, dim);
  if (data.length !== rows * dim) {
    throw new Error(`${name} has ${data.length} values, expected ${rows} rows × ${dim} dims = ${rows * dim}`);
  }
}

/** Number of rows of a matrix whose length must be a multiple of dim. */
export function rowsOf(name: string, data: ArrayLike<number>, dim: number): number {
  assertPositiveInteger(`${name}: dim`, dim);
  if (data.length % dim !== 0) {
    throw new Error(`${name} has ${data.length} values, which is not a whole number of rows of dim ${dim}`);
  }
  return data.length / dim;
}

/**
 * Checks class labels: one per row, integers in [0, classes) (or ≥ 0 when classes is not given).
 * Returns the number of classes, max label + 1 when not given.
 */
export function assertLabels(name: string, labels: Int32Array, rows: number, classes?: number): number {
  if (!(labels instanceof Int32Array)) throw new Error(`${name} must be an Int32Array of class indices`);
  if (labels.length !== rows) throw new Error(`${name} has ${labels.length} labels for ${rows} rows`);
  if (classes !== undefined) assertPositiveInteger('classes', classes);
  let max = -1;
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i]!;
    if (y < 0 || (classes !== undefined && y >= classes)) {
      throw new Error(`${name}[${i}] is ${y}, outside the class range [0, ${classes === undefined ? '∞' : classes})`);
    }
    if (y > max) max = y;
  }
  return classes ?? max + 1;
}

/**
 * L2-normalised copy of the rows in float64, padded with zero rows up to a multiple of `padTo` so the
 * 4 × 4 dot-product kernel needs no remainder loops. Rows of norm zero stay zero. Throws on a value
 * that is not finite (NaN from a diverged run would otherwise poison every metric silently).
 */
export function normalisedRows(name: string, x: Embeddings, n: number, dim: number, padTo = 1): Float64Array {
  const rows = Math.ceil(n / padTo) * padTo;
  const out = new Float64Array(rows * dim);
  for (let i = 0; i < n; i++) {
    const o = i * dim;
    let sq = 0;
    for (let j = 0; j < dim; j++) {
      const v = x[o + j]!;
      if (!Number.isFinite(v)) throw new Error(`${name} has a non-finite value (${v}) at row ${i}, column ${j}`);
      sq += v * v;
    }
    const inv = sq > 0 ? 1 / Math.sqrt(sq) : 0;
    for (let j = 0; j < dim; j++) out[o + j] = x[o + j]! * inv;
  }
  return out;
}
