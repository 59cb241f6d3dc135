import { expect, test } from 'vitest';
import {
  CATEGORY_PALETTE,
  categoryColor,
  categoryColors,
  hexToRgb,
  MISSING_COLOR,
  mixHex,
  rampColor,
  rampColors,
  rampGradient,
  SCORE_RAMP,
  withAlpha,
} from '../../../src-renderer/src/lib/color-scales';

test('categories take the palette, then distinct generated hues', () => {
  expect(categoryColor(0)).toBe(CATEGORY_PALETTE[0]);
  const many = Array.from({ length: 40 }, (_, i) => categoryColor(i));
  expect(new Set(many).size).toBe(40);
  expect(many.every((c) => /^#[0-9a-f]{6}$/.test(c))).toBe(true);
  expect(categoryColors(3)).toEqual([CATEGORY_PALETTE[0], CATEGORY_PALETTE[1], CATEGORY_PALETTE[2], MISSING_COLOR]);
});

test('the ramp hits its stops and clamps outside [0, 1]', () => {
  expect(rampColor(0)).toBe(SCORE_RAMP[0]![1]);
  expect(rampColor(1)).toBe(SCORE_RAMP[SCORE_RAMP.length - 1]![1]);
  expect(rampColor(0.6)).toBe('#e6a94a');
  expect(rampColor(-3)).toBe(rampColor(0));
  expect(rampColor(7)).toBe(rampColor(1));
  expect(rampColor(Number.NaN)).toBe(rampColor(0));
});

test('the ramp is monotonic in redness towards disagreement', () => {
  const reds = Array.from({ length: 11 }, (_, i) => hexToRgb(rampColor(i / 10))[0]);
  expect(reds).toEqual([...reds].sort((a, b) => a - b));
});

test('bins take the colour at their centre, then the missing colour', () => {
  const colors = rampColors(4);
  expect(colors).toHaveLength(5);
  expect(colors[0]).toBe(rampColor(0.125));
  expect(colors[3]).toBe(rampColor(0.875));
  expect(colors[4]).toBe(MISSING_COLOR);
  expect(rampGradient()).toMatch(/^linear-gradient\(90deg, #3e5f99 0%, .*#f06a70 100%\)$/);
});

test('hex helpers', () => {
  expect(hexToRgb('#ff8000')).toEqual([255, 128, 0]);
  expect(() => hexToRgb('red')).toThrow(/#12abef, got "red"/);
  expect(mixHex('#000000', '#ffffff', 0.5)).toBe('#808080');
  expect(withAlpha('#6bb7ff', 0.5)).toBe('#6bb7ff80');
  expect(withAlpha('#6bb7ff', 2)).toBe('#6bb7ffff');
});
