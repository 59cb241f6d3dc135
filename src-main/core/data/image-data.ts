import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync, existsSync } from 'node:fs';
import { readItemFile } from '../datasets/item-file';
import { join } from 'node:path';
import { decodeImageRaw } from '../datasets/decode-image';
import type { FileFormat } from '../datasets/detect';
import type { SourceImage } from '../ssl/views/image';
import type { Db } from '../storage/db';
import { DatasetsRepository } from '../storage/repositories/datasets';
import { ItemsRepository, type TrainingItem } from '../storage/repositories/items';

/** Every good image of a dataset, decoded once to size × size × channels bytes, in item-id order. */
export interface ImageDataset {
  itemIds: number[];
  labels: (string | null)[];
  size: number;
  channels: 1 | 3;
  /** [N, size, size, channels] */
  pixels: Uint8Array;
  /** Files that could not be decoded now (changed or deleted since the import), with reasons. */
  failures: { path: string; reason: string }[];
}

export interface LoadImagesOptions {
  /** 0 = choose from the images. */
  size: number;
  /** Default: chosen from the images (greyscale when none has colour channels). */
  channels?: 1 | 3;
  cacheDir: string;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

const DECODE_CONCURRENCY = 4;

/** The median shorter side of the images, rounded to a multiple of 4 and kept within 16..64 px. */
export function chooseImageSize(items: readonly TrainingItem[]): number {
  const sides = items
    .map((i) => Math.min(i.meta.width ?? 0, i.meta.height ?? 0))
    .filter((s) => s > 0)
    .sort((a, b) => a - b);
  const median = sides.length > 0 ? sides[Math.floor(sides.length / 2)]! : 32;
  return Math.min(64, Math.max(16, Math.round(median / 4) * 4));
}

/** Greyscale when no image has colour channels, so the encoder does not triple its first layer for nothing. */
export function chooseChannels(items: readonly TrainingItem[]): 1 | 3 {
  return items.every((i) => (i.meta.channels ?? 3) <= 2) ? 1 : 3;
}

/**
 * Decodes a dataset's images for training, or reads them from the cache beside the database when
 * the same items (by id and content hash) were decoded at the same size before.
 */
export async function loadImageDataset(db: Db, datasetId: number, options: LoadImagesOptions): Promise<ImageDataset> {
  const dataset = new DatasetsRepository(db).get(datasetId);
  if (!dataset) throw new Error(`No dataset with id ${datasetId}`);
  const items = new ItemsRepository(db).forTraining(datasetId, 'image');
  if (items.length === 0) throw new Error(`Dataset "${dataset.name}" has no images to train on`);
  const size = options.size > 0 ? options.size : chooseImageSize(items);
  const channels = options.channels ?? chooseChannels(items);
  const perImage = size * size * channels;

  const key = createHash('sha256')
    .update(`v1 ${size} ${channels}\n`)
    .update(items.map((i) => `${i.id}:${i.hash}`).join('\n'))
    .digest('hex')
    .slice(0, 24);
  mkdirSync(options.cacheDir, { recursive: true });
  const cachePath = join(options.cacheDir, `images-d${datasetId}-${size}px-${channels}c-${key}.bin`);
  const indexPath = `${cachePath}.json`;
  if (existsSync(cachePath) && existsSync(indexPath)) {
    const index = JSON.parse(readFileSync(indexPath, 'utf8')) as Pick<ImageDataset, 'itemIds' | 'labels' | 'failures'>;
    const pixels = new Uint8Array(readFileSync(cachePath));
    if (pixels.length === index.itemIds.length * perImage) {
      options.onProgress?.(items.length, items.length);
      return { ...index, size, channels, pixels };
    }
  }

  const pixels = new Uint8Array(items.length * perImage);
  const ok = new Uint8Array(items.length);
  const failures: ImageDataset['failures'] = [];
  let next = 0;
  let done = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      options.signal?.throwIfAborted();
      const index = next++;
      const item = items[index]!;
      try {
        const bytes = await readItemFile({ root: dataset.root, path: item.path, linkTarget: item.meta.linkTarget });
        const raw = await decodeImageRaw(bytes, item.format as FileFormat, size, { fit: 'cover', channels: 3 });
        writePixels(raw.data, pixels, index * perImage, size * size, channels);
        ok[index] = 1;
      } catch (error) {
        failures.push({ path: item.path, reason: (error as Error).message });
      }
      options.onProgress?.(++done, items.length);
    }
  };
  await Promise.all(Array.from({ length: DECODE_CONCURRENCY }, worker));

  // Drop the images that failed, keeping id order.
  const kept = items.map((_, i) => i).filter((i) => ok[i] === 1);
  const packed = kept.length === items.length ? pixels : new Uint8Array(kept.length * perImage);
  if (packed !== pixels) kept.forEach((src, dst) => packed.set(pixels.subarray(src * perImage, (src + 1) * perImage), dst * perImage));
  const result: ImageDataset = {
    itemIds: kept.map((i) => items[i]!.id),
    labels: kept.map((i) => items[i]!.label),
    size,
    channels,
    pixels: packed,
    failures,
  };
  if (result.itemIds.length === 0) throw new Error(`None of the ${items.length} images of "${dataset.name}" could be decoded: ${failures[0]?.reason}`);
  writeFileSync(`${cachePath}.tmp`, packed);
  renameSync(`${cachePath}.tmp`, cachePath);
  writeFileSync(indexPath, JSON.stringify({ itemIds: result.itemIds, labels: result.labels, failures }));
  return result;
}

/** RGB bytes → the dataset's channel count (luma for greyscale, ITU-R BT.601 weights). */
export function writePixels(rgb: Uint8Array, out: Uint8Array, offset: number, pixelCount: number, channels: 1 | 3): void {
  if (channels === 3) {
    out.set(rgb.subarray(0, pixelCount * 3), offset);
    return;
  }
  for (let p = 0; p < pixelCount; p++) {
    out[offset + p] = Math.round(0.299 * rgb[p * 3]! + 0.587 * rgb[p * 3 + 1]! + 0.114 * rgb[p * 3 + 2]!);
  }
}

/** A view of image i of the dataset, without copying. */
export function sourceImage(data: ImageDataset, index: number): SourceImage {
  const per = data.size * data.size * data.channels;
  return { data: data.pixels.subarray(index * per, (index + 1) * per), width: data.size, height: data.size, channels: data.channels };
}
