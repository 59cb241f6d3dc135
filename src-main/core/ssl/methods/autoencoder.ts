/**
 * A convolutional autoencoder (Hinton & Salakhutdinov 2006; Masci et al. 2011 for the convolutional
 * form): the contrastive methods' encoder compresses each image to its pooled features, a mirrored
 * decoder (decoders/image.ts) rebuilds the image from them alone, and AdamW minimises the
 * reconstruction error (MSE or BCE). The embedding is the encoder's output, the code the decoder
 * reads, as SimCLR's is taken before its head.
 */
import type { InputSpec, ParamValues } from '../../../contract';
import { asImageSpec, type ImageData } from '../../data/image';
import type { LoadedData } from '../../data/types';
import { tf } from '../../engine/backend';
import type { ConvDecoder } from '../decoders/image';
import type { SmallCnn } from '../encoders/small-cnn';
import { reconstructedImage, reconstructionLoss, RECONSTRUCTION_KINDS, type ReconstructionKind } from '../losses/reconstruction';
import { AdamW } from '../optim/adamw';
import { CentreBatch, mirroredDecoder, pixelsOf, sharedImageEncoder } from './generative-shared';
import { named } from './state-names';
import { GENERATIVE_LEARNING_RATE_HELP, generativeLearningRateFor, STEM_STRIDE_HELP, STEM_STRIDE_PARAM, stemStrideFor } from './image-encoder-params';
import type { LossParts, MethodSetup, PreviewRow, SslMethod, StepContext, TrainableMethod } from './types';
import { minimise } from '../optim/minimise';

class AutoencoderRun implements TrainableMethod {
  readonly trains = true;
  readonly embeddingDim: number;
  private readonly encoder: SmallCnn;
  private readonly decoder: ConvDecoder;
  private readonly optimizer: AdamW;
  private readonly trainable: tf.Variable[];
  private readonly loss: ReconstructionKind;
  private readonly inputs = new CentreBatch();

  constructor(setup: MethodSetup) {
    const spec = asImageSpec(setup.spec);
    this.loss = setup.params.reconstruction as ReconstructionKind;
    this.encoder = sharedImageEncoder(spec, setup.seed, ((setup.params.stemStride as number | undefined) ?? 0) as 0 | 1 | 2);
    this.embeddingDim = this.encoder.embeddingSize;
    this.decoder = mirroredDecoder(this.encoder, this.embeddingDim, setup.seed + 2000);
    this.trainable = [...this.encoder.trainableVariables, ...this.decoder.trainableVariables];
    this.optimizer = new AdamW(this.trainable, {
      weightDecay: (setup.params.weightDecay as number | undefined) ?? 0,
      decayMask: [...this.encoder.decayMask, ...this.decoder.decayMask],
    });
  }

  get optimizerStep(): number {
    return this.optimizer.step;
  }
  set optimizerStep(step: number) {
    this.optimizer.step = step;
  }

  trainStep(loaded: LoadedData, batch: Int32Array, context: StepContext): LossParts {
    const x = this.inputs.tensor(loaded as ImageData, batch); // [B, H, W, C]
    return minimise(
      this.optimizer,
      this.trainable,
      context.learningRate,
      () => {
        const output = this.decoder.forwardTrain(this.encoder.forwardTrain(x)); // [B, H, W, C]
        return { total: reconstructionLoss(output, x, this.loss) };
      },
      [x],
    );
  }

  embed(x: tf.Tensor): tf.Tensor2D {
    return this.encoder.embed(x as tf.Tensor4D);
  }

  previews(inputs: tf.Tensor4D): PreviewRow[] {
    const output = tf.tidy(() => reconstructedImage(this.decoder.decode(this.encoder.embed(inputs)), this.loss));
    try {
      return [
        { label: 'Original', images: pixelsOf(inputs) },
        { label: 'Reconstruction', images: pixelsOf(output) },
      ];
    } finally {
      output.dispose();
    }
  }

  stateVariables(): { name: string; variable: tf.Variable }[] {
    return [...named('encoder', this.encoder.variables), ...named('decoder', this.decoder.variables), ...named('adam', this.optimizer.stateVariables())];
  }

  dispose(): void {
    this.encoder.dispose();
    this.decoder.dispose();
    this.optimizer.dispose();
  }
}

export const autoencoder: SslMethod = {
  id: 'autoencoder',
  name: 'Autoencoder',
  family: 'generative',
  description: 'Generative: the encoder compresses each image to its embedding and a decoder must rebuild the image from it alone.',
  modalities: ['image'],
  trains: true,
  params: [
    {
      name: 'reconstruction',
      label: 'Reconstruction loss',
      type: 'choice',
      choices: RECONSTRUCTION_KINDS,
      default: 'mse',
      help: 'mse: squared error of a linear output; bce: binary cross-entropy of a sigmoid output (pixels as probabilities).',
      scope: 'method',
    },
    STEM_STRIDE_PARAM,
  ],
  defaults: (spec: InputSpec): ParamValues => {
    const size = asImageSpec(spec).size;
    return { stemStride: stemStrideFor(size), learningRate: generativeLearningRateFor(size) };
  },
  defaultsHelp: { stemStride: STEM_STRIDE_HELP, learningRate: GENERATIVE_LEARNING_RATE_HELP },
  create: (setup) => new AutoencoderRun(setup),
};
