import type { Modality } from '../../../src-main/contract';

/**
 * The modalities in display order. The contract exports the same list as a value, but the renderer
 * may import only types from it.
 */
export const MODALITIES: readonly Modality[] = ['image', 'text', 'audio'];
