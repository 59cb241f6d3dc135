import { expect, test } from 'vitest';
import { EMBEDDINGS_FORMATS, POINTS_MAGIC as CONTRACT_MAGIC, parseMediaPath } from '../../../src-main/contract';
import { coreRouteOf } from '../core-routes.mjs';
import { POINTS_MAGIC } from '../../../src-renderer/src/lib/points';
import { EMBEDDINGS_FORMAT_CHOICES } from '../../../src-renderer/src/lib/explore-export';
import { coordinatesUrl, EMBEDDINGS_EXTENSIONS, embeddingsUrl, mediaUrl, pointsUrl, previewUrl, selectionExportUrl, vectorSetUrl } from '../../../src-renderer/src/lib/routes';

const parsed = coreRouteOf;

test('every URL the renderer builds is the route the core serves', () => {
  expect(parsed(pointsUrl(3, 7))).toEqual({ method: 'GET', kind: 'points', runId: 3, projectionId: 7 });
  expect(parsed(embeddingsUrl(4))).toEqual({ method: 'GET', kind: 'embeddings', runId: 4, format: 'csv' });
  for (const format of EMBEDDINGS_FORMATS) {
    expect(parsed(embeddingsUrl(4, format))).toEqual({ method: 'GET', kind: 'embeddings', runId: 4, format });
    expect(parsed(vectorSetUrl(5, format))).toEqual({ method: 'GET', kind: 'vectorSet', setId: 5, format });
  }
  expect(parsed(coordinatesUrl(4, 9))).toEqual({ method: 'GET', kind: 'coordinates', runId: 4, projectionId: 9 });
  for (const kind of ['embeddings', 'coordinates', 'paths'] as const) {
    expect(parsed(selectionExportUrl(4, kind, 9))).toEqual({ method: 'POST', kind: 'selection', runId: 4, selection: kind, projectionId: 9 });
  }
  expect(parsed(selectionExportUrl(4, 'embeddings', null))).toMatchObject({ projectionId: null });
  expect(parsed(vectorSetUrl(5))).toEqual({ method: 'GET', kind: 'vectorSet', setId: 5, format: 'csv' });
  expect(parsed(previewUrl(4, 12))).toEqual({ method: 'GET', kind: 'preview', runId: 4, epoch: 12 });
  for (const kind of ['thumb', 'spectrogram', 'audio', 'text'] as const) expect(parseMediaPath(mediaUrl(12, kind))).toEqual({ itemId: 12, kind });
});

test('values the renderer copies from the contract are equal to it', () => {
  expect(POINTS_MAGIC).toBe(CONTRACT_MAGIC);
  expect(Object.keys(EMBEDDINGS_EXTENSIONS)).toEqual([...EMBEDDINGS_FORMATS]);
  expect(EMBEDDINGS_FORMAT_CHOICES.map((c) => c.format)).toEqual([...EMBEDDINGS_FORMATS]);
});
