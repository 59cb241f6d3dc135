import { describe, expect, it } from 'vitest';
import type { AudioInputSpec } from '../../../../src-main/contract';
import { SILENCE_LOG_MEL } from '../../../../src-main/core/data/log-mel';
import { Rng } from '../../../../src-main/core/ssl/random';
import { AudioViewSampler, defaultAudioViews, MAX_EMBED_WINDOWS, silenceLevel, windowCount, type AudioViewConfig, type SourceClip } from '../../../../src-main/core/ssl/views/audio';

const BANDS = 8;
const FRAMES = 12;
const spec: AudioInputSpec = { modality: 'audio', sampleRate: 16000, windowMs: 25, hopMs: 10, melBands: BANDS, clipSeconds: 0.12, frames: FRAMES, mean: -5, std: 3 };

/** A clip whose value at (frame t, band b) is t + b / 100 (frame-major, as the data module stores it). */
function ramp(frames: number): SourceClip {
  return { mels: Float32Array.from({ length: frames * BANDS }, (_, i) => Math.floor(i / BANDS) + (i % BANDS) / 100), frames, bands: BANDS };
}

/** Only what a test turns on: no mixup, an identity crop, no gain, no masks. */
const OFF: Partial<AudioViewConfig> = { mixupProbability: 0, cropScale: [1, 1], virtualTimeScale: 1, gainDb: 0, freqMasks: 0, timeMasks: 0 };
const sampler = (changes: Partial<AudioViewConfig> = {}): AudioViewSampler => new AudioViewSampler({ ...defaultAudioViews(spec), ...OFF, ...changes });

/** Value at (band b, frame t) of a view in the model layout [bands, frames]. */
const at = (view: Float32Array, b: number, t: number): number => view[b * FRAMES + t]!;

describe('audio views', () => {
  it('has the silence level of the spec and refuses a spec without statistics', () => {
    expect(silenceLevel(spec)).toBeCloseTo((Math.log(1e-6) + 5) / 3, 6);
    expect(SILENCE_LOG_MEL).toBeCloseTo(Math.log(1e-6), 12);
    expect(() => defaultAudioViews({ ...spec, std: 0 })).toThrow(/no normalisation statistics/);
  });

  it('centres: the middle frames of a long clip, a short clip centred in silence, transposed to [bands, frames]', () => {
    const out = new Float32Array(BANDS * FRAMES);
    sampler().centre(ramp(20), out, 0);
    for (let b = 0; b < BANDS; b++) for (let t = 0; t < FRAMES; t++) expect(at(out, b, t)).toBeCloseTo(4 + t + b / 100, 5);
    sampler().centre(ramp(5), out, 0);
    const silence = silenceLevel(spec);
    for (let b = 0; b < BANDS; b++) {
      for (let t = 0; t < FRAMES; t++) expect(at(out, b, t)).toBeCloseTo(t >= 3 && t < 8 ? t - 3 + b / 100 : silence, 5);
    }
  });

  it('crops in time: with every other augmentation off, a view is FRAMES consecutive frames of the clip', () => {
    const out = new Float32Array(BANDS * FRAMES);
    const starts = new Set<number>();
    const rng = new Rng(1);
    for (let k = 0; k < 40; k++) {
      sampler().sample(ramp(30), out, 0, rng);
      const start = at(out, 0, 0);
      starts.add(start);
      for (let b = 0; b < BANDS; b++) for (let t = 0; t < FRAMES; t++) expect(at(out, b, t)).toBeCloseTo(start + t + b / 100, 5);
    }
    expect(Math.min(...starts)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...starts)).toBeLessThanOrEqual(30 - FRAMES);
    expect(starts.size).toBeGreaterThan(5);
  });

  it('is deterministic under the Rng, writes only its slice, and differs between draws', () => {
    const full = defaultAudioViews(spec);
    const make = (seed: number): Float32Array => {
      const out = new Float32Array(3 * BANDS * FRAMES).fill(99);
      const s = new AudioViewSampler(full);
      const rng = new Rng(seed);
      s.sample(ramp(25), out, BANDS * FRAMES, rng, ramp(7));
      return out;
    };
    const a = make(4);
    expect(make(4)).toEqual(a);
    expect(make(5)).not.toEqual(a);
    expect(a.subarray(0, BANDS * FRAMES).every((v) => v === 99)).toBe(true);
    expect(a.subarray(2 * BANDS * FRAMES).every((v) => v === 99)).toBe(true);
    expect(a.subarray(BANDS * FRAMES, 2 * BANDS * FRAMES).every((v) => Number.isFinite(v) && v !== 99)).toBe(true);
  });

  it('masks whole bands and whole frames with 0 (SpecAugment), each at most its share of the axis', () => {
    const s = sampler({ freqMasks: 1, freqMaskMax: 0.5, timeMasks: 1, timeMaskMax: 0.5 });
    const out = new Float32Array(BANDS * FRAMES);
    const clip: SourceClip = { mels: new Float32Array(FRAMES * BANDS).fill(2), frames: FRAMES, bands: BANDS };
    let masked = 0;
    const rng = new Rng(7);
    for (let k = 0; k < 20; k++) {
      s.sample(clip, out, 0, rng);
      const bandMasked = Array.from({ length: BANDS }, (_, b) => Array.from({ length: FRAMES }, (_, t) => at(out, b, t)).every((v) => v === 0));
      const frameMasked = Array.from({ length: FRAMES }, (_, t) => Array.from({ length: BANDS }, (_, b) => at(out, b, t)).every((v) => v === 0));
      for (let b = 0; b < BANDS; b++) for (let t = 0; t < FRAMES; t++) expect(at(out, b, t) === 0).toBe(bandMasked[b]! || frameMasked[t]!);
      expect(bandMasked.filter(Boolean).length).toBeLessThanOrEqual(4);
      expect(frameMasked.filter(Boolean).length).toBeLessThanOrEqual(6);
      masked += bandMasked.filter(Boolean).length;
    }
    expect(masked).toBeGreaterThan(0);
  });

  it('shifts the whole log-mel by a gain of at most ±6 dB of power', () => {
    const s = sampler({ gainDb: 6 });
    const out = new Float32Array(BANDS * FRAMES);
    const clip = ramp(FRAMES);
    const shifts = new Set<number>();
    const rng = new Rng(2);
    for (let k = 0; k < 10; k++) {
      s.sample(clip, out, 0, rng);
      const shift = at(out, 0, 0) - clip.mels[0]!;
      for (let b = 0; b < BANDS; b++) for (let t = 0; t < FRAMES; t++) expect(at(out, b, t) - (t + b / 100)).toBeCloseTo(shift, 4);
      expect(Math.abs(shift)).toBeLessThanOrEqual((6 * Math.LN10) / 10 / spec.std + 1e-6);
      shifts.add(Math.round(shift * 1000));
    }
    expect(shifts.size).toBeGreaterThan(5);
  });

  it('mixes powers: a clip mixed with itself is unchanged, with silence it loses at most −log(1 − 0.4)', () => {
    const s = sampler({ mixupProbability: 1, mixupRatio: 0.4 });
    const clip = ramp(FRAMES);
    const out = new Float32Array(BANDS * FRAMES);
    s.sample(clip, out, 0, new Rng(3), clip);
    for (let b = 0; b < BANDS; b++) for (let t = 0; t < FRAMES; t++) expect(at(out, b, t)).toBeCloseTo(t + b / 100, 4);
    const silent: SourceClip = { mels: new Float32Array(FRAMES * BANDS).fill(silenceLevel(spec)), frames: FRAMES, bands: BANDS };
    const rng = new Rng(4);
    let lowest = 0;
    for (let k = 0; k < 10; k++) {
      s.sample(clip, out, 0, rng, silent);
      for (let b = 0; b < BANDS; b++) {
        for (let t = 0; t < FRAMES; t++) {
          const drop = at(out, b, t) - (t + b / 100);
          expect(drop).toBeLessThanOrEqual(1e-5);
          expect(drop).toBeGreaterThanOrEqual(Math.log(0.6) / spec.std - 1e-5);
          lowest = Math.min(lowest, drop);
        }
      }
    }
    expect(lowest).toBeLessThan(-0.01);
  });

  it('resizes a random crop: an identity crop keeps the input, a zoomed one stretches it', () => {
    const clip = ramp(FRAMES);
    const out = new Float32Array(BANDS * FRAMES);
    sampler().sample(clip, out, 0, new Rng(1));
    for (let b = 0; b < BANDS; b++) for (let t = 0; t < FRAMES; t++) expect(at(out, b, t)).toBeCloseTo(t + b / 100, 5);
    // Half the frames stretched over the whole view: neighbouring outputs step by about half a frame.
    sampler({ cropScale: [0.5, 0.5] }).sample(clip, out, 0, new Rng(9));
    for (let t = 1; t < FRAMES - 2; t++) expect(at(out, 0, t + 1) - at(out, 0, t)).toBeCloseTo(0.5, 5);
  });

  it('rejects a clip of another band count or an inconsistent length', () => {
    const out = new Float32Array(BANDS * FRAMES);
    expect(() => sampler().sample({ mels: new Float32Array(40), frames: 10, bands: 4 }, out, 0, new Rng(1))).toThrow('expected a clip of 8 mel bands, got 4');
    expect(() => sampler().centre({ mels: new Float32Array(41), frames: 5, bands: BANDS }, out, 0)).toThrow('a clip of 5 frames × 8 bands needs 40 values, got 41');
  });
});

describe('windows for the mean-over-windows embedding', () => {
  it('covers a clip with half-overlapping inputs, one for a clip of one input or less, at most MAX_EMBED_WINDOWS', () => {
    expect(windowCount(1, 100)).toBe(1);
    expect(windowCount(100, 100)).toBe(1);
    expect(windowCount(101, 100)).toBe(2);
    expect(windowCount(150, 100)).toBe(2);
    expect(windowCount(151, 100)).toBe(3);
    expect(windowCount(300, 100)).toBe(5);
    expect(windowCount(100_000, 100)).toBe(MAX_EMBED_WINDOWS);
    expect(windowCount(5, 1)).toBe(5);
  });
});
