/**
 * Random patch masks for masked image modelling, as in SimMIM (Xie et al. 2022, §3.1) and MAE (He
 * et al. 2022, §3): the image is cut into patch × patch squares (the last row and column of
 * patches are cut short when a side is not a multiple of the patch), and exactly
 * round(ratio · patches) of them, chosen uniformly without replacement, are hidden. Drawn from the
 * given seeded generator, so a run's masks are reproducible and a resumed run draws the same ones.
 * Inputs may be rectangular (a spectrogram's mel bands × frames): `size` is the height, `width` the
 * width (the height when not given).
 */
import type { Rng } from '../random';

export interface PatchMaskConfig {
  /** Image height in pixels (and width, unless `width` is given). */
  size: number;
  /** Image width in pixels; `size` when not given. */
  width?: number;
  /** Patch side in pixels. */
  patch: number;
  /** Share of the patches hidden, in (0, 1). */
  ratio: number;
}

/** Patches along one side. */
export function patchesPerSide(size: number, patch: number): number {
  return Math.ceil(size / patch);
}

/** Patches of an input: rows × columns. */
export function patchCount(config: PatchMaskConfig): number {
  return patchesPerSide(config.size, config.patch) * patchesPerSide(config.width ?? config.size, config.patch);
}

/** How many patches each mask hides: round(ratio · patches), at least 1 and at most all but 1. */
export function hiddenPatches(config: PatchMaskConfig): number {
  const total = patchCount(config);
  return Math.min(total - 1, Math.max(1, Math.round(config.ratio * total)));
}

/**
 * Writes `count` masks into `out` ([count, size, width], 1 = hidden, 0 = visible), one per image.
 * @returns `out`
 */
export function patchMasks(config: PatchMaskConfig, count: number, rng: Rng, out = new Float32Array(count * config.size * (config.width ?? config.size))): Float32Array {
  const { size: height, patch } = config;
  const width = config.width ?? height;
  const shortest = Math.min(height, width);
  if (!(patch >= 1 && patch <= shortest)) throw new RangeError(`patch size must be from 1 to the image's shorter side ${shortest}, got ${patch}`);
  if (!(config.ratio > 0 && config.ratio < 1)) throw new RangeError(`mask ratio must be in (0, 1), got ${config.ratio}`);
  const area = height * width;
  if (out.length !== count * area) throw new Error(`mask buffer holds ${out.length} values, expected ${count}·${height}·${width} = ${count * area}`);
  const columns = patchesPerSide(width, patch);
  const order = Int32Array.from({ length: patchCount(config) }, (_, i) => i);
  const hidden = hiddenPatches(config);
  out.fill(0);
  for (let m = 0; m < count; m++) {
    // A partial Fisher–Yates shuffle: the first `hidden` entries are a uniform sample without replacement.
    for (let i = 0; i < hidden; i++) {
      const j = i + rng.int(order.length - i);
      const t = order[i]!;
      order[i] = order[j]!;
      order[j] = t;
    }
    const base = m * area;
    for (let i = 0; i < hidden; i++) {
      const py = Math.floor(order[i]! / columns) * patch;
      const px = (order[i]! % columns) * patch;
      for (let y = py; y < Math.min(py + patch, height); y++) out.fill(1, base + y * width + px, base + y * width + Math.min(px + patch, width));
    }
  }
  return out;
}
