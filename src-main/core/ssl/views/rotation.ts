/**
 * Rotations of square images by multiples of 90° for rotation prediction (Gidaris et al. 2018):
 * exact index permutations on the CPU, from one [S, S, C] buffer into another, no resampling.
 * Quarter turns are counter-clockwise, as numpy.rot90(x, k) and torch.rot90(x, k, dims=(0, 1)).
 */

/**
 * Writes `src[srcOffset ..]` (an [S, S, C] image, row-major) rotated by `quarterTurns` × 90°
 * counter-clockwise into `out[outOffset ..]`. `src` and `out` must not overlap.
 */
export function rotateSquare(
  src: Float32Array,
  srcOffset: number,
  out: Float32Array,
  outOffset: number,
  size: number,
  channels: number,
  quarterTurns: number,
): void {
  const k = ((quarterTurns % 4) + 4) % 4;
  const per = size * size * channels;
  if (srcOffset + per > src.length || outOffset + per > out.length) {
    throw new RangeError(`rotateSquare: a ${size}×${size}×${channels} image needs ${per} values at offsets ${srcOffset} (of ${src.length}) and ${outOffset} (of ${out.length})`);
  }
  if (k === 0) {
    out.set(src.subarray(srcOffset, srcOffset + per), outOffset);
    return;
  }
  const last = size - 1;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      // Output pixel (y, x) comes from source pixel (sy, sx).
      const sy = k === 1 ? x : k === 2 ? last - y : last - x;
      const sx = k === 1 ? last - y : k === 2 ? last - x : y;
      const o = outOffset + (y * size + x) * channels;
      const s = srcOffset + (sy * size + sx) * channels;
      for (let c = 0; c < channels; c++) out[o + c] = src[s + c]!;
    }
  }
}
