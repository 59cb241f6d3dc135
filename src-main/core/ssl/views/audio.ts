/**
 * Audio views for contrastive and BYOL-style methods, on normalised log-mel spectrograms, after
 * BYOL-A (Niizumi et al. 2021, §3.3: mixup with another clip, random resized crop) and COLA (Saeed
 * et al. 2021: random crops in time of the same clip), with SpecAugment's time and frequency masks
 * (Park et al. 2019, §2) and a random gain. In order:
 *
 * 1. a random crop of `frames` frames in time from the whole stored clip (a shorter clip is placed
 *    at a random offset in silence);
 * 2. mixup: (1 − λ)·P + λ·Q of the two clips' mel powers, λ ~ U(0, mixupRatio), with a random crop
 *    of another clip of the batch. BYOL-A's log-mixup-exp exponentiates the normalised log-mel; here
 *    the normalisation is undone first, so the mix is the sum of the two sounds' energies;
 * 3. random resized crop in frequency and time: a crop of U(cropScale) times the input's bands and
 *    frames, from a virtual canvas of 1 × `virtualTimeScale` the input (the input centred in
 *    silence), resized back bilinearly (BYOL-A's RandomResizeCrop);
 * 4. gain: the whole log-mel shifted by U(−gainDb, gainDb) dB of power;
 * 5. time and frequency masks set to 0, the dataset's mean level (SpecAugment).
 *
 * Views are written in the model layout [bands, frames] (band-major, one channel). Every draw comes
 * from the given Rng, so a run's views are reproducible. Plain loops over preallocated buffers, as
 * for images: microseconds per view at 64 × 100.
 */
import type { AudioInputSpec } from '../../../contract';
import { SILENCE_LOG_MEL } from '../../data/log-mel';
import type { Rng } from '../random';

export interface AudioViewConfig {
  bands: number;
  /** Frames of one view (the spec's `frames`). */
  frames: number;
  /** Normalisation of the log-mels, (x − mean) / std: mixup undoes it to add powers. */
  mean: number;
  std: number;
  /** Normalised value of digital silence: what padding and the crop canvas are filled with. */
  silence: number;
  /** Probability of mixing in another clip when one is given. */
  mixupProbability: number;
  /** Largest share λ of the other clip (BYOL-A: 0.4). */
  mixupRatio: number;
  /** Size of the resized crop relative to the input, in each axis (BYOL-A: [0.6, 1.5]). */
  cropScale: [number, number];
  /** Width of the virtual canvas in time relative to the input (BYOL-A: 1.5; 1 in frequency). */
  virtualTimeScale: number;
  /** Gain drawn in ±gainDb dB of power. */
  gainDb: number;
  /** SpecAugment: how many masks, and the widest as a share of the bands / frames. */
  freqMasks: number;
  freqMaskMax: number;
  timeMasks: number;
  timeMaskMax: number;
}

/** Normalised log-mel of digital silence (log of the floor, 1e-6) under a spec's statistics. */
export function silenceLevel(spec: Pick<AudioInputSpec, 'mean' | 'std'>): number {
  return (SILENCE_LOG_MEL - spec.mean) / spec.std;
}

/** BYOL-A's mixup and crop settings, two SpecAugment masks per axis of up to 10%, ±6 dB gain. */
export function defaultAudioViews(spec: AudioInputSpec): AudioViewConfig {
  if (!(spec.std > 0)) throw new Error(`The audio input spec has no normalisation statistics yet (std ${spec.std}; the training loop measures them with fitSpec)`);
  return {
    bands: spec.melBands,
    frames: spec.frames,
    mean: spec.mean,
    std: spec.std,
    silence: silenceLevel(spec),
    mixupProbability: 1,
    mixupRatio: 0.4,
    cropScale: [0.6, 1.5],
    virtualTimeScale: 1.5,
    gainDb: 6,
    freqMasks: 2,
    freqMaskMax: 0.1,
    timeMasks: 2,
    timeMaskMax: 0.1,
  };
}

/** One stored clip: its normalised log-mel, frame-major [frames × bands] (as the data module keeps it). */
export interface SourceClip {
  mels: Float32Array;
  frames: number;
  bands: number;
}

/** Makes augmented views into caller-owned Float32 buffers, layout [bands, frames, 1]. */
export class AudioViewSampler {
  private readonly crop: Float32Array;
  private readonly other: Float32Array;
  private readonly resized: Float32Array;

  constructor(readonly config: AudioViewConfig) {
    const n = config.bands * config.frames;
    this.crop = new Float32Array(n);
    this.other = new Float32Array(n);
    this.resized = new Float32Array(n);
  }

  /**
   * Writes one augmented view of `src` into `out[offset .. offset + bands*frames)`; `partner` is the
   * clip mixed in (another clip of the batch), none for no mixup.
   */
  sample(src: SourceClip, out: Float32Array, offset: number, rng: Rng, partner?: SourceClip): void {
    this.check(src);
    const { bands, frames } = this.config;
    this.randomTimeCrop(src, this.crop, rng);
    if (partner && rng.chance(this.config.mixupProbability)) {
      this.check(partner);
      this.randomTimeCrop(partner, this.other, rng);
      this.mixup(this.crop, this.other, rng.uniform(0, this.config.mixupRatio));
    }
    this.randomResizedCrop(this.crop, this.resized, rng);
    const view = this.resized;
    const shift = (rng.uniform(-this.config.gainDb, this.config.gainDb) * Math.LN10) / 10 / this.config.std;
    for (let i = 0; i < view.length; i++) view[i]! += shift;
    for (let m = 0; m < this.config.freqMasks; m++) {
      const [start, width] = maskSpan(bands, this.config.freqMaskMax, rng);
      view.fill(0, start * frames, (start + width) * frames);
    }
    for (let m = 0; m < this.config.timeMasks; m++) {
      const [start, width] = maskSpan(frames, this.config.timeMaskMax, rng);
      for (let b = 0; b < bands; b++) view.fill(0, b * frames + start, b * frames + start + width);
    }
    out.set(view, offset);
  }

  /**
   * The un-augmented input (for extraction and queries): the clip's centre `frames` frames, or the
   * whole clip centred in silence when it is shorter (the extra frame of an odd difference goes after it).
   */
  centre(src: SourceClip, out: Float32Array, offset: number): void {
    this.check(src);
    const { frames } = this.config;
    const start = src.frames >= frames ? Math.floor((src.frames - frames) / 2) : -Math.floor((frames - src.frames) / 2);
    this.timeWindow(src, start, this.crop);
    out.set(this.crop, offset);
  }

  /**
   * The un-augmented inputs spread over a clip longer than one input, for the mean-over-windows
   * embedding: `count` windows of `frames` frames, the first at the clip's start and the last at
   * its end, evenly spaced between (`windowCount` says how many), written back to back from `offset`.
   * A clip of one input or less gives its centred input, as `centre`.
   */
  windows(src: SourceClip, count: number, out: Float32Array, offset: number): void {
    this.check(src);
    const { frames, bands } = this.config;
    if (src.frames <= frames || count <= 1) {
      this.centre(src, out, offset);
      return;
    }
    const span = src.frames - frames;
    for (let w = 0; w < count; w++) {
      this.timeWindow(src, Math.round((w * span) / (count - 1)), this.crop);
      out.set(this.crop, offset + w * bands * frames);
    }
  }

  private check(src: SourceClip): void {
    if (src.bands !== this.config.bands) throw new Error(`expected a clip of ${this.config.bands} mel bands, got ${src.bands}`);
    if (src.mels.length !== src.frames * src.bands) throw new Error(`a clip of ${src.frames} frames × ${src.bands} bands needs ${src.frames * src.bands} values, got ${src.mels.length}`);
  }

  private randomTimeCrop(src: SourceClip, out: Float32Array, rng: Rng): void {
    const { frames } = this.config;
    const start = src.frames >= frames ? rng.int(src.frames - frames + 1) : -rng.int(frames - src.frames + 1);
    this.timeWindow(src, start, out);
  }

  /** Frames [start, start + frames) of the clip into band-major `out`, silence outside the clip. */
  private timeWindow(src: SourceClip, start: number, out: Float32Array): void {
    const { bands, frames, silence } = this.config;
    for (let t = 0; t < frames; t++) {
      const s = start + t;
      const inside = s >= 0 && s < src.frames;
      for (let b = 0; b < bands; b++) out[b * frames + t] = inside ? src.mels[s * bands + b]! : silence;
    }
  }

  /** a ← log((1 − λ)·exp(a) + λ·exp(b)) in un-normalised log-mel, computed as a stable log-sum-exp. */
  private mixup(a: Float32Array, b: Float32Array, lambda: number): void {
    const { mean, std } = this.config;
    const la = Math.log(1 - lambda);
    const lb = Math.log(lambda);
    for (let i = 0; i < a.length; i++) {
      const x = a[i]! * std + mean + la;
      const y = b[i]! * std + mean + lb;
      const hi = Math.max(x, y);
      a[i] = (hi + Math.log(Math.exp(x - hi) + Math.exp(y - hi)) - mean) / std;
    }
  }

  /** BYOL-A's random resized crop: a box of the virtual canvas, bilinearly resized to bands × frames. */
  private randomResizedCrop(src: Float32Array, out: Float32Array, rng: Rng): void {
    const { bands, frames, silence, cropScale, virtualTimeScale } = this.config;
    const canvasH = bands;
    const canvasW = Math.floor(frames * virtualTimeScale);
    const padLeft = Math.floor((canvasW - frames) / 2);
    const h = Math.min(canvasH, Math.max(1, Math.floor(bands * rng.uniform(cropScale[0], cropScale[1]))));
    const w = Math.min(canvasW, Math.max(1, Math.floor(frames * rng.uniform(cropScale[0], cropScale[1]))));
    const y0 = rng.int(canvasH - h + 1);
    const x0 = rng.int(canvasW - w + 1);
    const at = (y: number, x: number): number => {
      const t = x - padLeft;
      return t >= 0 && t < frames ? src[y * frames + t]! : silence;
    };
    for (let oy = 0; oy < bands; oy++) {
      const fy = Math.min(y0 + h - 1, Math.max(y0, y0 + ((oy + 0.5) * h) / bands - 0.5));
      const iy = Math.floor(fy);
      const iy1 = Math.min(y0 + h - 1, iy + 1);
      const dy = fy - iy;
      for (let ox = 0; ox < frames; ox++) {
        const fx = Math.min(x0 + w - 1, Math.max(x0, x0 + ((ox + 0.5) * w) / frames - 0.5));
        const ix = Math.floor(fx);
        const ix1 = Math.min(x0 + w - 1, ix + 1);
        const dx = fx - ix;
        const top = at(iy, ix) + (at(iy, ix1) - at(iy, ix)) * dx;
        const bottom = at(iy1, ix) + (at(iy1, ix1) - at(iy1, ix)) * dx;
        out[oy * frames + ox] = top + (bottom - top) * dy;
      }
    }
  }
}

/** A mask of 0..floor(maxShare·size) positions at a uniform start (SpecAugment's f ~ U[0, F], f0 ~ U[0, ν − f)). */
function maskSpan(size: number, maxShare: number, rng: Rng): [number, number] {
  const width = rng.int(Math.floor(maxShare * size) + 1);
  return [rng.int(size - width + 1), width];
}

/** Most windows one clip's embedding averages: a long recording is sampled, not read whole. */
export const MAX_EMBED_WINDOWS = 16;

/**
 * How many inputs of `frames` frames cover a clip of `clipFrames` frames with half-overlapping
 * windows (1 for a clip of one input or less), at most MAX_EMBED_WINDOWS.
 */
export function windowCount(clipFrames: number, frames: number): number {
  if (clipFrames <= frames) return 1;
  const hop = Math.max(1, Math.floor(frames / 2));
  return Math.min(MAX_EMBED_WINDOWS, Math.ceil((clipFrames - frames) / hop) + 1);
}
