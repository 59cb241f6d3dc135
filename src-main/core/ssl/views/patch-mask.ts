/**
 * Random patch masks for masked image modelling, as in SimMIM (Xie et al. 2022, §3.1) and MAE (He
 * et al. 2022, §3): the image is cut into patch × patch squares (the last row and column of
 * patches are cut short when the side is not a multiple of the patch), and exactly
 * round(ratio · patches) of them, chosen uniformly without replacement, are hidden. Drawn from the
 * given seeded generator, so a run's masks are reproducible and a resumed run draws the same ones.
 */
import type { Rng } from '../random';

export interface PatchMaskConfig {
  /** Image side in pixels (square images). */
  size: number;
  /** Patch side in pixels. */
  patch: number;
  /** Share of the patches hidden, in (0, 1). */
  ratio: number;
}

/** Patches along one side. */
export function patchesPerSide(size: number, patch: number): number {
  return Math.ceil(size / patch);
}

/** How many patches each mask hides: round(ratio · patches), at least 1 and at most all but 1. */
export function hiddenPatches(config: PatchMaskConfig): number {
  const total = patchesPerSide(config.size, config.patch) ** 2;
  return Math.min(total - 1, Math.max(1, Math.round(config.ratio * total)));
}

/**
 * Writes `count` masks into `out` ([count, size, size], 1 = hidden, 0 = visible), one per image.
 * @returns `out`
 */
export function patchMasks(config: PatchMaskConfig, count: number, rng: Rng, out = new Float32Array(count * config.size * config.size)): Float32Array {
  const { size, patch } = config;
  if (!(patch >= 1 && patch <= size)) throw new RangeError(`patch size must be from 1 to the image side ${size}, got ${patch}`);
  if (!(config.ratio > 0 && config.ratio < 1)) throw new RangeError(`mask ratio must be in (0, 1), got ${config.ratio}`);
  if (out.length !== count * size * size) throw new Error(`mask buffer holds ${out.length} values, expected ${count}·${size}·${size} = ${count * size * size}`);
  const side = patchesPerSide(size, patch);
  const order = Int32Array.from({ length: side * side }, (_, i) => i);
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
    const base = m * size * size;
    for (let i = 0; i < hidden; i++) {
      const py = Math.floor(order[i]! / side) * patch;
      const px = (order[i]! % side) * patch;
      for (let y = py; y < Math.min(py + patch, size); y++) out.fill(1, base + y * size + px, base + y * size + Math.min(px + patch, size));
    }
  }
  return out;
}
