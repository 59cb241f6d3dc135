import type { Migration } from './types';
import { migration0010Datasets } from './0010-datasets';
import { migration0020Runs } from './0020-runs';
import { migration0030Projections } from './0030-projections';
import { migration0040Leases } from './0040-leases';
import { migration0050SeriesAndEvaluations } from './0050-series-and-evaluations';
import { migration0060VectorSets } from './0060-vector-sets';
import { migration0070RunPreviews } from './0070-run-previews';
import { migration0080RunBackendDetails } from './0080-run-backend-details';

/** Every migration, in order. Add new ones at the end with a higher version. */
export const migrations: readonly Migration[] = [migration0010Datasets, migration0020Runs, migration0030Projections, migration0040Leases,
  migration0050SeriesAndEvaluations,
  migration0060VectorSets,
  migration0070RunPreviews,
  migration0080RunBackendDetails,
];

export type { Migration } from './types';
