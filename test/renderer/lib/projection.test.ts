import { expect, test } from 'vitest';
import {
  checkProjectionForm,
  DEFAULT_PROJECTION,
  formFromSettings,
  isFinalProjectionPhase,
  projectionName,
  projectionNotes,
  projectionProgressView,
  sameSettings,
} from '../../../src-renderer/src/lib/projection';

const form = (over: Partial<{ method: 'umap' | 'pca'; neighbors: string; minDist: string; seed: string }> = {}) => ({
  method: 'umap' as const,
  neighbors: '15',
  minDist: '0.1',
  seed: '1',
  ...over,
});

test('the form gives settings, or the field that is wrong', () => {
  expect(checkProjectionForm(form())).toEqual({ ok: true, settings: { method: 'umap', seed: 1, neighbors: 15, minDist: 0.1 } });
  expect(checkProjectionForm(form({ method: 'pca', neighbors: 'x' }))).toEqual({ ok: true, settings: { method: 'pca', seed: 1 } });
  expect(checkProjectionForm(form({ seed: '1.5' }))).toMatchObject({ ok: false, field: 'seed' });
  expect(checkProjectionForm(form({ seed: '' }))).toMatchObject({ ok: false, field: 'seed' });
  expect(checkProjectionForm(form({ neighbors: '1' }))).toMatchObject({ ok: false, field: 'neighbors' });
  expect(checkProjectionForm(form({ neighbors: '201' }))).toMatchObject({ ok: false, field: 'neighbors' });
  expect(checkProjectionForm(form({ minDist: '1.5' }))).toMatchObject({ ok: false, field: 'minDist' });
  expect(checkProjectionForm(form({ minDist: ' ' }))).toMatchObject({ ok: false, field: 'minDist' });
  expect(formFromSettings(DEFAULT_PROJECTION)).toEqual(form());
});

test('names, equality and notes of projections', () => {
  expect(projectionName({ method: 'umap', settings: DEFAULT_PROJECTION })).toBe('UMAP · 15 neighbours · min-dist 0.1 · seed 1');
  expect(projectionName({ method: 'pca', settings: { ...DEFAULT_PROJECTION, method: 'pca', seed: 4 } })).toBe('PCA · seed 4');
  expect(sameSettings({ method: 'umap' }, DEFAULT_PROJECTION)).toBe(true);
  expect(sameSettings({ method: 'umap', seed: 2 }, DEFAULT_PROJECTION)).toBe(false);
  expect(sameSettings({ method: 'pca', neighbors: 3 }, { method: 'pca', neighbors: 40 })).toBe(true);
  expect(projectionNotes({ method: 'umap', points: 1_000_000, fittedOn: 50_000, pcaComponents: 50 })).toEqual([
    "UMAP was fitted on a sample of 50,000 points; the other 950,000 were placed with the fitted model's transform.",
    'The embeddings were first reduced to 50 dimensions with PCA.',
  ]);
  expect(projectionNotes({ method: 'umap', points: 120, fittedOn: null, pcaComponents: null })).toEqual([]);
});

test('progress text per phase', () => {
  expect(projectionProgressView(null)).toMatchObject({ indeterminate: true, title: 'Starting…' });
  const fitting = projectionProgressView({ runId: 1, phase: 'fitting', done: 50, total: 200, message: null });
  expect(fitting).toMatchObject({ title: 'Fitting UMAP 50/200', percent: '25%', fraction: 0.25 });
  expect(projectionProgressView({ runId: 1, phase: 'loading', done: 0, total: 0, message: null })).toMatchObject({ title: 'Loading embeddings', indeterminate: true });
  expect(projectionProgressView({ runId: 1, phase: 'done', done: 0, total: 0, message: null })).toMatchObject({ percent: '100%' });
  expect(projectionProgressView({ runId: 1, phase: 'failed', done: 0, total: 0, message: 'Out of memory' }).title).toBe('Out of memory');
  expect(isFinalProjectionPhase('cancelled')).toBe(true);
  expect(isFinalProjectionPhase('placing')).toBe(false);
});
