/**
 * A convolutional autoencoder (Hinton & Salakhutdinov 2006; Masci et al. 2011 for the convolutional
 * form): the contrastive methods' encoder compresses each image to its pooled features, a mirrored
 * decoder (decoders/image.ts) rebuilds the image from them alone, and AdamW minimises the
 * reconstruction error (MSE or BCE). The embedding is the encoder's output, the code the decoder
 * reads, as SimCLR's is taken before its head. On audio the same network rebuilds each clip's
 * log-mel spectrogram (MSE only; generative-shared.ts).
 *
 * On text the decoder rebuilds the text as a bag of words (losses/bag-of-words.ts, the decoder of
 * Miao et al. 2016's document model): the text encoder's pooled output goes through BERT's
 * prediction head, tied to the token embeddings, to one distribution over the vocabulary. A text
 * cannot be rebuilt pixel for pixel, and a sequence decoder would be a language model of its own;
 * the bag of words asks the code for what the text is about. The encoder reads the text with some
 * words deleted (a denoising autoencoder: Vincent et al. 2008; Hill et al. 2016 for sentences) and
 * the decoder must rebuild all of them, or a mean-pooled code could simply copy its input's tokens.
 */
import { asTextSpec, writeTokenRow, type TextData } from '../../data/text';
import { loadTokenizer } from '../../data/tokenizer';
import type { LoadedData } from '../../data/types';
import type { tf } from '../../engine/backend';
import type { ConvDecoder } from '../decoders/image';
import { TokenPredictionHead } from '../heads/token-prediction';
import { bagOfWordsLoss } from '../losses/bag-of-words';
import { reconstructedImage, reconstructionLoss, RECONSTRUCTION_KINDS, type ReconstructionKind } from '../losses/reconstruction';
import { sampleTextView, type TextViewContext } from '../views/text';
import { CentreBatch, checkedReconstruction, GENERATIVE_DEFAULTS_HELP, generativeDefaults, inputsArePixels, mirroredDecoder, reconstructionPreviews } from './generative-shared';
import { imageEncoderParams, sharedEncoder, READOUT_PARAM, STEM_STRIDE_PARAM } from './image-encoder-params';
import { EncoderMethodRun } from './method-run';
import { idsTensor, longestRow, TEXT_ENCODER_PARAMS, textEncoderFor, textEncoderParams, TextMethodRun, textOnly, withTextRate } from './text-shared';
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

/** The autoencoder on text: a denoised text in, its bag of words out (see the top of this file). */
class BagOfWordsAutoencoderRun extends TextMethodRun {
  private readonly decoder: TokenPredictionHead;
  private readonly deletion: number;
  private readonly tokenizerJson: string;
  private readonly maxLength: number;
  private context: TextViewContext | null = null;
  private rows = new Float32Array(0);

  constructor(setup: MethodSetup) {
    const spec = asTextSpec(setup.spec);
    const encoder = textEncoderFor(spec, textEncoderParams(setup.params), setup.seed);
    const decoder = new TokenPredictionHead(encoder.tokenEmbedding, setup.seed + 2000);
    super(encoder, { decoder }, setup.params);
    this.decoder = decoder;
    this.deletion = setup.params.wordDeletion as number;
    this.tokenizerJson = spec.tokenizer;
    this.maxLength = spec.maxLength;
  }

  /** Word boundaries from the run's tokenizer, so that deletions take whole words. */
  prepare(): void {
    this.context = { continuation: loadTokenizer(this.tokenizerJson).continuation, settings: { wordDeletion: this.deletion } };
  }

  trainStep(loaded: LoadedData, batch: Int32Array, context: StepContext): LossParts {
    const data = loaded as TextData;
    if (!this.context) throw new Error('autoencoder on text: prepare() must run before the first step');
    const b = batch.length;
    const length = this.maxLength;
    if (this.rows.length < b * length) this.rows = new Float32Array(b * length);
    const rows = this.rows.subarray(0, b * length);
    const texts: Int32Array[] = []; // what the decoder rebuilds: each text as a row holds it, before the deletions
    for (let i = 0; i < b; i++) {
      const item = batch[i]!;
      const ids = data.tokens.subarray(data.offsets[item]!, Math.min(data.offsets[item + 1]!, data.offsets[item]! + length - 2)); // the tokens a row holds
      texts.push(ids);
      writeTokenRow(this.deletion > 0 ? sampleTextView(ids, 'wordDeletion', context.rng, this.context) : ids, length, rows, i * length);
    }
    const x = idsTensor(rows, b, length, longestRow(rows, b, length)); // [B, L]
    const dropoutSeed = context.rng.nextUint32();
    return this.minimise(
      context,
      () => {
        const logits = this.decoder.forward(this.encoder.forwardTrain(x, { dropoutSeed }).pooled); // [B, V]
        return { total: bagOfWordsLoss(logits, texts) };
      },
      [x],
    );
  }
}

export const autoencoder: SslMethod = {
  id: 'autoencoder',
  name: 'Autoencoder',
  family: 'generative',
  description: 'Generative: the encoder compresses each image (or clip’s spectrogram, or text) to its embedding and a decoder must rebuild it from that alone (a text as its bag of words, from a copy with words deleted).',
  modalities: ['image', 'audio', 'text'],
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
      modalities: ['image', 'audio'],
    },
    { ...STEM_STRIDE_PARAM, modalities: ['image', 'audio'] },
    { ...READOUT_PARAM, modalities: ['image', 'audio'] },
    ...textOnly(TEXT_ENCODER_PARAMS),
    {
      name: 'wordDeletion',
      label: 'Word deletion',
      type: 'number',
      default: 0.2,
      min: 0,
      max: 0.9,
      help: 'Chance that each word is deleted from the text the encoder reads (a run of deleted words becomes one [DEL]); the decoder rebuilds every word. 0: a plain autoencoder.',
      scope: 'method',
      modalities: ['text'],
    },
  ],
  defaults: (spec) => (spec.modality === 'text' ? {} : generativeDefaults(spec)),
  defaultsHelp: { ...GENERATIVE_DEFAULTS_HELP, learningRate: withTextRate(GENERATIVE_DEFAULTS_HELP.learningRate!) },
  create: (setup) => (setup.spec.modality === 'text' ? new BagOfWordsAutoencoderRun(setup) : new AutoencoderRun(setup)),
};
