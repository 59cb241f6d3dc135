/**
 * Raw pixels: the baseline every learned embedding should beat. Each image is resized (the same
 * way the learned methods see it), flattened and, optionally, reduced with PCA fitted on the
 * dataset; no training, seconds. It goes through the same extraction, evaluation and search as
 * every method, so the run table says at a glance whether self-supervision helped.
 */
import type { ParamValues } from '../../../contract';
import { dataFor } from '../../data';
import type { LoadedData } from '../../data/types';
import { inputSize } from '../../data/types';
import { tf } from '../../engine/backend';
import { ownedVariable, uniqueScope } from '../../engine/variables';
import { fitPca, topEigenvectors } from '../../projection/pca';
import type { MethodSetup, SslMethod, TrainableMethod } from './types';

/** PCA is fitted on at most this many images (a seeded-order prefix is enough for a stable basis). */
const PCA_FIT_ITEMS = 10_000;
/**
 * Above this many pixel values per image (64×64 colour is 12,288) the dim × dim covariance no
 * longer fits the time or memory of a baseline; the basis then comes from the Gram matrix of a
 * smaller sample instead (the same principal directions, from GRAM_FIT_ITEMS images).
 */
const COVARIANCE_MAX_DIM = 2048;
const GRAM_FIT_ITEMS = 600;

class RawPixelsRun implements TrainableMethod {
  readonly trains = false;
  readonly embeddingDim: number;
  optimizerStep = 0;
  private readonly inputDim: number;
  private readonly components: number;
  /** [inputDim, k] projection and [inputDim] mean, when PCA is on. */
  private readonly basis: tf.Variable | null;
  private readonly mean: tf.Variable | null;

  constructor(private readonly setup: MethodSetup) {
    this.inputDim = inputSize(dataFor(setup.spec.modality), setup.spec);
    const requested = setup.params.pcaDims as number;
    this.components = requested > 0 ? Math.min(requested, this.inputDim) : 0;
    this.embeddingDim = this.components > 0 ? this.components : this.inputDim;
    const scope = uniqueScope('raw_pixels');
    this.basis = this.components > 0 ? ownedVariable(tf.zeros([this.inputDim, this.components]), false, `${scope}/pca_basis`) : null;
    this.mean = this.components > 0 ? ownedVariable(tf.zeros([this.inputDim]), false, `${scope}/pca_mean`) : null;
  }

  prepare(data: LoadedData): void {
    if (!this.basis || !this.mean) return;
    const module = dataFor(data.modality);
    const large = this.inputDim > COVARIANCE_MAX_DIM;
    const n = Math.min(large ? GRAM_FIT_ITEMS : PCA_FIT_ITEMS, data.itemIds.length);
    const rows = new Float32Array(n * this.inputDim);
    const indices = Int32Array.from({ length: n }, (_, i) => i);
    module.centre(data, indices, rows);
    const { mean, components } = large ? gramPca(rows, n, this.inputDim, this.components, this.setup.seed) : fitPca(rows, n, this.inputDim, this.components, { seed: this.setup.seed });
    const k = components.length / this.inputDim;
    const basis = new Float32Array(this.inputDim * this.components);
    for (let c = 0; c < k; c++) {
      for (let d = 0; d < this.inputDim; d++) basis[d * this.components + c] = components[c * this.inputDim + d]!;
    }
    tf.tidy(() => {
      this.basis!.assign(tf.tensor2d(basis, [this.inputDim, this.components]));
      this.mean!.assign(tf.tensor1d(Float32Array.from(mean)));
    });
  }

  trainStep(): never {
    throw new Error('Raw pixels is a baseline: it has nothing to train');
  }

  embed(x: tf.Tensor): tf.Tensor2D {
    return tf.tidy(() => {
      const flat = tf.reshape(x, [x.shape[0]!, this.inputDim]) as tf.Tensor2D; // [B, inputDim]
      if (!this.basis || !this.mean) return tf.clone(flat);
      return tf.matMul(tf.sub(flat, this.mean), this.basis as tf.Variable<tf.Rank.R2>); // [B, k]
    });
  }

  stateVariables(): { name: string; variable: tf.Variable }[] {
    return this.basis && this.mean
      ? [
          { name: 'pca.basis', variable: this.basis },
          { name: 'pca.mean', variable: this.mean },
        ]
      : [];
  }

  dispose(): void {
    this.basis?.dispose();
    this.mean?.dispose();
  }
}

/**
 * PCA through the n × n Gram matrix of the centred rows (n ≪ dim): its top eigenvectors u give the
 * principal directions Xᵀu / ‖Xᵀu‖. Components beyond the sample's rank stay zero.
 */
export function gramPca(rows: Float32Array, n: number, dim: number, k: number, seed: number): { mean: Float64Array; components: Float32Array } {
  const mean = new Float64Array(dim);
  for (let i = 0; i < n; i++) for (let d = 0; d < dim; d++) mean[d]! += rows[i * dim + d]! / n;
  const centred = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) for (let d = 0; d < dim; d++) centred[i * dim + d] = rows[i * dim + d]! - mean[d]!;
  const gram = new Float64Array(n * n);
  for (let a = 0; a < n; a++) {
    const ra = a * dim;
    for (let b = a; b < n; b++) {
      const rb = b * dim;
      let s = 0;
      for (let d = 0; d < dim; d++) s += centred[ra + d]! * centred[rb + d]!;
      gram[a * n + b] = s;
      gram[b * n + a] = s;
    }
  }
  const kept = Math.min(k, n - 1);
  const { vectors } = topEigenvectors(gram, n, kept, seed); // [kept × n]
  const components = new Float32Array(k * dim);
  for (let c = 0; c < kept; c++) {
    const row = components.subarray(c * dim, (c + 1) * dim);
    for (let i = 0; i < n; i++) {
      const u = vectors[c * n + i]!;
      const src = centred.subarray(i * dim, (i + 1) * dim);
      for (let d = 0; d < dim; d++) row[d]! += u * src[d]!;
    }
    let norm = 0;
    for (let d = 0; d < dim; d++) norm += row[d]! * row[d]!;
    const scale = 1 / Math.sqrt(norm || 1);
    for (let d = 0; d < dim; d++) components[c * dim + d]! *= scale;
  }
  return { mean, components };
}

export const rawPixels: SslMethod = {
  id: 'raw-pixels',
  name: 'Raw pixels',
  family: 'baseline',
  description: 'Baseline, no training: each image resized and flattened (optionally reduced with PCA), to see what self-supervision adds.',
  modalities: ['image'],
  trains: false,
  params: [
    {
      name: 'pcaDims',
      label: 'PCA dimensions',
      type: 'integer',
      default: 0,
      min: 1,
      max: 4096,
      auto: { value: 0, label: 'No PCA' },
      help: 'Reduce the flattened pixels to this many principal components, fitted on the dataset.',
      scope: 'method',
    },
  ],
  defaults: (): ParamValues => ({}),
  create: (setup) => new RawPixelsRun(setup),
};
