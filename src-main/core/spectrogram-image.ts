/**
 * Spectrogram previews of audio items: the first seconds of a clip turned into a log-mel
 * spectrogram exactly as the audio data module does for training (decoded, mixed to mono,
 * resampled, framed and mel-filtered at its default settings), drawn as a small PNG with time left
 * to right and low frequencies at the bottom. Values are scaled per clip between the 2nd and 99th
 * percentiles of what is drawn, so a quiet clip is as legible as a loud one, and coloured through
 * matplotlib's magma (dark → bright is quiet → loud, readable in grey and by colour-blind people).
 */
import sharp from 'sharp';
import { clipHeadLogMel } from './data/audio-data';
import { audioData } from './data/audio';
import type { FileFormat } from './datasets/detect';

export const SPECTROGRAM_WIDTH = 128;
export const SPECTROGRAM_HEIGHT = 64;
/** How much of a clip a preview shows; a shorter clip is stretched over the whole width. */
export const SPECTROGRAM_SECONDS = 4;

/** The audio data module's defaults (16 kHz, 25 ms window, 10 ms hop, 64 mel bands). */
const { sampleRate, windowMs, hopMs, melBands } = audioData.resolveSpec([], {}) as { sampleRate: number; windowMs: number; hopMs: number; melBands: number };
const SETTINGS = { sampleRate, windowMs, hopMs, melBands };

/** Names everything a cached preview depends on besides the file's bytes: change it when the drawing changes. */
export const SPECTROGRAM_CACHE_TAG = `spectrogram-v1-${sampleRate}hz-${windowMs}ms-${hopMs}ms-${melBands}mel-${SPECTROGRAM_SECONDS}s-${SPECTROGRAM_WIDTH}x${SPECTROGRAM_HEIGHT}`;

/** matplotlib's magma at every 32nd of its 256 entries (and the last), as 8-bit sRGB. */
const MAGMA_STOPS: readonly (readonly [number, number, number])[] = [
  [0x00, 0x00, 0x04],
  [0x1d, 0x11, 0x47],
  [0x51, 0x12, 0x7c],
  [0x83, 0x26, 0x81],
  [0xb7, 0x37, 0x79],
  [0xe7, 0x52, 0x63],
  [0xfc, 0x89, 0x61],
  [0xfe, 0xc4, 0x88],
  [0xfc, 0xfd, 0xbf],
];

/** 256 RGB entries interpolated linearly between the stops. */
const MAGMA: Uint8Array = (() => {
  const table = new Uint8Array(256 * 3);
  const spans = MAGMA_STOPS.length - 1;
  for (let i = 0; i < 256; i++) {
    const at = (i / 255) * spans;
    const k = Math.min(spans - 1, Math.floor(at));
    const f = at - k;
    for (let c = 0; c < 3; c++) table[i * 3 + c] = Math.round(MAGMA_STOPS[k]![c]! * (1 - f) + MAGMA_STOPS[k + 1]![c]! * f);
  }
  return table;
})();

/** The source range [from, to) that output cell i of m covers along an axis of n source cells (at least one cell). */
function span(i: number, m: number, n: number): [number, number] {
  const from = Math.min(n - 1, Math.floor((i * n) / m));
  return [from, Math.max(from + 1, Math.floor(((i + 1) * n) / m))];
}

/** The value at quantile q of sorted values (linear between neighbours). */
function quantile(sorted: Float32Array, q: number): number {
  const at = q * (sorted.length - 1);
  const lo = Math.floor(at);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (at - lo);
}

/**
 * RGB pixels [height × width × 3] of a log-mel spectrogram (frame-major [frames × bands]): each pixel
 * the mean of the frames and bands it covers, row 0 the highest band, scaled between the 2nd and
 * 99th percentile of the drawn values (a constant clip, silence for one, is drawn dark).
 */
export function spectrogramPixels(mels: Float32Array, frames: number, bands: number, width = SPECTROGRAM_WIDTH, height = SPECTROGRAM_HEIGHT): Uint8Array {
  if (!(frames >= 1) || mels.length !== frames * bands) throw new Error(`expected [${frames} frames × ${bands} bands] log-mels, got ${mels.length} values`);
  const grid = new Float32Array(width * height); // [height, width], row 0 = top = highest band
  for (let x = 0; x < width; x++) {
    const [t0, t1] = span(x, width, frames);
    for (let y = 0; y < height; y++) {
      const [b0, b1] = span(height - 1 - y, height, bands);
      let sum = 0;
      for (let t = t0; t < t1; t++) for (let b = b0; b < b1; b++) sum += mels[t * bands + b]!;
      grid[y * width + x] = sum / ((t1 - t0) * (b1 - b0));
    }
  }
  const sorted = grid.slice().sort();
  const lo = quantile(sorted, 0.02);
  const hi = quantile(sorted, 0.99);
  const scale = hi - lo > 1e-6 ? 255 / (hi - lo) : 0;
  const rgb = new Uint8Array(width * height * 3);
  for (let p = 0; p < grid.length; p++) {
    const level = Math.max(0, Math.min(255, Math.round((grid[p]! - lo) * scale)));
    rgb.set(MAGMA.subarray(level * 3, level * 3 + 3), p * 3);
  }
  return rgb;
}

/**
 * A PNG of the clip's first SPECTROGRAM_SECONDS. Throws an Error with the decoder's reason when the
 * file cannot be decoded, as the image thumbnail does for a broken image.
 */
export async function spectrogramPng(bytes: Uint8Array, format: FileFormat): Promise<Buffer> {
  const limit = Math.ceil((SPECTROGRAM_SECONDS * 1000) / SETTINGS.hopMs);
  const { mels, frames } = await clipHeadLogMel(bytes, format, SETTINGS, limit);
  const rgb = spectrogramPixels(mels, frames, SETTINGS.melBands);
  return sharp(rgb, { raw: { width: SPECTROGRAM_WIDTH, height: SPECTROGRAM_HEIGHT, channels: 3 } })
    .png()
    .toBuffer();
}
