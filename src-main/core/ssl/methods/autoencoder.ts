/**
 * A convolutional autoencoder (Hinton & Salakhutdinov 2006; Masci et al. 2011 for the convolutional
 * form): the contrastive methods' encoder compresses each image to its pooled features, a mirrored
 * decoder (decoders/image.ts) rebuilds the image from them alone, and AdamW minimises the
 * reconstruction error (MSE or BCE). The embedding is the encoder's output, the code the decoder
 * reads, as SimCLR's is taken before its head. On audio the same network rebuilds each clip's
 * log-mel spectrogram (MSE only; generative-shared.ts).
 */
import type { LoadedData } from '../../data/types';
import type { tf } from '../../engine/backend';
import type { ConvDecoder } from '../decoders/image';
import { reconstructedImage, reconstructionLoss, RECONSTRUCTION_KINDS, type ReconstructionKind } from '../losses/reconstruction';
import { CentreBatch, checkedReconstruction, GENERATIVE_DEFAULTS_HELP, generativeDefaults, inputsArePixels, mirroredDecoder, reconstructionPreviews } from './generative-shared';
import { imageEncoderParams, sharedEncoder, STEM_STRIDE_PARAM } from './image-encoder-params';
import { EncoderMethodRun } from './method-run';
import type { LossParts, MethodSetup, PreviewRow, SslMethod, StepContext } from './types';

class AutoencoderRun extends EncoderMethodRun {
  private readonly decoder: ConvDecoder;
  private readonly loss: ReconstructionKind;
  private readonly pixels: boolean;
  private readonly inputs = new CentreBatch();

  constructor(setup: MethodSetup) {
    const loss = checkedReconstruction(setup.spec, setup.params.reconstruction as ReconstructionKind);
    const params = imageEncoderParams(setup.params);
    const encoder = sharedEncoder(setup.spec, params, setup.seed);
    const decoder = mirroredDecoder(encoder, encoder.embeddingSize, setup.seed + 2000);
    super(encoder, { decoder }, params);
    this.decoder = decoder;
    this.loss = loss;
    this.pixels = inputsArePixels(setup.spec);
  }

  trainStep(loaded: LoadedData, batch: Int32Array, context: StepContext): LossParts {
    const x = this.inputs.tensor(loaded, batch); // [B, H, W, C]
    return this.minimise(
      context,
      () => {
        const output = this.decoder.forwardTrain(this.encoder.forwardTrain(x)); // [B, H, W, C]
        return { total: reconstructionLoss(output, x, this.loss) };
      },
      [x],
    );
  }

  previews(inputs: tf.Tensor4D): PreviewRow[] {
    return reconstructionPreviews(inputs, () => reconstructedImage(this.decoder.decode(this.encoder.embed(inputs)), this.loss, this.pixels));
  }
}

export const autoencoder: SslMethod = {
  id: 'autoencoder',
  name: 'Autoencoder',
  family: 'generative',
  description: 'Generative: the encoder compresses each image (or clip’s spectrogram) to its embedding and a decoder must rebuild it from that alone.',
  modalities: ['image', 'audio'],
  trains: true,
  params: [
    {
      name: 'reconstruction',
      label: 'Reconstruction loss',
      type: 'choice',
      choices: RECONSTRUCTION_KINDS,
      default: 'mse',
      help: 'mse: squared error of a linear output; bce: binary cross-entropy of a sigmoid output (pixels as probabilities; images only).',
      scope: 'method',
    },
    STEM_STRIDE_PARAM,
  ],
  defaults: generativeDefaults,
  defaultsHelp: GENERATIVE_DEFAULTS_HELP,
  create: (setup) => new AutoencoderRun(setup),
};
