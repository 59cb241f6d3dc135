/** Page arithmetic for offset/limit lists. Pure, tested in test/renderer. */

export interface PageInfo {
  /** 1-based index of the first row shown, 0 when empty. */
  from: number;
  /** 1-based index of the last row shown. */
  to: number;
  total: number;
  hasPrev: boolean;
  hasNext: boolean;
  /** 1-based page number and count, for screen readers. */
  page: number;
  pages: number;
  /** "1–60 of 213", "0 of 0". */
  text: string;
}

const fmt = new Intl.NumberFormat('en-US');

export function pageInfo(offset: number, limit: number, total: number): PageInfo {
  const safeLimit = Math.max(1, Math.floor(limit));
  const safeTotal = Math.max(0, Math.floor(total));
  const safeOffset = clampOffset(offset, safeLimit, safeTotal);
  const from = safeTotal === 0 ? 0 : safeOffset + 1;
  const to = Math.min(safeTotal, safeOffset + safeLimit);
  const pages = Math.max(1, Math.ceil(safeTotal / safeLimit));
  return {
    from,
    to,
    total: safeTotal,
    hasPrev: safeOffset > 0,
    hasNext: to < safeTotal,
    page: Math.floor(safeOffset / safeLimit) + 1,
    pages,
    text: safeTotal === 0 ? '0 of 0' : `${fmt.format(from)}–${fmt.format(to)} of ${fmt.format(safeTotal)}`,
  };
}

/**
 * Keeps an offset on a page boundary inside the list. When rows disappear (a re-import removed
 * files) the offset falls back to the last page instead of showing an empty one.
 */
export function clampOffset(offset: number, limit: number, total: number): number {
  const safeLimit = Math.max(1, Math.floor(limit));
  if (!Number.isFinite(offset) || offset <= 0 || total <= 0) return 0;
  const lastPageStart = Math.floor((total - 1) / safeLimit) * safeLimit;
  const aligned = Math.floor(offset / safeLimit) * safeLimit;
  return Math.min(aligned, lastPageStart);
}

export function nextOffset(offset: number, limit: number, total: number): number {
  return clampOffset(offset + limit, limit, total);
}

export function prevOffset(offset: number, limit: number, total: number): number {
  return clampOffset(Math.max(0, offset - limit), limit, total);
}
