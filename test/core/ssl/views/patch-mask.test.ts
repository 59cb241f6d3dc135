import { describe, expect, it } from 'vitest';
import { Rng } from '../../../../src-main/core/ssl/random';
import { hiddenPatches, patchMasks, patchesPerSide } from '../../../../src-main/core/ssl/views/patch-mask';

describe('patchMasks', () => {
  it('hides exactly round(ratio · patches) whole patches per image', () => {
    const config = { size: 8, patch: 2, ratio: 0.6 };
    const masks = patchMasks(config, 5, new Rng(1));
    expect(hiddenPatches(config)).toBe(10); // 0.6 · 16 = 9.6
    for (let m = 0; m < 5; m++) {
      const mask = masks.subarray(m * 64, (m + 1) * 64);
      expect(mask.reduce((a, b) => a + b, 0)).toBe(40);
      // Each 2×2 patch is all hidden or all visible.
      for (let py = 0; py < 8; py += 2) {
        for (let px = 0; px < 8; px += 2) {
          const values = [mask[py * 8 + px], mask[py * 8 + px + 1], mask[(py + 1) * 8 + px], mask[(py + 1) * 8 + px + 1]];
          expect(new Set(values).size).toBe(1);
        }
      }
    }
  });

  it('cuts the last patches short when the side is not a multiple of the patch', () => {
    expect(patchesPerSide(7, 3)).toBe(3);
    const masks = patchMasks({ size: 7, patch: 3, ratio: 0.5 }, 20, new Rng(2));
    expect(masks.length).toBe(20 * 49);
    expect(masks.every((v) => v === 0 || v === 1)).toBe(true);
  });

  it('draws the same masks from the same generator state, other masks for other images', () => {
    const config = { size: 8, patch: 2, ratio: 0.5 };
    const a = patchMasks(config, 2, new Rng(7));
    const b = patchMasks(config, 2, new Rng(7));
    expect(a).toEqual(b);
    expect(a.subarray(0, 64)).not.toEqual(a.subarray(64));
  });

  it('keeps at least one patch visible and one hidden, and refuses bad settings', () => {
    expect(hiddenPatches({ size: 4, patch: 2, ratio: 0.99 })).toBe(3);
    expect(hiddenPatches({ size: 4, patch: 2, ratio: 0.01 })).toBe(1);
    expect(() => patchMasks({ size: 4, patch: 5, ratio: 0.5 }, 1, new Rng(1))).toThrow('patch size must be from 1 to the image side 4, got 5');
    expect(() => patchMasks({ size: 4, patch: 2, ratio: 1 }, 1, new Rng(1))).toThrow('mask ratio must be in (0, 1), got 1');
  });
});
