/**
 * Colours of the map: a categorical palette for labels and clusters, tuned to read on the dark theme,
 * and a continuous ramp for scores, cut into bins for regl-scatterplot's colour maps. Pure, tested in
 * test/renderer.
 */

/**
 * Twelve hues that stay apart on a dark background (the first three are the modality colours of
 * app.css), then golden-angle hues for more classes.
 */
export const CATEGORY_PALETTE: readonly string[] = [
  '#6bb7ff',
  '#e3b86a',
  '#b99af7',
  '#4cc38a',
  '#f06a70',
  '#5fd4d0',
  '#f29bd0',
  '#c7d36a',
  '#ff9f5a',
  '#8fa3ff',
  '#a0e3b4',
  '#d4a373',
];

/** Points with no label (or no score). */
export const MISSING_COLOR = '#5a6270';

/** The colour of category `i` (0-based). */
export function categoryColor(i: number): string {
  if (i < CATEGORY_PALETTE.length) return CATEGORY_PALETTE[i]!;
  const hue = (i * 137.508) % 360;
  return hslToHex(hue, 0.62, 0.66 - ((i >> 3) % 3) * 0.06);
}

/** Colours of `n` categories followed by the "missing" colour (for the unlabelled bin). */
export function categoryColors(n: number): string[] {
  return [...Array.from({ length: n }, (_, i) => categoryColor(i)), MISSING_COLOR];
}

/** Stops of the disagreement ramp: calm blue where neighbours agree, amber, then red where they do not. */
export const SCORE_RAMP: readonly [at: number, color: string][] = [
  [0, '#3e5f99'],
  [0.35, '#6d8fd6'],
  [0.6, '#e6a94a'],
  [1, '#f06a70'],
];

/** The ramp's colour at t in [0, 1] (clamped), interpolated in sRGB between stops. */
export function rampColor(t: number, ramp: readonly [number, string][] = SCORE_RAMP): string {
  const v = Number.isFinite(t) ? Math.min(1, Math.max(0, t)) : 0;
  for (let s = 1; s < ramp.length; s++) {
    const [a, ca] = ramp[s - 1]!;
    const [b, cb] = ramp[s]!;
    if (v <= b || s === ramp.length - 1) {
      const f = b > a ? (v - a) / (b - a) : 0;
      return mixHex(ca, cb, Math.min(1, Math.max(0, f)));
    }
  }
  return ramp[ramp.length - 1]![1];
}

/** One colour per bin, taken at the bin's centre, then the "missing" colour. */
export function rampColors(bins: number, ramp: readonly [number, string][] = SCORE_RAMP): string[] {
  return [...Array.from({ length: bins }, (_, i) => rampColor((i + 0.5) / bins, ramp)), MISSING_COLOR];
}

/** A CSS linear-gradient of the ramp, for the legend. */
export function rampGradient(ramp: readonly [number, string][] = SCORE_RAMP): string {
  return `linear-gradient(90deg, ${ramp.map(([at, c]) => `${c} ${Math.round(at * 100)}%`).join(', ')})`;
}

export function hexToRgb(hex: string): [number, number, number] {
  const m = /^#?([0-9a-f]{6})$/i.exec(hex.trim());
  if (!m) throw new Error(`expected a colour like #12abef, got "${hex}"`);
  const v = parseInt(m[1]!, 16);
  return [(v >> 16) & 255, (v >> 8) & 255, v & 255];
}

export function rgbToHex(r: number, g: number, b: number): string {
  const c = (v: number): string => Math.round(Math.min(255, Math.max(0, v))).toString(16).padStart(2, '0');
  return `#${c(r)}${c(g)}${c(b)}`;
}

export function mixHex(a: string, b: string, t: number): string {
  const [r1, g1, b1] = hexToRgb(a);
  const [r2, g2, b2] = hexToRgb(b);
  return rgbToHex(r1 + (r2 - r1) * t, g1 + (g2 - g1) * t, b1 + (b2 - b1) * t);
}

/** Hex with an alpha byte, as regl-scatterplot accepts: ("#6bb7ff", 0.5) → "#6bb7ff80". */
export function withAlpha(hex: string, alpha: number): string {
  const [r, g, b] = hexToRgb(hex);
  return `${rgbToHex(r, g, b)}${Math.round(Math.min(1, Math.max(0, alpha)) * 255)
    .toString(16)
    .padStart(2, '0')}`;
}

function hslToHex(h: number, s: number, l: number): string {
  const k = (n: number): number => (n + h / 30) % 12;
  const a = s * Math.min(l, 1 - l);
  const f = (n: number): number => l - a * Math.max(-1, Math.min(k(n) - 3, Math.min(9 - k(n), 1)));
  return rgbToHex(f(0) * 255, f(8) * 255, f(4) * 255);
}
