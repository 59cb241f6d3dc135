import { describe, expect, it } from 'vitest';
import { Rng } from '../../../../src-main/core/ssl/random';
import { defaultImageViews, ImageViewSampler, type SourceImage } from '../../../../src-main/core/ssl/views/image';

function gradient(width: number, height: number, channels: 1 | 3): SourceImage {
  const data = new Uint8Array(width * height * channels);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < channels; c++) data[(y * width + x) * channels + c] = (x * 8 + y * 2 + c * 40) % 256;
    }
  }
  return { data, width, height, channels };
}

const noAugment = (size: number) => ({
  ...defaultImageViews(size),
  cropScale: [1, 1] as [number, number],
  cropRatio: [1, 1] as [number, number],
  flipProbability: 0,
  jitterProbability: 0,
  greyscaleProbability: 0,
  blurProbability: 0,
});

describe('ImageViewSampler', () => {
  it('with every augmentation off, returns the image resized and scaled to [0, 1]', () => {
    const src = gradient(16, 16, 3);
    const sampler = new ImageViewSampler(noAugment(16), 3);
    const out = new Float32Array(16 * 16 * 3);
    sampler.sample(src, out, 0, new Rng(1));
    for (let i = 0; i < out.length; i++) expect(out[i]).toBeCloseTo(src.data[i]! / 255, 5);
  });

  it('flips horizontally when the flip is certain', () => {
    const src = gradient(8, 8, 1);
    const sampler = new ImageViewSampler({ ...noAugment(8), flipProbability: 1 }, 1);
    const out = new Float32Array(64);
    sampler.sample(src, out, 0, new Rng(1));
    for (let y = 0; y < 8; y++) for (let x = 0; x < 8; x++) expect(out[y * 8 + x]).toBeCloseTo(src.data[y * 8 + (7 - x)]! / 255, 5);
  });

  it('makes grey pixels when greyscale is certain', () => {
    const sampler = new ImageViewSampler({ ...noAugment(8), greyscaleProbability: 1 }, 3);
    const out = new Float32Array(8 * 8 * 3);
    sampler.sample(gradient(8, 8, 3), out, 0, new Rng(1));
    for (let i = 0; i < out.length; i += 3) {
      expect(out[i]).toBeCloseTo(out[i + 1]!, 6);
      expect(out[i + 1]).toBeCloseTo(out[i + 2]!, 6);
    }
  });

  it('blur keeps the mean of a flat image and smooths an edge', () => {
    const src: SourceImage = { data: new Uint8Array(16 * 16), width: 16, height: 16, channels: 1 };
    for (let y = 0; y < 16; y++) for (let x = 8; x < 16; x++) src.data[y * 16 + x] = 255;
    const sampler = new ImageViewSampler({ ...noAugment(16), blurProbability: 1, blurSigma: [1.5, 1.5] }, 1);
    const out = new Float32Array(256);
    sampler.sample(src, out, 0, new Rng(1));
    expect(out[8 * 16 + 7]).toBeGreaterThan(0.1); // light bled across the edge
    expect(out[8 * 16 + 8]).toBeLessThan(0.9);
    expect(out[8 * 16 + 0]).toBeCloseTo(0, 3);
  });

  it('is deterministic under a seed, different across seeds, and stays in [0, 1]', () => {
    const src = gradient(40, 30, 3);
    const sampler = new ImageViewSampler({ ...defaultImageViews(32), blurProbability: 0.5 }, 3);
    const a = new Float32Array(32 * 32 * 3 * 2);
    const b = new Float32Array(a.length);
    const r1 = new Rng(5);
    const r2 = new Rng(5);
    sampler.sample(src, a, 0, r1);
    sampler.sample(src, a, 32 * 32 * 3, r1);
    sampler.sample(src, b, 0, r2);
    sampler.sample(src, b, 32 * 32 * 3, r2);
    expect(b).toEqual(a);
    const c = new Float32Array(a.length);
    sampler.sample(src, c, 0, new Rng(6));
    expect(c.subarray(0, 3072)).not.toEqual(a.subarray(0, 3072));
    for (const v of a) {
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThanOrEqual(1);
    }
  });

  it('refuses a source with the wrong channel count, saying both', () => {
    const sampler = new ImageViewSampler(noAugment(8), 3);
    expect(() => sampler.sample(gradient(8, 8, 1), new Float32Array(192), 0, new Rng(1))).toThrow(/3 channel\(s\), got 1/);
  });
});
