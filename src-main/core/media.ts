import { ApiError, type ItemMeta, type MediaKind } from '../contract';
import { readItemFile } from './datasets/item-file';
import { thumbnail } from './datasets/decode-image';
import { decodeUtf8 } from './datasets/decode-text';
import type { FileFormat } from './datasets/detect';
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
      const text = item.content ?? (await this.readText(item));
      return { mime: 'text/plain; charset=utf-8', body: Buffer.from(text, 'utf8') };
    }
    if (kind === 'audio') {
      if (item.modality !== 'audio') throw new ApiError('bad_request', `Item ${itemId} is not audio`);
      const body = await this.readBytes(item);
      return { mime: AUDIO_MIME[item.format ?? ''] ?? 'application/octet-stream', body };
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
