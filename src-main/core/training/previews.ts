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
 * Lays the rows out as one image: rows top to bottom, items left to right, each image scaled to
 * `cell` × `cell` (nearest neighbour, so pixels stay sharp), values clipped to [0, 1].
 * @param rows each with `count` images of [size, size, channels]
 * @returns 8-bit pixels [height, width, channels]
 */
export function composeStrip(rows: readonly PreviewRow[], count: number, size: number, channels: number, cell: number, gap = PREVIEW_GAP): { pixels: Uint8Array; width: number; height: number } {
  const width = count * cell + (count - 1) * gap;
  const height = rows.length * cell + (rows.length - 1) * gap;
  const pixels = new Uint8Array(width * height * channels).fill(GAP_LEVEL);
  const per = size * size * channels;
  rows.forEach((row, r) => {
    if (row.images.length !== count * per) throw new Error(`preview row '${row.label}' has ${row.images.length} values, expected ${count}·${size}·${size}·${channels}`);
    for (let item = 0; item < count; item++) {
      const x0 = item * (cell + gap);
      const y0 = r * (cell + gap);
      for (let y = 0; y < cell; y++) {
        const sy = Math.floor((y * size) / cell);
        for (let x = 0; x < cell; x++) {
          const sx = Math.floor((x * size) / cell);
          const src = item * per + (sy * size + sx) * channels;
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
    try {
      const [size, , channels] = this.shape as [number, number, number];
      // A scope of its own: whatever tensors the hook leaves are freed with it.
      tf.engine().startScope();
      let rows: PreviewRow[];
      try {
        rows = method.previews(tf.tensor4d(this.inputs, [indices.length, size, size, channels]), new Rng(this.options.seed + 65_537));
      } finally {
        tf.engine().endScope();
      }
      const cell = previewCell(size);
      const strip = composeStrip(rows, indices.length, size, channels, cell);
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
        cell,
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
