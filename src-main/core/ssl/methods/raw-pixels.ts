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
import { fitPca } from '../../projection/pca';
import type { MethodSetup, SslMethod, TrainableMethod } from './types';

/** PCA is fitted on at most this many images (a seeded-order prefix is enough for a stable basis). */
const PCA_FIT_ITEMS = 10_000;

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
    const n = Math.min(PCA_FIT_ITEMS, data.itemIds.length);
    const rows = new Float32Array(n * this.inputDim);
    const indices = Int32Array.from({ length: n }, (_, i) => i);
    module.centre(data, indices, rows);
    const model = fitPca(rows, n, this.inputDim, this.components, { seed: this.setup.seed });
    const basis = new Float32Array(this.inputDim * this.components);
    for (let c = 0; c < this.components; c++) {
      for (let d = 0; d < this.inputDim; d++) basis[d * this.components + c] = model.components[c * this.inputDim + d]!;
    }
    tf.tidy(() => {
      this.basis!.assign(tf.tensor2d(basis, [this.inputDim, this.components]));
      this.mean!.assign(tf.tensor1d(Float32Array.from(model.mean)));
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
