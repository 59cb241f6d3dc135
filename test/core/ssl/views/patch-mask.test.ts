import { describe, expect, it } from 'vitest';
import { Rng } from '../../../../src-main/core/ssl/random';
import { hiddenPatches, patchCount, patchMasks, patchesPerSide } from '../../../../src-main/core/ssl/views/patch-mask';

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
    expect(() => patchMasks({ size: 4, patch: 5, ratio: 0.5 }, 1, new Rng(1))).toThrow("patch size must be from 1 to the image's shorter side 4, got 5");
    expect(() => patchMasks({ size: 4, patch: 2, ratio: 1 }, 1, new Rng(1))).toThrow('mask ratio must be in (0, 1), got 1');
  });

  it('masks rectangular inputs (mel bands × frames) in whole patches, the last row and column cut short', () => {
    const config = { size: 6, width: 10, patch: 4, ratio: 0.5 }; // 2 × 3 patches: rows 0–3 and 4–5, columns 0–3, 4–7, 8–9
    expect(patchCount(config)).toBe(6);
    expect(hiddenPatches(config)).toBe(3);
    const masks = patchMasks(config, 30, new Rng(4));
    expect(masks.length).toBe(30 * 60);
    const sizes = [16, 16, 8, 8, 8, 4]; // pixels per patch, by row then column
    const totals = new Set<number>();
    for (let m = 0; m < 30; m++) {
      const mask = masks.subarray(m * 60, (m + 1) * 60);
      let hiddenCount = 0;
      let hiddenPixels = 0;
      for (let pr = 0; pr < 2; pr++) {
        for (let pc = 0; pc < 3; pc++) {
          const values = new Set<number>();
          for (let y = pr * 4; y < Math.min(pr * 4 + 4, 6); y++) for (let x = pc * 4; x < Math.min(pc * 4 + 4, 10); x++) values.add(mask[y * 10 + x]!);
          expect(values.size).toBe(1);
          if (values.has(1)) {
            hiddenCount++;
            hiddenPixels += sizes[pr * 3 + pc]!;
          }
        }
      }
      expect(hiddenCount).toBe(3);
      expect(mask.reduce((a, b) => a + b, 0)).toBe(hiddenPixels);
      totals.add(hiddenPixels);
    }
    expect(totals.size).toBeGreaterThan(1);
    expect(() => patchMasks({ size: 16, width: 3, patch: 4, ratio: 0.5 }, 1, new Rng(1))).toThrow("patch size must be from 1 to the image's shorter side 3, got 4");
  });

  it('draws the same square masks with or without an explicit width', () => {
    expect(patchMasks({ size: 8, width: 8, patch: 2, ratio: 0.5 }, 3, new Rng(9))).toEqual(patchMasks({ size: 8, patch: 2, ratio: 0.5 }, 3, new Rng(9)));
  });
});
