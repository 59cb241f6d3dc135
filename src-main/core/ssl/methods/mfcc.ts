/**
 * MFCC statistics: the baseline every learned audio embedding should beat. Mel-frequency cepstral
 * coefficients (Davis and Mermelstein 1980) of each frame of the clip's log-mel spectrogram, their
 * deltas (and optionally delta-deltas), then the mean and standard deviation of each over time; no
 * training, seconds. It sees exactly what the encoders see: `embed` gets the model inputs (the
 * normalised log-mel crop the audio data module makes) and undoes the spec's normalisation.
 *
 *   c[t, k] = s_k Σ_m L[m, t] cos(π k (2m + 1) / 2M),  s_0 = √(1/M), s_k = √(2/M)   (orthonormal DCT-II,
 *                                                      scipy.fft.dct(type=2, norm='ortho'))
 *   Δc[t]   = Σ_{n=−2..2} n c[t+n] / 10,  Δ²c[t] = Σ_{n=−2..2} (n² − 2) c[t+n] / 7
 *
 * The deltas are librosa.feature.delta(width=5, order=1, 2), a Savitzky–Golay derivative with
 * mode 'interp': the first and last two frames take the value of the nearest full window. Frames
 * at the log-mel floor in every band (digital silence, which the data module pads a short clip
 * with) are cut from either end, so a short clip's statistics are its own, not its padding's.
 *
 * meyda (the maintained MFCC library for JavaScript) is not used: it computes MFCCs per frame from
 * raw samples with its own power spectrum and mel filters, and its DCT (the `dct` package) is not
 * orthonormal; here the log-mel already exists, so what is left is the DCT and the deltas.
 *
 * With `standardise` on, each dimension is standardised with its mean and standard deviation over
 * the dataset, fitted in `prepare` (the cosine kNN otherwise sees little but the first coefficient,
 * the clip's loudness); the two vectors are state variables, so a checkpoint embeds the same.
 */
import type { AudioInputSpec, InputSpec, ParamValues } from '../../../contract';
import { dataFor } from '../../data';
import type { LoadedData } from '../../data/types';
import { tf } from '../../engine/backend';
import { ownedVariable, uniqueScope } from '../../engine/variables';
import { silenceLevel } from '../views/audio';
import type { MethodSetup, SslMethod, TrainableMethod } from './types';

/** The standardisation is fitted on at most this many clips (a prefix is enough for a mean and a spread). */
const FIT_ITEMS = 20_000;
/** Clips centred per call in `prepare`. */
const FIT_CHUNK = 256;
/** Window of the deltas, in frames (librosa's `width`). */
const DELTA_WIDTH = 5;
/**
 * A value within this of the normalised silence level is silence (the data module pads with the
 * level computed in float64, a silent frame of a clip is normalised in float32; a frame just above
 * the floor, at 1e-5 rather than 1e-6, is about 2.3 / std away).
 */
const SILENCE_TOLERANCE = 1e-4;

/** [n × bands] orthonormal DCT-II basis: row k is s_k cos(π k (2m + 1) / 2·bands) over m. */
export function dctBasis(bands: number, n: number): Float64Array {
  if (!Number.isInteger(n) || n < 1 || n > bands) throw new RangeError(`MFCC needs 1 to ${bands} coefficients (one per mel band at most), got ${n}`);
  const basis = new Float64Array(n * bands);
  for (let k = 0; k < n; k++) {
    const s = Math.sqrt((k === 0 ? 1 : 2) / bands);
    for (let m = 0; m < bands; m++) basis[k * bands + m] = s * Math.cos((Math.PI * k * (2 * m + 1)) / (2 * bands));
  }
  return basis;
}

/**
 * Savitzky–Golay derivative of order 1 or 2 along time of [frames × n] features, with a polynomial
 * of that order over `width` frames and mode 'interp' (scipy.signal.savgol_filter, as
 * librosa.feature.delta calls it). A clip shorter than the width takes the widest odd window that
 * fits; when that window is no wider than the order (one or two frames), the result is zero.
 */
export function deltas(c: Float64Array, frames: number, n: number, order: 1 | 2, width = DELTA_WIDTH): Float64Array {
  if (c.length !== frames * n) throw new Error(`deltas expected [${frames}, ${n}] features, got ${c.length} values`);
  const out = new Float64Array(frames * n);
  const window = Math.min(width, frames % 2 === 1 ? frames : frames - 1);
  if (window <= order) return out;
  const h = (window - 1) / 2;
  // Least-squares weights of the window's offsets j = −h..h: the slope of a line, or twice the
  // curvature of a parabola (j² centred on its mean over the window).
  const weights = new Float64Array(window);
  const meanSquare = (h * (h + 1)) / 3;
  let norm = 0;
  for (let j = -h; j <= h; j++) {
    const w = order === 1 ? j : j * j - meanSquare;
    weights[j + h] = w;
    norm += order === 1 ? j * j : w * w;
  }
  for (let j = 0; j < window; j++) weights[j] = (weights[j]! / norm) * (order === 2 ? 2 : 1);
  for (let t = 0; t < frames; t++) {
    // The edges: a polynomial of the order fitted to the first (last) window has a constant
    // order-th derivative, the value at that window's centre.
    const centre = Math.min(Math.max(t, h), frames - 1 - h);
    for (let k = 0; k < n; k++) {
      let s = 0;
      for (let j = -h; j <= h; j++) s += weights[j + h]! * c[(centre + j) * n + k]!;
      out[t * n + k] = s;
    }
  }
  return out;
}

export interface MfccSettings {
  /** MFCCs kept per frame, the first ones (c0 included). */
  coefficients: number;
  deltaDeltas: boolean;
}

/** Embedding size: mean and standard deviation of the MFCCs, the deltas and maybe the delta-deltas. */
export const mfccDim = (s: MfccSettings): number => s.coefficients * 2 * (s.deltaDeltas ? 3 : 2);

/**
 * One clip's embedding from its model input [bands, frames] (band-major, as the input [bands,
 * frames, 1] is laid out, normalised with `mean` and `std`): [mean c, std c, mean Δ, std Δ
 * (, mean Δ², std Δ²)], each of `coefficients` values, standard deviations over time with ddof 0.
 * Frames at `silence` (the normalised floor) in every band at either end are left out.
 */
export function mfccStatistics(
  input: ArrayLike<number>,
  bands: number,
  frames: number,
  normalisation: { mean: number; std: number; silence: number },
  settings: MfccSettings,
  basis = dctBasis(bands, settings.coefficients),
): Float64Array {
  const n = settings.coefficients;
  if (input.length !== bands * frames) throw new Error(`MFCC expected a [${bands}, ${frames}] log-mel input, got ${input.length} values`);
  const padding = (t: number): boolean => {
    for (let m = 0; m < bands; m++) if (Math.abs(input[m * frames + t]! - normalisation.silence) > SILENCE_TOLERANCE) return false;
    return true;
  };
  let first = 0;
  while (first < frames && padding(first)) first++;
  let last = frames - 1;
  while (last > first && padding(last)) last--;
  if (first === frames) first = last = 0; // nothing but silence: one silent frame
  const length = last - first + 1;
  const c = new Float64Array(length * n); // [length, n]
  const frame = new Float64Array(bands);
  for (let t = 0; t < length; t++) {
    for (let m = 0; m < bands; m++) frame[m] = input[m * frames + first + t]! * normalisation.std + normalisation.mean;
    for (let k = 0; k < n; k++) {
      let s = 0;
      for (let m = 0; m < bands; m++) s += basis[k * bands + m]! * frame[m]!;
      c[t * n + k] = s;
    }
  }
  const parts = [c, deltas(c, length, n, 1), ...(settings.deltaDeltas ? [deltas(c, length, n, 2)] : [])];
  const out = new Float64Array(mfccDim(settings));
  parts.forEach((part, p) => {
    for (let k = 0; k < n; k++) {
      let sum = 0;
      for (let t = 0; t < length; t++) sum += part[t * n + k]!;
      const mean = sum / length;
      let squares = 0;
      for (let t = 0; t < length; t++) squares += (part[t * n + k]! - mean) ** 2;
      out[2 * p * n + k] = mean;
      out[(2 * p + 1) * n + k] = Math.sqrt(squares / length);
    }
  });
  return out;
}

function settingsOf(params: ParamValues): MfccSettings {
  return { coefficients: params.coefficients as number, deltaDeltas: params.deltaDeltas as boolean };
}

class MfccRun implements TrainableMethod {
  readonly trains = false;
  readonly embeddingDim: number;
  optimizerStep = 0;
  private readonly spec: AudioInputSpec;
  private readonly settings: MfccSettings;
  private readonly basis: Float64Array;
  private readonly normalisation: { mean: number; std: number; silence: number };
  /** [embeddingDim] each, when standardising: the dataset's mean and standard deviation of each dimension. */
  private readonly featureMean: tf.Variable | null;
  private readonly featureStd: tf.Variable | null;

  constructor(setup: MethodSetup) {
    if (setup.spec.modality !== 'audio') throw new Error(`MFCC embeds audio, not ${setup.spec.modality}`);
    this.spec = setup.spec;
    // A spec is stored with its statistics (fitSpec measures them before the run starts); without them there is no silence level or scale.
    if (!(this.spec.std > 0)) throw new Error(`MFCC needs the audio spec's normalisation statistics (std ${this.spec.std}; the training loop measures them with fitSpec)`);
    this.normalisation = { mean: this.spec.mean, std: this.spec.std, silence: silenceLevel(this.spec) };
    this.settings = settingsOf(setup.params);
    this.basis = dctBasis(this.spec.melBands, this.settings.coefficients);
    this.embeddingDim = mfccDim(this.settings);
    const scope = uniqueScope('mfcc');
    const standardise = setup.params.standardise as boolean;
    this.featureMean = standardise ? ownedVariable(tf.zeros([this.embeddingDim]), false, `${scope}/feature_mean`) : null;
    this.featureStd = standardise ? ownedVariable(tf.ones([this.embeddingDim]), false, `${scope}/feature_std`) : null;
  }

  /** MFCC statistics of each input row [bands × frames], before standardisation: [rows × embeddingDim]. */
  private statistics(rows: Float32Array, count: number): Float32Array {
    const size = this.spec.melBands * this.spec.frames;
    const out = new Float32Array(count * this.embeddingDim);
    for (let r = 0; r < count; r++) {
      out.set(mfccStatistics(rows.subarray(r * size, (r + 1) * size), this.spec.melBands, this.spec.frames, this.normalisation, this.settings, this.basis), r * this.embeddingDim);
    }
    return out;
  }

  prepare(data: LoadedData): void {
    if (!this.featureMean || !this.featureStd) return;
    const module = dataFor(data.modality);
    const n = Math.min(FIT_ITEMS, data.itemIds.length);
    const size = this.spec.melBands * this.spec.frames;
    const dim = this.embeddingDim;
    const sum = new Float64Array(dim);
    const squares = new Float64Array(dim);
    const rows = new Float32Array(FIT_CHUNK * size);
    for (let start = 0; start < n; start += FIT_CHUNK) {
      const count = Math.min(FIT_CHUNK, n - start);
      module.centre(data, Int32Array.from({ length: count }, (_, i) => start + i), rows.subarray(0, count * size));
      const stats = this.statistics(rows, count);
      for (let r = 0; r < count; r++) {
        for (let d = 0; d < dim; d++) {
          const v = stats[r * dim + d]!;
          sum[d]! += v;
          squares[d]! += v * v;
        }
      }
    }
    const mean = new Float32Array(dim);
    const std = new Float32Array(dim).fill(1);
    for (let d = 0; d < dim && n > 0; d++) {
      mean[d] = sum[d]! / n;
      const spread = Math.sqrt(Math.max(0, squares[d]! / n - (sum[d]! / n) ** 2));
      if (spread > 1e-6 * Math.max(1, Math.abs(mean[d]!))) std[d] = spread; // a constant dimension stays unscaled
    }
    tf.tidy(() => {
      this.featureMean!.assign(tf.tensor1d(mean));
      this.featureStd!.assign(tf.tensor1d(std));
    });
  }

  trainStep(): never {
    throw new Error('MFCC is a baseline: it has nothing to train');
  }

  embed(x: tf.Tensor): tf.Tensor2D {
    const rows = x.shape[0]!;
    const { melBands, frames } = this.spec;
    if (x.size !== rows * melBands * frames) throw new Error(`MFCC expected [${rows}, ${melBands}, ${frames}, 1] log-mel inputs, got [${x.shape.join(', ')}]`);
    const stats = this.statistics(x.dataSync() as Float32Array, rows);
    return tf.tidy(() => {
      const z = tf.tensor2d(stats, [rows, this.embeddingDim]); // [B, dim]
      return this.featureMean && this.featureStd ? (tf.div(tf.sub(z, this.featureMean), this.featureStd) as tf.Tensor2D) : z;
    });
  }

  stateVariables(): { name: string; variable: tf.Variable }[] {
    return this.featureMean && this.featureStd
      ? [
          { name: 'mfcc.feature_mean', variable: this.featureMean },
          { name: 'mfcc.feature_std', variable: this.featureStd },
        ]
      : [];
  }

  dispose(): void {
    this.featureMean?.dispose();
    this.featureStd?.dispose();
  }
}

export const mfcc: SslMethod = {
  id: 'mfcc',
  name: 'MFCC',
  family: 'baseline',
  description: 'Baseline, no training: mean and standard deviation over time of each clip’s MFCCs and their deltas, to see what self-supervision adds.',
  modalities: ['audio'],
  trains: false,
  params: [
    { name: 'coefficients', label: 'MFCCs', type: 'integer', default: 20, min: 1, max: 256, help: 'Cepstral coefficients kept per frame (the first ones, c0 included); at most one per mel band.', scope: 'method' },
    { name: 'deltaDeltas', label: 'Delta-deltas', type: 'boolean', default: false, help: 'Add the second derivative over time (acceleration) beside the MFCCs and their deltas.', scope: 'method' },
    {
      name: 'standardise',
      label: 'Standardise',
      type: 'boolean',
      default: true,
      help: 'Scale each dimension to mean 0 and standard deviation 1 over the dataset, so that loudness (the first coefficient) does not outweigh the rest.',
      scope: 'method',
      advanced: true,
    },
  ],
  // 20 coefficients, or one per mel band on a spectrogram of fewer bands (a user may choose 8).
  defaults: (spec: InputSpec): ParamValues => (spec.modality === 'audio' ? { coefficients: Math.min(20, spec.melBands) } : {}),
  defaultsHelp: { coefficients: '20, or one per mel band when there are fewer' },
  create: (setup) => new MfccRun(setup),
};
