/**
 * Preview strips: after every epoch, a method with a `previews` hook (autoencoder, VAE, masked image
 * modelling) draws a few fixed items (held-out ones when the run has a held-out split) beside what
 * it makes of them. The loop stores each strip as one small PNG in the run's preview folder and
 * describes it in `run_previews`; the run view shows the latest, and the file is the export.
 */
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import type { LoadedData, ModalityData } from '../data/types';
import { tf } from '../engine/backend';
import { readsSynchronously } from '../engine/webgpu';
import type { StorageLayout } from '../paths';
import type { PreviewRow, TrainableMethod } from '../ssl/methods/types';
import { Rng } from '../ssl/random';
import type { Db } from '../storage/db';
import { PreviewsRepository } from '../storage/repositories/previews';

/** Items (columns) per strip. */
export const PREVIEW_ITEMS = 8;
/** Pixels between images, and their grey level. */
export const PREVIEW_GAP = 2;
const GAP_LEVEL = 40;

/** `count` item indices spread evenly over the held-out items (over all `n` items without a split), ascending. */
export function previewItems(heldOut: ArrayLike<number> | null, n: number, count = PREVIEW_ITEMS): Int32Array {
  const pool = heldOut && heldOut.length > 0 ? Array.from(heldOut) : Array.from({ length: n }, (_, i) => i);
  pool.sort((a, b) => a - b);
  const k = Math.min(count, pool.length);
  return Int32Array.from({ length: k }, (_, i) => pool[Math.floor((i * pool.length) / k)]!);
}

/** Side of one image in a strip: small images enlarged by a whole factor to at least 64 px, large ones shown at 128 px. */
export function previewCell(size: number): number {
  return size < 64 ? size * Math.ceil(64 / size) : Math.min(size, 128);
}

/**
 * [height, width] of one input in a strip. A square image: previewCell. A rectangle (a spectrogram's
 * mel bands × frames): its shorter side enlarged by a whole factor to at least 64 px, then shrunk
 * if the longer side would pass 256 px, keeping its proportions.
 */
export function previewCellSize(height: number, width: number): [number, number] {
  if (height === width) return [previewCell(height), previewCell(width)];
  const shorter = Math.min(height, width);
  let scale = shorter < 64 ? Math.ceil(64 / shorter) : 1;
  scale = Math.min(scale, 256 / Math.max(height, width));
  return [Math.max(1, Math.round(height * scale)), Math.max(1, Math.round(width * scale))];
}

/**
 * How preview values become grey levels: 'pixels' are drawn as they are, clipped to [0, 1];
 * 'spectrogram' rows (normalised log-mels, [mel bands, frames, 1]) are drawn with the highest band on
 * top, every row scaled between the 2nd and 99th percentiles of the first row's values (the
 * originals), so reconstructions are seen on the originals' scale.
 */
export type PreviewDisplay = 'pixels' | 'spectrogram';

/** The rows as values in [0, 1] laid out top row first (see PreviewDisplay). */
export function displayRows(rows: readonly PreviewRow[], display: PreviewDisplay, count: number, height: number, width: number, channels: number): PreviewRow[] {
  if (display === 'pixels' || rows.length === 0) return [...rows];
  const first = Float64Array.from(rows[0]!.images).sort();
  const at = (q: number): number => first[Math.min(first.length - 1, Math.round(q * (first.length - 1)))]!;
  const lo = at(0.02);
  const hi = at(0.99);
  const scale = hi - lo > 1e-6 ? 1 / (hi - lo) : 0;
  const per = height * width * channels;
  return rows.map((row) => {
    const images = new Float32Array(row.images.length);
    for (let item = 0; item < count; item++) {
      for (let y = 0; y < height; y++) {
        const from = item * per + (height - 1 - y) * width * channels;
        const to = item * per + y * width * channels;
        for (let i = 0; i < width * channels; i++) images[to + i] = (row.images[from + i]! - lo) * scale;
      }
    }
    return { label: row.label, images };
  });
}

/**
 * Lays the rows out as one image: rows top to bottom, items left to right, each image scaled to
 * `cellHeight` × `cellWidth` (nearest neighbour, so pixels stay sharp), values clipped to [0, 1].
 * @param rows each with `count` images of [height, width, channels]
 * @returns 8-bit pixels [height, width, channels]
 */
export function composeStrip(
  rows: readonly PreviewRow[],
  count: number,
  shape: readonly [number, number, number],
  cell: readonly [number, number],
  gap = PREVIEW_GAP,
): { pixels: Uint8Array; width: number; height: number } {
  const [imageHeight, imageWidth, channels] = shape;
  const [cellHeight, cellWidth] = cell;
  const width = count * cellWidth + (count - 1) * gap;
  const height = rows.length * cellHeight + (rows.length - 1) * gap;
  const pixels = new Uint8Array(width * height * channels).fill(GAP_LEVEL);
  const per = imageHeight * imageWidth * channels;
  rows.forEach((row, r) => {
    if (row.images.length !== count * per) throw new Error(`preview row '${row.label}' has ${row.images.length} values, expected ${count}·${imageHeight}·${imageWidth}·${channels}`);
    for (let item = 0; item < count; item++) {
      const x0 = item * (cellWidth + gap);
      const y0 = r * (cellHeight + gap);
      for (let y = 0; y < cellHeight; y++) {
        const sy = Math.floor((y * imageHeight) / cellHeight);
        for (let x = 0; x < cellWidth; x++) {
          const sx = Math.floor((x * imageWidth) / cellWidth);
          const src = item * per + (sy * imageWidth + sx) * channels;
          const dst = ((y0 + y) * width + x0 + x) * channels;
          for (let c = 0; c < channels; c++) pixels[dst + c] = Math.round(Math.min(1, Math.max(0, row.images[src + c]!)) * 255);
        }
      }
    }
  });
  return { pixels, width, height };
}

export interface PreviewRecorderOptions {
  db: Db;
  runId: number;
  layout: StorageLayout;
  method: TrainableMethod;
  module: ModalityData;
  data: LoadedData;
  /** Indices into `data` of the items to draw (see previewItems). */
  indices: Int32Array;
  /** The run's seed: the generator handed to the hook starts from it every epoch. */
  seed: number;
}

export class PreviewRecorder {
  private readonly previews: PreviewsRepository;
  private readonly inputs: Float32Array;
  private readonly shape: number[];

  constructor(private readonly options: PreviewRecorderOptions) {
    this.previews = new PreviewsRepository(options.db);
    this.shape = options.module.inputShape(options.data.spec);
    if (this.shape.length !== 3) throw new Error(`previews draw images, got inputs of shape [${this.shape.join(', ')}]`);
    this.inputs = new Float32Array(options.indices.length * this.shape.reduce((a, b) => a * b, 1));
    options.module.centre(options.data, options.indices, this.inputs);
  }

  /** Forgets the strips after `epoch` and their files: a run resumed from that epoch draws them again. */
  rewind(epoch: number): void {
    for (const old of this.previews.removeAfter(this.options.runId, epoch)) rmSync(this.options.layout.resolveStored(old.path), { force: true });
  }

  /** Draws and stores the strip of `epoch`; returns why it could not, or null. Training goes on either way. */
  async record(epoch: number, step: number): Promise<string | null> {
    const { method, runId, layout, indices, data } = this.options;
    if (!method.previews || indices.length === 0) return null;
    // A method's previews hook returns its images as arrays, read synchronously: webgpu cannot.
    if (!readsSynchronously()) return 'Reconstruction strips are not drawn on the webgpu backend yet (they are read back synchronously); training is unaffected';
    try {
      const [height, width, channels] = this.shape as [number, number, number];
      // A scope of its own: whatever tensors the hook leaves are freed with it.
      tf.engine().startScope();
      let rows: PreviewRow[];
      try {
        rows = method.previews(tf.tensor4d(this.inputs, [indices.length, height, width, channels]), new Rng(this.options.seed + 65_537));
      } finally {
        tf.engine().endScope();
      }
      const display: PreviewDisplay = data.spec.modality === 'audio' ? 'spectrogram' : 'pixels';
      const cell = previewCellSize(height, width);
      const strip = composeStrip(displayRows(rows, display, indices.length, height, width, channels), indices.length, [height, width, channels], cell);
      const png = await sharp(strip.pixels, { raw: { width: strip.width, height: strip.height, channels: channels as 1 | 3 } })
        .png({ compressionLevel: 9 })
        .toBuffer();
      const dir = layout.previewDir(runId);
      mkdirSync(dir, { recursive: true });
      const file = join(dir, `epoch-${String(epoch).padStart(4, '0')}.png`);
      // Written whole, then renamed: a reader never sees half a file.
      writeFileSync(`${file}.tmp`, png);
      renameSync(`${file}.tmp`, file);
      this.previews.save({
        runId,
        epoch,
        step,
        path: layout.toStored(file),
        rows: rows.map((r) => r.label),
        itemIds: Array.from(indices, (i) => data.itemIds[i]!),
        // The column width; a row's height follows from the strip's height (see PreviewInfo).
        cell: cell[1],
        gap: PREVIEW_GAP,
        width: strip.width,
        height: strip.height,
        bytes: png.byteLength,
      });
      return null;
    } catch (error) {
      return `Could not draw the reconstructions of epoch ${epoch}: ${(error as Error).message}`;
    }
  }
}
