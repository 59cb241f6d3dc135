/**
 * Contrastive Predictive Coding (van den Oord, Li, Vinyals 2018) for audio: a frame encoder g_enc
 * turns a clip's log-mel spectrogram into frames z_t, a causal context network g_ar summarises
 * z_0..z_t into c_t, and for k = 1..K a linear map W_k of c_t must pick the true z_{t+k} among
 * negatives drawn from the batch's other frames (losses/cpc.ts, eq. 4). Encoders: encoders/audio-frames.ts
 * (layer norm, no batch statistics across time; a causal convolution stack in place of the GRU).
 *
 * Training input: a random crop in time of each clip, as long as the model input (`frames`), so that
 * training sees every part of long clips while the encoder sees inputs of one length; a shorter clip
 * sits at a random offset in silence, as the data module's views place it. The embedding is the mean
 * of c_t over the centre input's encoded frames (no randomness), the paper's pooled context for its
 * linear-probe evaluations, leaving out frames that are all silence (the padding the data module
 * centres short clips in; MFCC leaves it out too): otherwise a clip's embedding would drift towards
 * the constant context of silence by the share of padding it got, that is by its length. An input
 * that is silence throughout takes the mean over every frame.
 *
 * Cost at the defaults (1 s clips: 100 frames × 64 bands, width 128, K = 6, N = 10), measured on wasm
 * under nice on a 2-core machine busy with another benchmark (load 3.4-3.9): 0.40 s a step of 64 clips
 * on one thread (frame encoder ~65 ms, context ~120-165 ms, loss ~200 ms, forward and backward),
 * 1.9 s a step of 256 clips on two; embedding 256 clips 0.37 s.
 */
import type { AudioInputSpec, InputSpec, ParamValues } from '../../../contract';
import { asAudioSpec, silenceLevel, type AudioData } from '../../data/audio';
import type { LoadedData } from '../../data/types';
import { tf } from '../../engine/backend';
import { ownedVariable, uniqueScope } from '../../engine/variables';
import { AudioFrameEncoder, CausalContext, encodedFrames } from '../encoders/audio-frames';
import { cpcLoss, drawCpcNegatives } from '../losses/cpc';
import type { Rng } from '../random';
import { MethodRun } from './method-run';
import type { LossParts, MethodSetup, SslMethod, StepContext } from './types';

export interface CpcParams {
  predictionSteps: number;
  negatives: number;
  downsample: 1 | 2 | 4;
  width: number;
  layers: number;
  kernelSize: number;
  weightDecay: number;
}

export function cpcParams(params: ParamValues): CpcParams {
  const downsample = Number(params.downsample);
  if (downsample !== 1 && downsample !== 2 && downsample !== 4) throw new RangeError(`CPC: downsample must be 1, 2 or 4, got ${String(params.downsample)}`);
  return {
    predictionSteps: params.predictionSteps as number,
    negatives: params.negatives as number,
    downsample,
    width: params.width as number,
    layers: params.layers as number,
    kernelSize: params.kernelSize as number,
    weightDecay: (params.weightDecay as number | undefined) ?? 0,
  };
}

/**
 * ×4 when a clip has 64 frames or more (0.64 s at a 10 ms hop: 40 ms per z_t, the scale of a
 * phoneme), ×2 from 16 frames, else none; then K = a quarter of the z frames, 2 to 12 (the paper
 * predicts 12 steps of 10 ms), and never more than the z frames minus one.
 */
export function cpcDefaults(spec: InputSpec): ParamValues {
  const { frames } = asAudioSpec(spec);
  const downsample = frames >= 64 ? 4 : frames >= 16 ? 2 : 1;
  const t = encodedFrames(frames, downsample);
  return { downsample: String(downsample), predictionSteps: Math.max(1, Math.min(12, Math.max(2, Math.round(t / 4)), t - 1)) };
}

/**
 * Writes a random `frames`-long window of each clip at `batch`, frame-major, into [B, frames, melBands];
 * a clip shorter than the window is placed at a random offset, the rest silence.
 */
export function randomTimeCrops(data: AudioData, batch: Int32Array, rng: Rng): Float32Array {
  const { frames, melBands } = data.spec;
  const silence = silenceLevel(data.spec);
  const out = new Float32Array(batch.length * frames * melBands);
  for (let i = 0; i < batch.length; i++) {
    const from = data.offsets[batch[i]!]!;
    const length = data.offsets[batch[i]! + 1]! - from;
    const base = i * frames * melBands;
    if (length >= frames) {
      const start = from + rng.int(length - frames + 1);
      out.set(data.mels.subarray(start * melBands, (start + frames) * melBands), base);
    } else {
      const at = rng.int(frames - length + 1);
      out.fill(silence, base, base + frames * melBands);
      out.set(data.mels.subarray(from * melBands, (from + length) * melBands), base + at * melBands);
    }
  }
  return out;
}

/** How far (in normalised log-mel) from the silence floor a value still counts as silence. */
const SILENCE_TOLERANCE = 1e-4;

class CpcRun extends MethodRun<AudioFrameEncoder> {
  private readonly spec: AudioInputSpec;
  private readonly params: CpcParams;
  private readonly context: CausalContext;
  /** W_k, k = 1..K: [K, C, D]. */
  private readonly predictors: tf.Variable<tf.Rank.R3>;

  constructor(setup: MethodSetup) {
    const spec = asAudioSpec(setup.spec);
    const params = cpcParams(setup.params);
    const { predictionSteps: k, negatives, width, layers, kernelSize, downsample } = params;
    if (!Number.isInteger(negatives) || negatives < 1) throw new RangeError(`CPC needs at least one negative, got ${negatives}`);
    const t = encodedFrames(spec.frames, downsample);
    if (!Number.isInteger(k) || k < 1 || k >= t) {
      throw new RangeError(`CPC: ${k} prediction steps need more than ${k} frames after downsampling, and ${spec.frames} input frames ×1/${downsample} give ${t}; lower the prediction steps or the downsampling`);
    }
    const encoder = new AudioFrameEncoder({ melBands: spec.melBands, frames: spec.frames, downsample, width, seed: setup.seed });
    const context = new CausalContext({ inputWidth: width, width, blocks: layers, kernelSize, seed: setup.seed + 100 });
    // Scores zᵀ W_k c start small (std about 1 for unit-scale z and c), so the first steps are not saturated.
    const predictors = ownedVariable(tf.randomNormal([k, width, width], 0, 1 / width, 'float32', setup.seed + 200) as tf.Tensor3D, true, `${uniqueScope('cpc')}/predictors`);
    super(encoder, context.width, { context, predictors: { variables: [predictors], decayMask: [true], dispose: () => predictors.dispose() } }, params);
    this.spec = spec;
    this.params = params;
    this.context = context;
    this.predictors = predictors;
  }

  trainStep(loaded: LoadedData, batch: Int32Array, context: StepContext): LossParts {
    const data = loaded as AudioData;
    const b = batch.length;
    const { frames, melBands } = this.spec;
    const crops = tf.tensor3d(randomTimeCrops(data, batch, context.rng), [b, frames, melBands]); // [B, F, M]
    const negatives = drawCpcNegatives(context.rng, b, this.encoder.outputFrames, this.params.predictionSteps, this.params.negatives);
    return this.minimise(
      context,
      () => {
        const z = this.encoder.forward(crops); // [B, T', D]
        const c = this.context.forward(z); // [B, T', C]
        return { total: cpcLoss(c, z, this.predictors, negatives) };
      },
      [crops],
    );
  }

  /** @param x [B, melBands, frames, 1] centre inputs @returns [B, C], the mean of c_t over time */
  embed(x: tf.Tensor): tf.Tensor2D {
    const { downsample } = this.encoder.config;
    const t = this.encoder.outputFrames;
    return tf.tidy(() => {
      const input = AudioFrameEncoder.framesOf(x as tf.Tensor4D); // [B, F, M]
      const b = input.shape[0];
      const c = this.context.forward(this.encoder.forward(input)); // [B, T', C]
      const sound = tf.cast(tf.greater(tf.max(tf.abs(tf.sub(input, silenceLevel(this.spec))), 2), SILENCE_TOLERANCE), 'float32'); // [B, F], 1 where a frame is not silence
      const heard = tf.max(tf.reshape(tf.slice(sound, [0, 0], [b, t * downsample]), [b, t, downsample]), 2); // [B, T'], 1 where an encoded frame holds sound
      const silent = tf.equal(tf.sum(heard, 1, true), 0); // [B, 1]
      const weights = tf.where(tf.broadcastTo(silent, [b, t]), tf.onesLike(heard), heard); // [B, T']
      const summed = tf.sum(tf.mul(c, tf.expandDims(weights, 2)), 1); // [B, C]
      return tf.div(summed, tf.sum(weights, 1, true)) as tf.Tensor2D;
    });
  }
}

export const cpc: SslMethod = {
  id: 'cpc',
  name: 'CPC',
  family: 'contrastive predictive',
  description: 'Contrastive Predictive Coding: from the sound so far, predict the encoding of the next frames, told apart from frames of other moments and clips (InfoNCE).',
  modalities: ['audio'],
  trains: true,
  params: [
    { name: 'predictionSteps', label: 'Prediction steps', type: 'integer', default: 6, min: 1, max: 32, unit: 'frames', help: 'K: how many encoded frames ahead the context predicts (each one a step of the downsampled time axis).', scope: 'method' },
    { name: 'negatives', label: 'Negatives', type: 'integer', default: 10, min: 1, max: 1024, help: 'Frames of the batch drawn as wrong answers for each prediction (more: a harder task and a slower step).', scope: 'method' },
    {
      name: 'downsample',
      label: 'Time downsampling',
      type: 'choice',
      choices: ['1', '2', '4'],
      default: '4',
      help: 'Spectrogram frames per encoded frame (strided convolutions without overlap).',
      scope: 'method',
      advanced: true,
    },
    { name: 'width', label: 'Width', type: 'integer', default: 128, min: 8, max: 1024, help: 'Channels of the frame encoder and the context network; the embedding size.', scope: 'method', advanced: true },
    { name: 'layers', label: 'Context blocks', type: 'integer', default: 3, min: 1, max: 12, help: 'Residual causal convolution blocks of the context network.', scope: 'method', advanced: true },
    { name: 'kernelSize', label: 'Context kernel', type: 'integer', default: 4, min: 2, max: 16, unit: 'frames', help: 'Encoded frames each causal convolution looks back over, its own included.', scope: 'method', advanced: true },
  ],
  defaults: cpcDefaults,
  defaultsHelp: {
    downsample: '4 from 64 frames per clip, 2 from 16, else 1',
    predictionSteps: 'a quarter of the encoded frames, 2 to 12, fewer than the encoded frames',
  },
  create: (setup) => new CpcRun(setup),
};
