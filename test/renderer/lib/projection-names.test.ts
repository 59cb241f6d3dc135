import { expect, test } from 'vitest';
import { projectionName, projectionShortName } from '../../../src-renderer/src/lib/projection';
import { projection } from '../fixtures';

test("a projection's short name fits the side panel's select: UMAP settings only where they differ from the defaults", () => {
  expect(projectionShortName(projection())).toBe('UMAP · seed 1');
  expect(projectionShortName(projection({ settings: { method: 'umap', seed: 2, neighbors: 30, minDist: 0.1 } }))).toBe('UMAP · seed 2 · 30 neighbours');
  expect(projectionShortName(projection({ settings: { method: 'umap', seed: 1, neighbors: 15, minDist: 0.5 } }))).toBe('UMAP · seed 1 · min-dist 0.5');
  expect(projectionShortName(projection({ method: 'pca', settings: { method: 'pca', seed: 3, neighbors: 15, minDist: 0.1 } }))).toBe('PCA · seed 3');
  // The full name (the select's title) keeps every setting.
  expect(projectionName(projection())).toBe('UMAP · 15 neighbours · min-dist 0.1 · seed 1');
});
