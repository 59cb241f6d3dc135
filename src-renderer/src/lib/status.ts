/** How a dataset's status is named in the sidebar and the header. Pure, tested in test/renderer. */
import type { DatasetSummary } from '../../../src-main/contract';

export type StatusTone = 'importing' | 'ready' | 'failed' | 'warn';

export interface StatusBadge {
  text: string;
  tone: StatusTone;
}

/** True when the last import stopped because someone cancelled it, not because it broke. */
export function wasCancelled(dataset: Pick<DatasetSummary, 'status' | 'error'>): boolean {
  return dataset.status === 'failed' && dataset.error !== null && /cancel/i.test(dataset.error);
}

/**
 * `importing` is true while progress events arrive for the dataset; the stored status alone can
 * still say "ready" at that moment (the list is not refreshed on every event).
 */
export function statusBadge(dataset: Pick<DatasetSummary, 'status' | 'error'>, importing: boolean): StatusBadge {
  if (importing || dataset.status === 'importing') return { text: 'Importing', tone: 'importing' };
  if (wasCancelled(dataset)) return { text: 'Incomplete', tone: 'warn' };
  if (dataset.status === 'failed') return { text: 'Failed', tone: 'failed' };
  return { text: 'Ready', tone: 'ready' };
}
