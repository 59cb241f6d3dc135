import type { ProjectionSettings } from '../../contract';

export const DEFAULT_PROJECTION_SETTINGS: Required<ProjectionSettings> = { method: 'umap', seed: 1, neighbors: 15, minDist: 0.1 };

/** Fills defaults and checks every field, naming the field and the value when one is off. */
export function resolveProjectionSettings(input: Partial<ProjectionSettings> | undefined): Required<ProjectionSettings> {
  const s: Required<ProjectionSettings> = { ...DEFAULT_PROJECTION_SETTINGS };
  for (const key of Object.keys(DEFAULT_PROJECTION_SETTINGS) as (keyof ProjectionSettings)[]) {
    if (input?.[key] !== undefined) (s as Record<string, unknown>)[key] = input[key];
  }
  if (s.method !== 'umap' && s.method !== 'pca') throw new RangeError(`method must be 'umap' or 'pca', got ${JSON.stringify(s.method)}`);
  if (!Number.isInteger(s.seed) || s.seed < 0 || s.seed > 2 ** 31 - 1) throw new RangeError(`seed must be an integer in 0..2147483647, got ${String(s.seed)}`);
  if (!Number.isInteger(s.neighbors) || s.neighbors < 2 || s.neighbors > 200) throw new RangeError(`neighbors must be an integer in 2..200, got ${String(s.neighbors)}`);
  if (typeof s.minDist !== 'number' || !Number.isFinite(s.minDist) || s.minDist < 0 || s.minDist > 1) {
    throw new RangeError(`minDist must be a number in 0..1, got ${String(s.minDist)}`);
  }
  return s;
}
