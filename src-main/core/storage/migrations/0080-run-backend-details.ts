import type { Migration } from './types';

/**
 * What each run's backend was, beyond its name: the GPU adapter (webgpu: vendor, architecture,
 * description, whether it is a software adapter) and why faster backends were not used, as JSON
 * RunBackendDetails, written when the run starts. Runs started before this migration have none.
 */
export const migration0080RunBackendDetails: Migration = {
  version: 80,
  name: 'run backend details',
  up: `
    ALTER TABLE runs ADD COLUMN backend_details TEXT; -- JSON RunBackendDetails, NULL until the run starts
  `,
};
