/**
 * The variational autoencoder (Kingma & Welling 2014, "Auto-Encoding Variational Bayes") with the
 * β weighting of Higgins et al. (2017, "β-VAE", eq. 4): the contrastive methods' encoder and two
 * linear heads give each image a Gaussian posterior q(z|x) = N(μ, σ²) over `latentDim` latent
 * values; z = μ + σ·ε (the reparameterisation trick, §2.4) with ε ~ N(0, I) drawn on the CPU from
 * the run's seeded generator, so runs and resumes are reproducible; the mirrored decoder rebuilds
 * the image from z. The loss is the negative ELBO, reconstruction + β·KL (eq. 10 and Appendix B),
 * both parts logged. The embedding is μ.
 */
import type { LoadedData } from '../../data/types';
import { tf } from '../../engine/backend';
import { assertShape } from '../../engine/shapes';
import { ownedVariable, uniqueScope } from '../../engine/variables';
import type { ConvDecoder } from '../decoders/image';
import { gaussianKl } from '../losses/gaussian-kl';
import { reconstructedImage, reconstructionLoss, RECONSTRUCTION_KINDS, type ReconstructionKind } from '../losses/reconstruction';
import type { Rng } from '../random';
import { CentreBatch, checkedReconstruction, GENERATIVE_DEFAULTS_HELP, generativeDefaults, inputsArePixels, mirroredDecoder, reconstructionPreviews } from './generative-shared';
import { imageEncoderParams, sharedEncoder, STEM_STRIDE_PARAM } from './image-encoder-params';
import { EncoderMethodRun } from './method-run';
import type { LossParts, MethodSetup, PreviewRow, SslMethod, StepContext } from './types';

/** Standard normal values (Box–Muller) from a seeded generator into `out`. */
export function fillStandardNormal(rng: Rng, out: Float32Array): Float32Array {
  for (let i = 0; i < out.length; i += 2) {
    const r = Math.sqrt(-2 * Math.log(1 - rng.next())); // 1 − u ∈ (0, 1]: never log(0)
    const theta = 2 * Math.PI * rng.next();
    out[i] = r * Math.cos(theta);
    if (i + 1 < out.length) out[i + 1] = r * Math.sin(theta);
  }
  return out;
}

/** The posterior's two linear heads: μ and log σ² from the encoder's features. */
class GaussianHeads {
  readonly meanWeight: tf.Variable<tf.Rank.R2>; // [F, J]
  readonly meanBias: tf.Variable<tf.Rank.R1>; // [J]
  readonly logVarWeight: tf.Variable<tf.Rank.R2>; // [F, J]
  readonly logVarBias: tf.Variable<tf.Rank.R1>; // [J]

  constructor(
    readonly features: number,
    readonly latent: number,
    seed: number,
  ) {
    const scope = uniqueScope('gaussian_heads');
    const limit = Math.sqrt(6 / (features + latent));
    this.meanWeight = ownedVariable(tf.randomUniform([features, latent], -limit, limit, 'float32', seed) as tf.Tensor2D, true, `${scope}/mean_w`);
    this.meanBias = ownedVariable(tf.zeros([latent]) as tf.Tensor1D, true, `${scope}/mean_b`);
    // Small at first: every σ starts near 1, so early steps are not dominated by the noise scale.
    this.logVarWeight = ownedVariable(tf.randomUniform([features, latent], -limit / 10, limit / 10, 'float32', seed + 1) as tf.Tensor2D, true, `${scope}/logvar_w`);
    this.logVarBias = ownedVariable(tf.zeros([latent]) as tf.Tensor1D, true, `${scope}/logvar_b`);
  }

  get variables(): tf.Variable[] {
    return [this.meanWeight, this.meanBias, this.logVarWeight, this.logVarBias];
  }

  get decayMask(): boolean[] {
    return [true, false, true, false];
  }

  /** @param h [N, F] @returns μ [N, J] */
  mean(h: tf.Tensor2D): tf.Tensor2D {
    assertShape('VAE heads input', h, [null, this.features]);
    return tf.add(tf.matMul(h, this.meanWeight), this.meanBias) as tf.Tensor2D;
  }

  /** @param h [N, F] @returns log σ² [N, J] */
  logVariance(h: tf.Tensor2D): tf.Tensor2D {
    return tf.add(tf.matMul(h, this.logVarWeight), this.logVarBias) as tf.Tensor2D;
  }

  dispose(): void {
    for (const v of this.variables) v.dispose();
  }
}

class VaeRun extends EncoderMethodRun {
  private readonly heads: GaussianHeads;
  private readonly decoder: ConvDecoder;
  private readonly loss: ReconstructionKind;
  private readonly pixels: boolean;
  private readonly beta: number;
  private readonly inputs = new CentreBatch();
  private noise = new Float32Array(0);

  constructor(setup: MethodSetup) {
    const loss = checkedReconstruction(setup.spec, setup.params.reconstruction as ReconstructionKind);
    const params = imageEncoderParams(setup.params);
    const latent = setup.params.latentDim as number;
    const encoder = sharedEncoder(setup.spec, params, setup.seed);
    const heads = new GaussianHeads(encoder.embeddingSize, latent, setup.seed + 1000);
    const decoder = mirroredDecoder(encoder, latent, setup.seed + 2000);
    super(encoder, { heads, decoder }, { weightDecay: params.weightDecay, embeddingDim: latent });
    this.heads = heads;
    this.decoder = decoder;
    this.loss = loss;
    this.pixels = inputsArePixels(setup.spec);
    this.beta = setup.params.beta as number;
  }

  trainStep(loaded: LoadedData, batch: Int32Array, context: StepContext): LossParts {
    const b = batch.length;
    const j = this.embeddingDim;
    const x = this.inputs.tensor(loaded, batch); // [B, H, W, C]
    if (this.noise.length !== b * j) this.noise = new Float32Array(b * j);
    const epsilon = tf.tensor2d(fillStandardNormal(context.rng, this.noise), [b, j]); // [B, J]
    return this.minimise(
      context,
      () => {
        const h = this.encoder.forwardTrain(x); // [B, F]
        const mean = this.heads.mean(h); // [B, J]
        const logVariance = this.heads.logVariance(h); // [B, J]
        const z = tf.add(mean, tf.mul(tf.exp(tf.mul(logVariance, 0.5)), epsilon)) as tf.Tensor2D; // [B, J]
        const reconstruction = reconstructionLoss(this.decoder.forwardTrain(z), x, this.loss);
        const kl = gaussianKl(mean, logVariance);
        return { total: tf.add(reconstruction, tf.mul(kl, this.beta)) as tf.Scalar, reconstruction, kl };
      },
      [x, epsilon],
    );
  }

  /** The posterior mean μ. */
  override embed(x: tf.Tensor): tf.Tensor2D {
    return tf.tidy(() => this.heads.mean(this.encoder.embed(x as tf.Tensor4D)));
  }

  /** Reconstructions from μ (no noise): what the code of each image decodes to. */
  previews(inputs: tf.Tensor4D): PreviewRow[] {
    return reconstructionPreviews(inputs, () => reconstructedImage(this.decoder.decode(this.embed(inputs)), this.loss, this.pixels));
  }
}

export const vae: SslMethod = {
  id: 'vae',
  name: 'VAE',
  family: 'generative',
  description: 'Generative: each image (or clip’s spectrogram) is encoded as a Gaussian over a small latent space that a decoder must rebuild it from (ELBO = reconstruction + β·KL).',
  modalities: ['image', 'audio'],
  trains: true,
  params: [
    { name: 'beta', label: 'β (KL weight)', type: 'number', default: 1, min: 0, max: 100, help: 'Weight of the KL term: 1 is the ELBO; above 1 (β-VAE) favours simpler, more disentangled codes, below 1 sharper reconstructions.', scope: 'method' },
    { name: 'latentDim', label: 'Latent size', type: 'integer', default: 64, min: 2, max: 1024, help: 'Dimensions of the latent code z; the embedding is its mean μ.', scope: 'method' },
    {
      name: 'reconstruction',
      label: 'Reconstruction loss',
      type: 'choice',
      choices: RECONSTRUCTION_KINDS,
      default: 'bce',
      help: 'bce: a Bernoulli decoder (sigmoid output, pixels as probabilities; images only); mse: squared error of a linear output (a Gaussian decoder).',
      scope: 'method',
      advanced: true,
    },
    STEM_STRIDE_PARAM,
  ],
  // Spectrograms are not probabilities: a Gaussian decoder (MSE) for audio.
  defaults: (spec) => ({ ...generativeDefaults(spec), ...(inputsArePixels(spec) ? {} : { reconstruction: 'mse' }) }),
  defaultsHelp: { ...GENERATIVE_DEFAULTS_HELP, reconstruction: 'bce for images, mse for audio spectrograms' },
  create: (setup) => new VaeRun(setup),
};
