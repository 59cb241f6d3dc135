import { readFile } from 'node:fs/promises';
import { isAbsolute, relative, resolve } from 'node:path';
import { ApiError, type MediaKind } from '../contract';
import { thumbnail } from './datasets/decode-image';
import { decodeUtf8 } from './datasets/decode-text';
import type { FileFormat } from './datasets/detect';
import type { DatasetsRepository } from './storage/repositories/datasets';
import type { ItemsRepository } from './storage/repositories/items';

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

/** Serves an item's preview bytes (thumbnail, audio file, or text) for both shells. */
export class MediaService {
  private readonly thumbs = new Map<number, Uint8Array>();

  constructor(
    private readonly datasets: DatasetsRepository,
    private readonly items: ItemsRepository,
  ) {}

  async get(itemId: number, kind: MediaKind): Promise<MediaResponse> {
    const item = this.items.source(itemId);
    if (!item) throw new ApiError('not_found', `No item ${itemId}`);
    if (kind === 'text') {
      if (item.modality !== 'text') throw new ApiError('bad_request', `Item ${itemId} is not text`);
      const text = item.content ?? (await this.readText(item.datasetId, item.path));
      return { mime: 'text/plain; charset=utf-8', body: Buffer.from(text, 'utf8') };
    }
    if (kind === 'audio') {
      if (item.modality !== 'audio') throw new ApiError('bad_request', `Item ${itemId} is not audio`);
      const body = await this.readBytes(item.datasetId, item.path);
      return { mime: AUDIO_MIME[item.format ?? ''] ?? 'application/octet-stream', body };
    }
    if (item.modality !== 'image') throw new ApiError('bad_request', `Item ${itemId} is not an image`);
    const cached = this.thumbs.get(itemId);
    if (cached) return { mime: 'image/webp', body: cached };
    const bytes = await this.readBytes(item.datasetId, item.path);
    const body = await thumbnail(bytes, item.format as FileFormat, THUMB_SIZE);
    if (this.thumbs.size >= THUMB_CACHE_ENTRIES) this.thumbs.delete(this.thumbs.keys().next().value!);
    this.thumbs.set(itemId, body);
    return { mime: 'image/webp', body };
  }

  private async readText(datasetId: number, path: string): Promise<string> {
    const decoded = decodeUtf8(await this.readBytes(datasetId, path));
    if (!decoded.ok) throw new ApiError('bad_request', `${path}: ${decoded.reason}`);
    return decoded.text;
  }

  private async readBytes(datasetId: number, path: string): Promise<Uint8Array> {
    const dataset = this.datasets.get(datasetId);
    if (!dataset) throw new ApiError('not_found', `No dataset ${datasetId}`);
    const abs = resolve(dataset.root, path);
    const rel = relative(dataset.root, abs);
    if (rel.startsWith('..') || isAbsolute(rel)) throw new ApiError('bad_request', `${path} is outside the dataset folder`);
    try {
      return await readFile(abs);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') throw new ApiError('not_found', `${abs} no longer exists; re-import the folder`);
      throw new ApiError('internal', `Cannot read ${abs}: ${(error as Error).message}`);
    }
  }
}
