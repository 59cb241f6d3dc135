import type { Modality } from '../../contract';
import { audioData } from './audio';
import { imageData } from './image';
import { textData } from './text';
import type { ModalityData } from './types';

/** The modalities Pretext can train on. Add one: a data module in this folder, one line here. */
export const MODALITIES: Partial<Record<Modality, ModalityData>> = {
  image: imageData as unknown as ModalityData,
  text: textData as unknown as ModalityData,
  audio: audioData as unknown as ModalityData,
};

export function dataFor(modality: Modality): ModalityData {
  const data = MODALITIES[modality];
  if (!data) throw new RangeError(`Training on ${modality} is not available yet`);
  return data;
}

export type { LoadedData, ModalityData } from './types';
