/**
 * Masked image modelling with a convolutional encoder, in the spirit of SimMIM (Xie et al. 2022)
 * and MAE (He et al. 2022): a random share of square patches of each image is hidden (replaced by
 * a learnt mask colour, SimMIM's mask token in pixel space), the contrastive methods' encoder reads
 * the masked image, a decoder mirroring it predicts the pixels from the encoder's feature map, and
 * the loss is SimMIM's L1 on the hidden pixels only (losses/masked-l1.ts). Masks come from the run's
 * seeded generator. The embedding is the encoder's pooled output on the whole, un-masked image.
 * On audio the same hides square time-frequency patches of each clip's log-mel spectrogram (mel
 * bands × frames; masked spectrogram modelling as in MAE-AST, Baade et al. 2022, and Audio-MAE,
 * Huang et al. 2022, there with a Transformer) and paints them back in.
 */
import type { InputSpec, ParamValues } from '../../../contract';
import type { LoadedData } from '../../data/types';
import { tf } from '../../engine/backend';
import { ownedVariable, uniqueScope } from '../../engine/variables';
import type { ConvDecoder } from '../decoders/image';
import { maskedL1Loss } from '../losses/masked-l1';
import type { Rng } from '../random';
import { patchMasks, type PatchMaskConfig } from '../views/patch-mask';
import { CentreBatch, generativeDefaults, GENERATIVE_DEFAULTS_HELP, inputsArePixels, mirroredDecoder, pixelsOf } from './generative-shared';
import { gridShape, imageEncoderParams, sharedEncoder, READOUT_PARAM, STEM_STRIDE_PARAM } from './image-encoder-params';
import { EncoderMethodRun } from './method-run';
import type { LossParts, MethodSetup, PreviewRow, SslMethod, StepContext } from './types';

class MimRun extends EncoderMethodRun {
  private readonly decoder: ConvDecoder;
  /** The colour hidden pixels take: [C], learnt. */
  private readonly maskToken: tf.Variable<tf.Rank.R1>;
  private readonly mask: PatchMaskConfig & { width: number };
  private readonly pixels: boolean;
  private readonly inputs = new CentreBatch();

  constructor(setup: MethodSetup) {
    const [height, width, channels] = gridShape(setup.spec);
    const pixels = inputsArePixels(setup.spec);
    const params = imageEncoderParams(setup.params);
    const encoder = sharedEncoder(setup.spec, params, setup.seed);
    const decoder = mirroredDecoder(encoder, null, setup.seed + 2000);
    // Mid-grey for pixels, the dataset's mean level (0 after normalisation) for spectrograms; learnt from there.
    const maskToken = ownedVariable(tf.fill([channels], pixels ? 0.5 : 0) as tf.Tensor1D, true, `${uniqueScope('mim')}/mask_token`);
    super(encoder, { decoder, maskToken }, params);
    this.decoder = decoder;
    this.maskToken = maskToken;
    this.pixels = pixels;
    const shorter = Math.min(height, width);
    const patch = Math.min(shorter, (setup.params.patchSize as number) || patchSizeFor(shorter));
    this.mask = { size: height, width, patch, ratio: setup.params.maskRatio as number };
  }

  private masks(count: number, rng: Rng): tf.Tensor4D {
    const { size, width } = this.mask;
    return tf.tensor4d(patchMasks(this.mask, count, rng), [count, size, width, 1]); // [N, H, W, 1], 1 = hidden
  }

  /** x with its hidden pixels replaced by the mask token: x·(1 − m) + token·m. */
  private hide(x: tf.Tensor4D, mask: tf.Tensor4D): tf.Tensor4D {
    return tf.add(tf.mul(x, tf.sub(1, mask)), tf.mul(mask, this.maskToken)) as tf.Tensor4D; // [N, H, W, C]
  }

  trainStep(loaded: LoadedData, batch: Int32Array, context: StepContext): LossParts {
    const x = this.inputs.tensor(loaded, batch); // [B, H, W, C]
    const mask = this.masks(batch.length, context.rng); // [B, H, W, 1]
    return this.minimise(
      context,
      () => {
        const prediction = this.decoder.forwardTrain(this.encoder.forwardTrainMap(this.hide(x, mask))); // [B, H, W, C]
        return { total: maskedL1Loss(prediction, x, mask) };
      },
      [x, mask],
    );
  }

  /** The image, what the encoder saw, and the fill-in: visible pixels kept, hidden ones predicted. */
  previews(inputs: tf.Tensor4D, rng: Rng): PreviewRow[] {
    const mask = this.masks(inputs.shape[0], rng);
    const [masked, filled] = tf.tidy(() => {
      const hidden = this.hide(inputs, mask);
      const decoded = this.decoder.decode(this.encoder.embedMap(hidden));
      const prediction = this.pixels ? tf.clipByValue(decoded, 0, 1) : decoded;
      return [hidden, tf.add(tf.mul(inputs, tf.sub(1, mask)), tf.mul(prediction, mask))] as tf.Tensor4D[];
    });
    try {
      return [
        { label: 'Original', images: pixelsOf(inputs) },
        { label: 'Masked input', images: pixelsOf(masked!) },
        { label: 'Fill-in', images: pixelsOf(filled!) },
      ];
    } finally {
      tf.dispose([mask, masked!, filled!]);
    }
  }
}

/** An eighth of the (shorter) side (4 px on 32 px images: an 8 × 8 grid of patches; 8 of 64 mel bands), at least 2 px. */
function patchSizeFor(size: number): number {
  return Math.max(2, Math.round(size / 8));
}

export const mim: SslMethod = {
  id: 'mim',
  name: 'Masked image modelling',
  family: 'masked modelling',
  description: 'Masked modelling: random patches of each image (or clip’s spectrogram) are hidden and the network learns to paint them back in from the rest (SimMIM-style, L1 on the hidden values).',
  modalities: ['image', 'audio'],
  trains: true,
  params: [
    { name: 'maskRatio', label: 'Mask ratio', type: 'number', default: 0.6, min: 0.05, max: 0.95, help: 'Share of the patches hidden from the encoder (SimMIM uses 0.6, MAE 0.75).', scope: 'method' },
    {
      name: 'patchSize',
      label: 'Patch size',
      type: 'integer',
      default: 0,
      min: 1,
      max: 256,
      auto: { value: 0, label: 'By image size' },
      unit: 'px',
      help: 'Side of the square patches that are hidden (pixels; for spectrograms, mel bands and frames).',
      scope: 'method',
    },
    STEM_STRIDE_PARAM,
    READOUT_PARAM,
  ],
  defaults: (spec: InputSpec): ParamValues => ({ ...generativeDefaults(spec), patchSize: patchSizeFor(Math.min(...gridShape(spec).slice(0, 2))) }),
  defaultsHelp: { ...GENERATIVE_DEFAULTS_HELP, patchSize: 'an eighth of the image’s (or spectrogram’s) shorter side, at least 2' },
  create: (setup) => new MimRun(setup),
};
