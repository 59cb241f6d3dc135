import type { ItemRow, ItemStatus, Modality } from '../../../src-main/contract';
import { LatestOnly } from '../lib/async';
import type { Backend } from '../lib/client';
import { errorMessage } from '../lib/format';
import { clampOffset, nextOffset, pageInfo, prevOffset, type PageInfo } from '../lib/paging';

export type ModalityFilter = Modality | 'all';
/** `undefined` shows every label; `null` shows unlabelled items. */
export type LabelFilter = string | null | undefined;

/** One page of a dataset's items (good or skipped), with filters, loaded through `datasets.items`. */
export class ItemsPage {
  items = $state.raw<ItemRow[]>([]);
  total = $state(0);
  offset = $state(0);
  modality = $state<ModalityFilter>('all');
  label = $state.raw<LabelFilter>(undefined);
  loading = $state(false);
  /** True once the first page arrived, so empty states are not flashed while loading. */
  loaded = $state(false);
  error = $state<string | null>(null);

  readonly datasetId: number;
  readonly status: ItemStatus;
  readonly limit: number;
  readonly #backend: Backend;
  readonly #latest = new LatestOnly();

  constructor(backend: Backend, datasetId: number, status: ItemStatus, limit = 60) {
    this.#backend = backend;
    this.datasetId = datasetId;
    this.status = status;
    this.limit = limit;
  }

  get page(): PageInfo {
    return pageInfo(this.offset, this.limit, this.total);
  }

  get filtered(): boolean {
    return this.modality !== 'all' || this.label !== undefined;
  }

  async load(): Promise<void> {
    const ticket = this.#latest.begin();
    this.loading = true;
    this.error = null;
    try {
      let result = await this.#fetch(this.offset);
      // Rows may have gone away since the offset was chosen (a re-import removed files).
      if (result.items.length === 0 && result.total > 0 && this.offset > 0) {
        const offset = clampOffset(this.offset, this.limit, result.total);
        if (!this.#latest.isCurrent(ticket)) return;
        this.offset = offset;
        result = await this.#fetch(offset);
      }
      if (!this.#latest.isCurrent(ticket)) return;
      this.items = result.items;
      this.total = result.total;
      this.loaded = true;
    } catch (error) {
      if (!this.#latest.isCurrent(ticket)) return;
      this.error = errorMessage(error);
    } finally {
      if (this.#latest.isCurrent(ticket)) this.loading = false;
    }
  }

  reload(): Promise<void> {
    return this.load();
  }

  setModality(modality: ModalityFilter): Promise<void> {
    this.modality = modality;
    this.offset = 0;
    return this.load();
  }

  setLabel(label: LabelFilter): Promise<void> {
    this.label = label;
    this.offset = 0;
    return this.load();
  }

  clearFilters(): Promise<void> {
    this.modality = 'all';
    this.label = undefined;
    this.offset = 0;
    return this.load();
  }

  next(): Promise<void> {
    if (!this.page.hasNext) return Promise.resolve();
    this.offset = nextOffset(this.offset, this.limit, this.total);
    return this.load();
  }

  prev(): Promise<void> {
    if (!this.page.hasPrev) return Promise.resolve();
    this.offset = prevOffset(this.offset, this.limit, this.total);
    return this.load();
  }

  #fetch(offset: number) {
    return this.#backend.calls['datasets.items']({
      datasetId: this.datasetId,
      status: this.status,
      ...(this.modality !== 'all' ? { modality: this.modality } : {}),
      ...(this.label !== undefined ? { label: this.label } : {}),
      offset,
      limit: this.limit,
    });
  }
}
