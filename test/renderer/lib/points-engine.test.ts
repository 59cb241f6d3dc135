import { expect, test } from 'vitest';
import { nearestWithin } from '../../../src-renderer/src/lib/knn';
import { inlineCompute, workerCompute, type WorkerAnswer, type WorkerLike, type WorkerMessage } from '../../../src-renderer/src/lib/points-compute';
import { PointsEngine, transferables } from '../../../src-renderer/src/lib/points-engine';
import { encodePoints, indexOfItem } from '../../../src-renderer/src/lib/points';

function shapes(): ArrayBuffer {
  // Two labelled groups far apart and one unlabelled point between them.
  const ids = [101, 102, 103, 104, 105];
  const xy = [0, 0, 1, 0, 0, 1, 100, 100, 50, 50];
  return encodePoints(ids, xy, [0, 0, 0, 1, -1], ['near', 'far']);
}

test('prepare fits the map, counts labels, indexes items and builds a grid to pick points with', () => {
  const engine = new PointsEngine();
  const p = engine.prepare(shapes());
  expect(p.count).toBe(5);
  expect(p.labels).toEqual(['near', 'far']);
  expect([...p.labelCounts]).toEqual([3, 1, 1]);
  expect(Math.max(...p.x.map(Math.abs), ...p.y.map(Math.abs))).toBeLessThanOrEqual(1);
  expect(indexOfItem(p.itemIndex, 104)).toBe(3);
  expect(nearestWithin(p.grid, p.x, p.y, p.x[3]! + 0.001, p.y[3]!, 0.01)).toBe(3);
  expect(nearestWithin(p.grid, p.x, p.y, p.x[3]! + 0.001, p.y[3]!, 0.01, (i) => i !== 3)).toBe(-1);
});

test('clusters, disagreement and alignment use the prepared points', () => {
  const engine = new PointsEngine();
  engine.prepare(shapes());
  const clusters = engine.clusters(2, 1);
  expect(clusters.sizes.reduce((a, b) => a + b, 0)).toBe(5);
  expect(clusters.assignments[0]).toBe(clusters.assignments[1]);
  const d = engine.disagreement(2);
  expect(d.scores[0]).toBe(0);
  expect(Number.isNaN(d.scores[4]!)).toBe(true);
  expect(d.scored).toBe(4);
  expect([...engine.align(new Int32Array([105, 101, 999]))]).toEqual([1, -1, -1, -1, 0]);
  // A box around the three "near" points (map coordinates: the far group is at the opposite corner).
  const p = engine.prepare(shapes());
  const box = Float64Array.from([p.x[0]! - 0.05, p.y[0]! - 0.05, p.x[1]! + 0.05, p.y[0]! - 0.05, p.x[1]! + 0.05, p.y[2]! + 0.05, p.x[0]! - 0.05, p.y[2]! + 0.05]);
  expect([...engine.polygon(box)]).toEqual([0, 1, 2]);
});

test('results list their buffers once for transfer', () => {
  const engine = new PointsEngine();
  const p = engine.prepare(shapes());
  const buffers = transferables(p);
  expect(buffers).toContain(p.grid.start.buffer);
  expect(buffers).toContain(p.x.buffer);
  expect(new Set(buffers).size).toBe(buffers.length);
});

test('the worker client matches answers to requests and reports errors', async () => {
  const posted: WorkerMessage[] = [];
  const worker: WorkerLike = {
    postMessage: (m) => posted.push(m),
    terminate: () => {},
    onmessage: null,
    onerror: null,
  };
  const compute = workerCompute(worker);
  const a = compute.clusters(3, 1);
  const b = compute.disagreement(5);
  const answer = (data: WorkerAnswer): void => worker.onmessage!({ data } as MessageEvent<WorkerAnswer>);
  answer({ id: posted[1]!.id, ok: false, error: 'no points yet' });
  answer({ id: posted[0]!.id, ok: true, result: { k: 3 } });
  await expect(a).resolves.toEqual({ k: 3 });
  await expect(b).rejects.toThrow('no points yet');
  const c = compute.align(new Int32Array([1]));
  compute.dispose();
  await expect(c).rejects.toThrow(/closed/);
});

test('the in-process compute rejects a bad file with the decoder’s message', async () => {
  const compute = inlineCompute();
  await expect(compute.prepare(new ArrayBuffer(2))).rejects.toThrow(/too short/);
});
