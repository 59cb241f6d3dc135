import type { Modality } from '../../../src-main/contract';

/**
 * The modalities in display order. The contract exports the same list as a value, but the renderer
 * may import only types from it.
 */
export const MODALITIES: readonly Modality[] = ['image', 'text', 'audio'];

/** The modality most items of a dataset have (what a run on it was trained on), or null when empty. */
export function dominantModality(counts: Record<Modality, number> | null | undefined): Modality | null {
  if (!counts) return null;
  let best: Modality | null = null;
  for (const m of MODALITIES) if (counts[m] > 0 && (best === null || counts[m] > counts[best])) best = m;
  return best;
}
