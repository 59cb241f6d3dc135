import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ApiError, type ItemMeta, type MediaKind } from '../contract';
import { readItemFile } from './datasets/item-file';
import { thumbnail } from './datasets/decode-image';
import { decodeUtf8 } from './datasets/decode-text';
import type { FileFormat } from './datasets/detect';
import { SPECTROGRAM_CACHE_TAG, spectrogramPng } from './spectrogram-image';
import type { DatasetsRepository } from './storage/repositories/datasets';
import type { ItemSource, ItemsRepository } from './storage/repositories/items';

export interface MediaResponse {
  mime: string;
  body: Uint8Array;
}

const AUDIO_MIME: Record<string, string> = {
  wav: 'audio/wav',
  mp3: 'audio/mpeg',
  flac: 'audio/flac',
  ogg: 'audio/ogg',
};
const THUMB_SIZE = 160;
const THUMB_CACHE_ENTRIES = 2000;

/**
 * Serves an item's preview bytes (thumbnail, spectrogram, audio file, or text) for both shells.
 * Image thumbnails are kept in memory; spectrograms, slower to make (a decode and an FFT per frame),
 * are kept on disk in `cacheDir` (the database's cache folder) when one is given, by the file's
 * content, so a file changed since is drawn again.
 */
export class MediaService {
  private readonly thumbs = new Map<number, Uint8Array>();

  constructor(
    private readonly datasets: DatasetsRepository,
    private readonly items: ItemsRepository,
    private readonly cacheDir?: string,
  ) {}

  async get(itemId: number, kind: MediaKind): Promise<MediaResponse> {
    const item = this.items.source(itemId);
    if (!item) throw new ApiError('not_found', `No item ${itemId}`);
    if (kind === 'text') {
      if (item.modality !== 'text') throw new ApiError('bad_request', `Item ${itemId} is not text`);
      const text = item.content ?? (await this.readText(item));
      return { mime: 'text/plain; charset=utf-8', body: Buffer.from(text, 'utf8') };
    }
    if (kind === 'audio') {
      if (item.modality !== 'audio') throw new ApiError('bad_request', `Item ${itemId} is not audio`);
      const body = await this.readBytes(item);
      return { mime: AUDIO_MIME[item.format ?? ''] ?? 'application/octet-stream', body };
    }
    if (kind === 'spectrogram') {
      if (item.modality !== 'audio') throw new ApiError('bad_request', `Item ${itemId} is not audio`);
      return { mime: 'image/png', body: await this.spectrogram(item) };
    }
    if (item.modality !== 'image') throw new ApiError('bad_request', `Item ${itemId} is not an image`);
    const cached = this.thumbs.get(itemId);
    if (cached) return { mime: 'image/webp', body: cached };
    const bytes = await this.readBytes(item);
    const body = await thumbnail(bytes, item.format as FileFormat, THUMB_SIZE);
    if (this.thumbs.size >= THUMB_CACHE_ENTRIES) this.thumbs.delete(this.thumbs.keys().next().value!);
    this.thumbs.set(itemId, body);
    return { mime: 'image/webp', body };
  }

  /** The file is read (and its path checked) on every request; only the drawing is cached. */
  private async spectrogram(item: ItemSource): Promise<Uint8Array> {
    const bytes = await this.readBytes(item);
    const key = createHash('sha256').update(SPECTROGRAM_CACHE_TAG).update(bytes).digest('hex').slice(0, 32);
    const dir = this.cacheDir === undefined ? null : join(this.cacheDir, 'spectrograms');
    const cached = dir && join(dir, `${key}.png`);
    if (cached) {
      try {
        return await readFile(cached);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
    }
    const body = await spectrogramPng(bytes, item.format as FileFormat);
    if (dir && cached) {
      await mkdir(dir, { recursive: true });
      const partial = `${cached}.${process.pid}.tmp`;
      await writeFile(partial, body);
      await rename(partial, cached);
    }
    return body;
  }

  private async readText(item: ItemSource): Promise<string> {
    const decoded = decodeUtf8(await this.readBytes(item));
    if (!decoded.ok) throw new ApiError('bad_request', `${item.path}: ${decoded.reason}`);
    return decoded.text;
  }

  private async readBytes(item: ItemSource): Promise<Uint8Array> {
    const dataset = this.datasets.get(item.datasetId);
    if (!dataset) throw new ApiError('not_found', `No dataset ${item.datasetId}`);
    const meta = JSON.parse(item.meta) as ItemMeta;
    return readItemFile({ root: dataset.root, path: item.path, linkTarget: meta.linkTarget });
  }
}
