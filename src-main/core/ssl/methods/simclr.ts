/**
 * SimCLR (Chen, Kornblith, Norouzi, Hinton 2020): two augmented views of each example go through the
 * encoder f and projection head g as one batch of 2B (so batch norm sees both views), NT-Xent pulls
 * each pair together against the other 2B − 2 views, and AdamW updates f and g. The embedding is
 * f's output (before the head), as in the paper. The modality chooses f and the views
 * (two-view.ts, view-encoder.ts): the CNN on images (SimCLR's crops and colour jitter) and audio
 * (BYOL-A's views of the spectrogram), the text encoder on text (CLEAR's edits, which with this loss
 * is CLEAR's contrastive objective; the embedding is the pooled output of the unedited text).
 */
import type { ParamValues } from '../../../contract';
import type { LoadedData } from '../../data/types';
import { tf } from '../../engine/backend';
import type { ProjectionHead } from '../heads/projection';
import { ntXentLoss } from '../losses/nt-xent';
import { EncoderMethodRun } from './method-run';
import { projectionHeadFor, TEXT_VIEW_PARAMS, TWO_VIEW_DEFAULTS_HELP, TWO_VIEW_PARAMS, twoViewBatch, twoViewDefaults, twoViewParams, type PairViews, type TwoViewParams } from './two-view';
import type { LossParts, MethodSetup, SslMethod, StepContext } from './types';
import { withTextRate } from './text-shared';
import { viewEncoderFor, type ViewEncoder } from './view-encoder';

/** NT-Xent's temperature on images (the declared default, 0.2, is the one of spectrograms and text). */
const IMAGE_TEMPERATURE = 0.1;

export interface SimclrParams extends TwoViewParams {
  temperature: number;
  projectionDim: number;
  headBatchNorm: boolean;
}

function simclrParams(params: ParamValues): SimclrParams {
  return {
    ...twoViewParams(params),
    temperature: params.temperature as number,
    projectionDim: params.projectionDim as number,
    headBatchNorm: params.headBatchNorm as boolean,
  };
}

class SimclrRun extends EncoderMethodRun<ViewEncoder> {
  private readonly head: ProjectionHead;
  private readonly params: SimclrParams;
  private readonly views: PairViews;

  constructor(setup: MethodSetup) {
    const params = simclrParams(setup.params);
    const encoder = viewEncoderFor(setup.spec, setup.params, setup.seed);
    const head = projectionHeadFor(encoder.embeddingSize, params, setup.seed + 1000);
    super(encoder, { head }, params);
    this.head = head;
    this.params = params;
    this.views = twoViewBatch(setup.spec, params);
  }

  async prepare(data: LoadedData): Promise<void> {
    await this.views.prepare?.(data);
  }

  trainStep(loaded: LoadedData, batch: Int32Array, context: StepContext): LossParts {
    const b = batch.length;
    const [view1, view2] = this.views.make(loaded, batch, context.rng); // [B, H, W, C] or [B, L] each
    const seed = this.encoder.passSeed(context.rng);
    return this.minimise(
      context,
      () => {
        const x = tf.concat([view1, view2], 0); // [2B, …]
        const z = this.head.forward(this.encoder.forwardTrain(x, seed)); // [2B, D]
        const [z1, z2] = tf.split(z, [b, b], 0) as [tf.Tensor2D, tf.Tensor2D]; // [B, D] each
        return { total: ntXentLoss(z1, z2, this.params.temperature) };
      },
      [view1, view2],
    );
  }
}

export const simclr: SslMethod = {
  id: 'simclr',
  name: 'SimCLR',
  family: 'contrastive',
  description: 'Contrastive: two augmented views of each example (an image, a clip, a text) should embed close together, apart from the other examples (NT-Xent).',
  modalities: ['image', 'audio', 'text'],
  trains: true,
  params: [
    { name: 'temperature', label: 'Temperature', type: 'number', default: 0.2, min: 0.01, max: 10, help: 'NT-Xent temperature τ: lower sharpens the contrast between pairs.', scope: 'method' },
    { name: 'projectionDim', label: 'Projection size', type: 'integer', default: 128, min: 2, max: 4096, help: 'Output size of the projection head g (the embedding is taken before it).', scope: 'method', advanced: true },
    { name: 'headBatchNorm', label: 'Batch norm in the head', type: 'boolean', default: true, help: 'Batch norm after the head’s hidden layer (as in SimCLR v2).', scope: 'method', advanced: true },
    ...TWO_VIEW_PARAMS,
    ...TEXT_VIEW_PARAMS,
  ],
  // From 24 px up a stride-2 first layer is about 3.4× faster at the same accuracy per epoch
  // (Fashion-MNIST, 4 epochs: kNN 0.796 / linear 0.824 against 0.795 / 0.827), so a time budget
  // buys three times the epochs; smaller images keep their full resolution. Small images: larger
  // crops and a higher peak rate learnt more in 10 minutes on Fashion-MNIST (kNN 0.827 / linear
  // 0.858, against 0.824 / 0.848 with crops from 0.2 and 2e-3). MoCo and BYOL share these rules.
  // Images contrast at τ = 0.1 (SimCLR's Table 5 finds 0.1 best with ℓ2-normalised outputs):
  // 10-minute Fashion-MNIST runs gave a linear probe (on the encoder's embeddings) of 0.861, 0.862
  // and 0.867 at 0.1 (seeds 2, 1, 1) against 0.854 at 0.2. Spectrograms and text keep 0.2, where
  // 0.1 is not measured.
  defaults: (spec) => ({ ...twoViewDefaults(spec), ...(spec.modality === 'image' ? { temperature: IMAGE_TEMPERATURE } : {}) }),
  defaultsHelp: { ...TWO_VIEW_DEFAULTS_HELP, learningRate: withTextRate(TWO_VIEW_DEFAULTS_HELP.learningRate!), temperature: `${IMAGE_TEMPERATURE} for images, else 0.2` },
  legacy: { temperature: 0.5, projectionDim: 64, headBatchNorm: false, learningRate: 1e-3, weightDecay: 1e-6, stemStride: 0 },
  create: (setup) => new SimclrRun(setup),
};
