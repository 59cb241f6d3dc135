/**
 * Image views for contrastive methods: the SimCLR augmentation pipeline (Chen et al. 2020,
 * Appendix A): random resized crop with bilinear resampling, horizontal flip, colour jitter
 * (brightness, contrast, saturation, hue; applied with probability 0.8), random greyscale (0.2) and
 * Gaussian blur. Runs on the CPU in plain loops over preallocated buffers: for the small images we
 * train on this costs microseconds per view, and drawing from a seeded Rng makes every view
 * reproducible.
 */
import type { Rng } from '../random';

export interface ImageViewConfig {
  /** Output side in pixels. */
  size: number;
  /** Crop area as a fraction of the source, [min, max]; SimCLR uses [0.08, 1], small images [0.2, 1]. */
  cropScale: [number, number];
  /** Aspect-ratio range of the crop. */
  cropRatio: [number, number];
  flipProbability: number;
  /** Colour-jitter strength s (brightness/contrast/saturation 0.8s, hue 0.2s), applied with probability 0.8. */
  jitterStrength: number;
  jitterProbability: number;
  /** Only used when the images have colour. */
  greyscaleProbability: number;
  blurProbability: number;
  /** Blur sigma range in pixels of the output image. */
  blurSigma: [number, number];
}

/** Defaults by image size: SimCLR's CIFAR settings for small images (no blur), ImageNet-like above 48 px. */
export function defaultImageViews(size: number): ImageViewConfig {
  const small = size < 48;
  return {
    size,
    cropScale: small ? [0.2, 1] : [0.08, 1],
    cropRatio: [3 / 4, 4 / 3],
    flipProbability: 0.5,
    jitterStrength: 0.5,
    jitterProbability: 0.8,
    greyscaleProbability: 0.2,
    blurProbability: small ? 0 : 0.5,
    blurSigma: [0.1, Math.max(0.2, size / 64)],
  };
}

/** One decoded source image: `channels` interleaved bytes per pixel, row-major. */
export interface SourceImage {
  data: Uint8Array;
  width: number;
  height: number;
  channels: 1 | 3;
}

/** Makes augmented views into caller-owned Float32 buffers, values in [0, 1], layout [H, W, C]. */
export class ImageViewSampler {
  private readonly scratch: Float32Array;
  private readonly blurTmp: Float32Array;
  private readonly kernel: Float32Array;

  constructor(
    readonly config: ImageViewConfig,
    readonly channels: 1 | 3,
  ) {
    const n = config.size * config.size * channels;
    this.scratch = new Float32Array(n);
    this.blurTmp = new Float32Array(n);
    this.kernel = new Float32Array(2 * Math.ceil(3 * config.blurSigma[1]) + 1);
  }

  /** Writes one augmented view of `src` into `out[offset .. offset + size*size*channels)`. */
  sample(src: SourceImage, out: Float32Array, offset: number, rng: Rng): void {
    const { size } = this.config;
    if (src.channels !== this.channels) {
      throw new Error(`expected a source image with ${this.channels} channel(s), got ${src.channels}`);
    }
    const view = this.scratch;
    this.randomResizedCrop(src, view, rng);
    if (rng.chance(this.config.flipProbability)) this.flipHorizontal(view);
    if (this.channels === 3) {
      if (rng.chance(this.config.jitterProbability)) this.colourJitter(view, rng);
      if (rng.chance(this.config.greyscaleProbability)) this.greyscale(view);
    } else if (rng.chance(this.config.jitterProbability)) {
      this.brightnessContrast(view, rng);
    }
    if (this.config.blurProbability > 0 && rng.chance(this.config.blurProbability)) {
      this.gaussianBlur(view, rng.uniform(this.config.blurSigma[0], this.config.blurSigma[1]));
    }
    out.set(view.subarray(0, size * size * this.channels), offset);
  }

  /** The un-augmented image resized to the output size (for embedding extraction). */
  centre(src: SourceImage, out: Float32Array, offset: number): void {
    this.resample(src, 0, 0, src.width, src.height, this.scratch);
    out.set(this.scratch, offset);
  }

  private randomResizedCrop(src: SourceImage, out: Float32Array, rng: Rng): void {
    const area = src.width * src.height;
    const [smin, smax] = this.config.cropScale;
    const [rmin, rmax] = this.config.cropRatio;
    for (let attempt = 0; attempt < 10; attempt++) {
      const target = area * rng.uniform(smin, smax);
      const ratio = Math.exp(rng.uniform(Math.log(rmin), Math.log(rmax)));
      const w = Math.sqrt(target * ratio);
      const h = Math.sqrt(target / ratio);
      if (w <= src.width && h <= src.height && w >= 1 && h >= 1) {
        const x = rng.uniform(0, src.width - w);
        const y = rng.uniform(0, src.height - h);
        return this.resample(src, x, y, w, h, out);
      }
    }
    // Fall back to a centre crop at the nearest allowed ratio, as torchvision does.
    const ratio = src.width / src.height;
    let w = src.width;
    let h = src.height;
    if (ratio < rmin) h = w / rmin;
    else if (ratio > rmax) w = h * rmax;
    this.resample(src, (src.width - w) / 2, (src.height - h) / 2, w, h, out);
  }

  /** Bilinear resampling of the box (x0, y0, w, h) of `src` to size × size, scaled to [0, 1]. */
  private resample(src: SourceImage, x0: number, y0: number, w: number, h: number, out: Float32Array): void {
    const { size } = this.config;
    const c = this.channels;
    const sx = w / size;
    const sy = h / size;
    const maxX = src.width - 1;
    const maxY = src.height - 1;
    const data = src.data;
    const rowStride = src.width * c;
    for (let oy = 0; oy < size; oy++) {
      const fy = Math.min(maxY, Math.max(0, y0 + (oy + 0.5) * sy - 0.5));
      const iy = Math.floor(fy);
      const iy1 = Math.min(maxY, iy + 1);
      const dy = fy - iy;
      for (let ox = 0; ox < size; ox++) {
        const fx = Math.min(maxX, Math.max(0, x0 + (ox + 0.5) * sx - 0.5));
        const ix = Math.floor(fx);
        const ix1 = Math.min(maxX, ix + 1);
        const dx = fx - ix;
        const o = (oy * size + ox) * c;
        for (let k = 0; k < c; k++) {
          const p00 = data[iy * rowStride + ix * c + k]!;
          const p01 = data[iy * rowStride + ix1 * c + k]!;
          const p10 = data[iy1 * rowStride + ix * c + k]!;
          const p11 = data[iy1 * rowStride + ix1 * c + k]!;
          const top = p00 + (p01 - p00) * dx;
          const bottom = p10 + (p11 - p10) * dx;
          out[o + k] = (top + (bottom - top) * dy) / 255;
        }
      }
    }
  }

  private flipHorizontal(img: Float32Array): void {
    const { size } = this.config;
    const c = this.channels;
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size >> 1; x++) {
        const a = (y * size + x) * c;
        const b = (y * size + (size - 1 - x)) * c;
        for (let k = 0; k < c; k++) {
          const t = img[a + k]!;
          img[a + k] = img[b + k]!;
          img[b + k] = t;
        }
      }
    }
  }

  /** Brightness, contrast, saturation and hue, in a random order (torchvision's ColorJitter). */
  private colourJitter(img: Float32Array, rng: Rng): void {
    const s = this.config.jitterStrength;
    const order = [0, 1, 2, 3];
    rng.shuffle(order);
    const brightness = rng.uniform(Math.max(0, 1 - 0.8 * s), 1 + 0.8 * s);
    const contrast = rng.uniform(Math.max(0, 1 - 0.8 * s), 1 + 0.8 * s);
    const saturation = rng.uniform(Math.max(0, 1 - 0.8 * s), 1 + 0.8 * s);
    const hue = rng.uniform(-0.2 * s, 0.2 * s);
    for (const op of order) {
      if (op === 0) scale(img, brightness);
      else if (op === 1) blend(img, meanLuma(img), contrast);
      else if (op === 2) this.saturate(img, saturation);
      else this.shiftHue(img, hue);
    }
  }

  private brightnessContrast(img: Float32Array, rng: Rng): void {
    const s = this.config.jitterStrength;
    scale(img, rng.uniform(Math.max(0, 1 - 0.8 * s), 1 + 0.8 * s));
    let mean = 0;
    for (let i = 0; i < img.length; i++) mean += img[i]!;
    blend(img, mean / img.length, rng.uniform(Math.max(0, 1 - 0.8 * s), 1 + 0.8 * s));
  }

  private saturate(img: Float32Array, factor: number): void {
    for (let i = 0; i < img.length; i += 3) {
      const grey = 0.299 * img[i]! + 0.587 * img[i + 1]! + 0.114 * img[i + 2]!;
      for (let k = 0; k < 3; k++) img[i + k] = clamp01(grey + (img[i + k]! - grey) * factor);
    }
  }

  private greyscale(img: Float32Array): void {
    for (let i = 0; i < img.length; i += 3) {
      const grey = 0.299 * img[i]! + 0.587 * img[i + 1]! + 0.114 * img[i + 2]!;
      img[i] = img[i + 1] = img[i + 2] = grey;
    }
  }

  /** Rotates the hue by `shift` turns through HSV. */
  private shiftHue(img: Float32Array, shift: number): void {
    for (let i = 0; i < img.length; i += 3) {
      const r = img[i]!;
      const g = img[i + 1]!;
      const b = img[i + 2]!;
      const max = Math.max(r, g, b);
      const min = Math.min(r, g, b);
      const d = max - min;
      if (d === 0) continue;
      let h = max === r ? ((g - b) / d) % 6 : max === g ? (b - r) / d + 2 : (r - g) / d + 4;
      h = (h / 6 + shift + 1) % 1;
      const v = max;
      const sat = d / max;
      const h6 = h * 6;
      const sector = Math.floor(h6);
      const f = h6 - sector;
      const p = v * (1 - sat);
      const q = v * (1 - sat * f);
      const t = v * (1 - sat * (1 - f));
      const rgb =
        sector === 0 ? [v, t, p] : sector === 1 ? [q, v, p] : sector === 2 ? [p, v, t] : sector === 3 ? [p, q, v] : sector === 4 ? [t, p, v] : [v, p, q];
      img[i] = rgb[0]!;
      img[i + 1] = rgb[1]!;
      img[i + 2] = rgb[2]!;
    }
  }

  /** Separable Gaussian blur with edge clamping. */
  private gaussianBlur(img: Float32Array, sigma: number): void {
    const { size } = this.config;
    const c = this.channels;
    const radius = Math.min((this.kernel.length - 1) >> 1, Math.ceil(3 * sigma));
    let sum = 0;
    for (let i = -radius; i <= radius; i++) sum += this.kernel[i + radius] = Math.exp(-(i * i) / (2 * sigma * sigma));
    for (let i = 0; i <= 2 * radius; i++) this.kernel[i]! /= sum;
    const tmp = this.blurTmp;
    for (let pass = 0; pass < 2; pass++) {
      const from = pass === 0 ? img : tmp;
      const to = pass === 0 ? tmp : img;
      for (let y = 0; y < size; y++) {
        for (let x = 0; x < size; x++) {
          for (let k = 0; k < c; k++) {
            let acc = 0;
            for (let i = -radius; i <= radius; i++) {
              const xx = pass === 0 ? Math.min(size - 1, Math.max(0, x + i)) : x;
              const yy = pass === 1 ? Math.min(size - 1, Math.max(0, y + i)) : y;
              acc += this.kernel[i + radius]! * from[(yy * size + xx) * c + k]!;
            }
            to[(y * size + x) * c + k] = acc;
          }
        }
      }
    }
  }
}

function clamp01(v: number): number {
  return v < 0 ? 0 : v > 1 ? 1 : v;
}

function scale(img: Float32Array, factor: number): void {
  for (let i = 0; i < img.length; i++) img[i] = clamp01(img[i]! * factor);
}

/** Blends towards a constant: factor 1 keeps the image, 0 makes it flat (contrast). */
function blend(img: Float32Array, towards: number, factor: number): void {
  for (let i = 0; i < img.length; i++) img[i] = clamp01(towards + (img[i]! - towards) * factor);
}

function meanLuma(img: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < img.length; i += 3) sum += 0.299 * img[i]! + 0.587 * img[i + 1]! + 0.114 * img[i + 2]!;
  return sum / (img.length / 3);
}
