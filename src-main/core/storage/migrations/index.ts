import type { Migration } from './types';
import { migration0010Datasets } from './0010-datasets';

/** Every migration, in order. Add new ones at the end with a higher version. */
export const migrations: readonly Migration[] = [migration0010Datasets];

export type { Migration } from './types';
