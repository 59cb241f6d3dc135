import type { MethodInfo, Modality } from '../../src-main/contract';

/** A fresh copy of the core's method catalogue (`methods.list`). */
export function coreCatalogue(): MethodInfo[];

/** The core's batch size and epochs for a dataset of `items` examples when the user leaves them empty. */
export function coreTrainingDefaults(items: number, modality?: Modality): { batchSize: number; epochs: number };
