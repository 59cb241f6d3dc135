/**
 * BYOL (Grill, Strub, Altché, Tallec, Richemond, et al. 2020, "Bootstrap Your Own Latent"): the
 * online network (encoder, projector, predictor) predicts, from one view of an example, the target
 * network's projection of the other view; the target (encoder and projector) is not trained but
 * follows the online weights as an exponential moving average whose decay τ rises from τ_base to 1
 * over the run (§3.2). The loss is the symmetric normalised MSE (eq. 2, both views as either side);
 * there are no negatives. The embedding is the online encoder's output.
 *
 * Projector and predictor are the paper's MLPs (linear → BN → ReLU → linear), narrower for small
 * images. Both views go through each network as one batch of 2B, so batch norm sees both, as in
 * SimCLR here. The modality chooses the encoder and the views, as for SimCLR (two-view.ts): on
 * images SimCLR's augmentations for both sides (the paper's asymmetric blur and solarisation are not
 * used), on audio BYOL-A's, on text CLEAR's edits through the text encoder, whose dropout the target
 * applies too (its own masks), as it uses batch statistics on images.
 */
import type { InputSpec, ParamValues } from '../../../contract';
import type { LoadedData } from '../../data/types';
import { tf } from '../../engine/backend';
import { ProjectionHead } from '../heads/projection';
import { byolLoss } from '../losses/byol';
import { cosineMomentum } from '../optim/ema';
import { gridShape } from './image-encoder-params';
import { EncoderMethodRun } from './method-run';
import { MomentumCopy, TEXT_VIEW_PARAMS, TWO_VIEW_DEFAULTS_HELP, TWO_VIEW_PARAMS, twoViewBatch, twoViewDefaults, twoViewParams, type PairViews, type TwoViewParams } from './two-view';
import type { LossParts, MethodSetup, SslMethod, StepContext } from './types';
import { withTextRate } from './text-shared';
import { viewEncoderFor, type ViewEncoder } from './view-encoder';

export interface ByolParams extends TwoViewParams {
  baseMomentum: number;
  projectionDim: number;
  hiddenDim: number;
}

function byolParams(params: ParamValues): ByolParams {
  return {
    ...twoViewParams(params),
    baseMomentum: params.baseMomentum as number,
    projectionDim: params.projectionDim as number,
    hiddenDim: params.hiddenDim as number,
  };
}

/** Distinguishes the target's dropout masks from the online network's of the same step. */
const TARGET_SEED_MIX = 0x9e3779b9;

class ByolRun extends EncoderMethodRun<ViewEncoder> {
  private readonly params: ByolParams;
  private readonly projector: ProjectionHead;
  private readonly predictor: ProjectionHead;
  private readonly targetEncoder: ViewEncoder;
  private readonly targetProjector: ProjectionHead;
  /** The target network: the online encoder and projector's moving average. */
  private readonly target: MomentumCopy;
  private readonly views: PairViews;

  constructor(setup: MethodSetup) {
    const params = byolParams(setup.params);
    const { hiddenDim, projectionDim } = params;
    const encoder = viewEncoderFor(setup.spec, setup.params, setup.seed);
    const makeProjector = () => new ProjectionHead({ inputSize: encoder.embeddingSize, hiddenSize: hiddenDim, outputSize: projectionDim, batchNorm: true, seed: setup.seed + 1000 });
    const projector = makeProjector();
    const predictor = new ProjectionHead({ inputSize: projectionDim, hiddenSize: hiddenDim, outputSize: projectionDim, batchNorm: true, seed: setup.seed + 3000 });
    const targetEncoder = viewEncoderFor(setup.spec, setup.params, setup.seed);
    const targetProjector = makeProjector();
    super(encoder, { projector, predictor }, { weightDecay: params.weightDecay, kept: { targetEncoder, targetProjector } });
    this.params = params;
    this.projector = projector;
    this.predictor = predictor;
    this.targetEncoder = targetEncoder;
    this.targetProjector = targetProjector;
    this.target = new MomentumCopy([encoder, projector], [targetEncoder, targetProjector]);
    this.views = twoViewBatch(setup.spec, params);
  }

  async prepare(data: LoadedData): Promise<void> {
    await this.views.prepare?.(data);
  }

  trainStep(loaded: LoadedData, batch: Int32Array, context: StepContext): LossParts {
    const b = batch.length;
    const [view1, view2] = this.views.make(loaded, batch, context.rng); // [B, H, W, C] or [B, L] each
    const seed = this.encoder.passSeed(context.rng);
    const x = tf.concat([view1, view2], 0); // [2B, …]
    // Targets: no gradient; the target networks in training mode (batch statistics, dropout), as in the paper.
    const [z1, z2] = tf.tidy(() => tf.split(this.targetProjector.forward(this.targetEncoder.forwardTrain(x, (seed ^ TARGET_SEED_MIX) >>> 0)), [b, b], 0)) as [tf.Tensor2D, tf.Tensor2D]; // [B, P] each
    const parts = this.minimise(
      context,
      () => {
        const p = this.predictor.forward(this.projector.forward(this.encoder.forwardTrain(x, seed))); // [2B, P]
        const [p1, p2] = tf.split(p, [b, b], 0) as [tf.Tensor2D, tf.Tensor2D]; // [B, P] each
        return { total: byolLoss(p1, p2, z1, z2) };
      },
      [view1, view2, x, z1, z2],
    );
    // τ for update k (0-based) of K: τ_base at the first step, rising to 1 at the last.
    this.target.follow(cosineMomentum(context.step - 1, context.totalSteps, this.params.baseMomentum));
    return parts;
  }
}

export const byol: SslMethod = {
  id: 'byol',
  name: 'BYOL',
  family: 'self-distillation',
  description: 'Self-distillation, no negatives: from one view of an example (an image, a clip, a text), predict a slowly updated copy of the network’s projection of another view.',
  modalities: ['image', 'audio', 'text'],
  trains: true,
  params: [
    // A short run (the defaults give small datasets 200 steps; Fashion-MNIST 10,000 images, 4 epochs, is 156)
    // needs a target that moves. Fashion-MNIST, kNN / linear (untrained 0.746 / 0.782): τ_base 0.99 0.781 /
    // 0.809, 0.95 0.787 / 0.824, 0.9 with a rate of 8e-3 0.788 / 0.824; the image demo's default run (200
    // steps): 0.622 / 0.756, 0.711 / 0.767, 0.800 / 0.822 (MoCo: 0.856 / 0.933). The paper's 0.996 is for
    // 300,000 steps; its ablation finds every τ_base from 0.9 to 0.999 works.
    {
      name: 'baseMomentum',
      label: 'Target momentum',
      type: 'number',
      default: 0.9,
      min: 0,
      max: 1,
      help: 'τ_base, the target network’s moving-average decay at the first step, raised to 1 over the run on a cosine: 0.9 follows the online network within about 10 steps at first, as short runs need (the paper’s 0.996 suits its 300,000 steps).',
      scope: 'method',
    },
    { name: 'projectionDim', label: 'Projection size', type: 'integer', default: 128, min: 2, max: 4096, help: 'Output size of the projector and predictor (the embedding is taken before them).', scope: 'method', advanced: true },
    { name: 'hiddenDim', label: 'Hidden size', type: 'integer', default: 512, min: 2, max: 8192, help: 'Width of the hidden layer of the projector and of the predictor (the paper: 4096, for ImageNet).', scope: 'method', advanced: true },
    ...TWO_VIEW_PARAMS,
    ...TEXT_VIEW_PARAMS,
  ],
  // SimCLR's rules, but twice its rate on small images (measured with τ_base 0.9, above); larger images keep 2e-3 (not measured).
  // Text keeps the loop's rate, as the text methods do.
  defaults: (spec: InputSpec): ParamValues => {
    if (spec.modality === 'text') return twoViewDefaults(spec);
    return { ...twoViewDefaults(spec), learningRate: Math.min(...gridShape(spec).slice(0, 2)) < 48 ? 8e-3 : 2e-3 };
  },
  defaultsHelp: { ...TWO_VIEW_DEFAULTS_HELP, learningRate: withTextRate('8e-3 for images under 48 px, else 2e-3') },
  create: (setup) => new ByolRun(setup),
};
