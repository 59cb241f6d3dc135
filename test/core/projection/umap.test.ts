import { describe, expect, it } from 'vitest';
import { pcaComponentsFor, runUmap } from '../../../src-main/core/projection/umap';
import { Rng } from '../../../src-main/core/ssl/random';

/** Three well separated clusters of `perCluster` points in `dim` dimensions. */
function clusters(perCluster: number, dim: number, seed: number): { data: Float32Array; labels: number[] } {
  const rng = new Rng(seed);
  const n = perCluster * 3;
  const data = new Float32Array(n * dim);
  const labels: number[] = [];
  for (let i = 0; i < n; i++) {
    const c = i % 3;
    labels.push(c);
    for (let j = 0; j < dim; j++) data[i * dim + j] = (j % 3 === c ? 8 : 0) + rng.next();
  }
  return { data, labels };
}

/** Fraction of points whose nearest other point on the map has the same cluster. */
function neighbourAgreement(coords: Float32Array, labels: number[]): number {
  let same = 0;
  for (let i = 0; i < labels.length; i++) {
    let best = -1;
    let bestD = Infinity;
    for (let j = 0; j < labels.length; j++) {
      if (i === j) continue;
      const d = (coords[i * 2]! - coords[j * 2]!) ** 2 + (coords[i * 2 + 1]! - coords[j * 2 + 1]!) ** 2;
      if (d < bestD) {
        bestD = d;
        best = j;
      }
    }
    if (labels[best] === labels[i]) same++;
  }
  return same / labels.length;
}

describe('runUmap', () => {
  it('is deterministic under its seed: the same seed and data give identical coordinates', async () => {
    const { data, labels } = clusters(40, 6, 1);
    const settings = { neighbors: 10, minDist: 0.1, seed: 7 };
    const a = await runUmap(data, 120, 6, settings);
    const b = await runUmap(data, 120, 6, settings);
    const c = await runUmap(data, 120, 6, { ...settings, seed: 8 });
    expect(a.coords).toEqual(b.coords);
    expect(a.coords).not.toEqual(c.coords);
    expect(a).toMatchObject({ fittedOn: null, pcaComponents: null });
    expect(neighbourAgreement(a.coords, labels)).toBeGreaterThan(0.95);
    expect(a.coords.every(Number.isFinite)).toBe(true);
  });

  it('reduces wide data with PCA first and reports progress through fitting', async () => {
    const { data } = clusters(30, 60, 2);
    const phases = new Set<string>();
    let lastEpoch = 0;
    const result = await runUmap(data, 90, 60, { neighbors: 8, minDist: 0.2, seed: 1 }, {
      onProgress: (phase, done, total) => {
        phases.add(phase);
        if (phase === 'fitting' && total > 0) lastEpoch = done;
      },
    });
    expect(result.pcaComponents).toBe(50);
    expect(phases).toEqual(new Set(['pca', 'fitting']));
    expect(lastEpoch).toBe(500); // umap-learn runs 500 epochs up to 10,000 points
  });

  it('reduces wide data on fewer points than 50 to one component per point, and reports that number', async () => {
    const { data } = clusters(13, 128, 5); // 39 points
    const messages: string[] = [];
    const result = await runUmap(data, 39, 128, { neighbors: 8, minDist: 0.1, seed: 1 }, {
      onProgress: (phase, _done, _total, message) => {
        if (phase === 'pca' && message) messages.push(message);
      },
    });
    expect(result.pcaComponents).toBe(39);
    expect(messages).toEqual(['Reducing 128 dimensions to 39 with PCA']);
    expect(pcaComponentsFor(39, 128)).toBe(39);
    expect(pcaComponentsFor(10_000, 128)).toBe(50);
    expect(result.coords.every(Number.isFinite)).toBe(true);
  });

  it('above the exact limit, finds neighbours with the HNSW index, deterministically and with every point fitted', async () => {
    const { data, labels } = clusters(100, 6, 3);
    const settings = { neighbors: 10, minDist: 0.1, seed: 3, exactLimit: 200 };
    const a = await runUmap(data, 300, 6, settings);
    const b = await runUmap(data, 300, 6, settings);
    expect(a.fittedOn).toBeNull();
    expect(a.coords).toEqual(b.coords);
    expect(a.coords.every(Number.isFinite)).toBe(true);
    expect(neighbourAgreement(a.coords, labels)).toBeGreaterThan(0.95);
  });

  it('stops when its check throws, and needs at least 3 points', async () => {
    const { data } = clusters(40, 6, 4);
    let optimising = false;
    let epochs = 0;
    await expect(
      runUmap(data, 120, 6, { neighbors: 10, minDist: 0.1, seed: 1 }, {
        // The neighbour search reports first (points done), then the layout (epochs done).
        onProgress: (phase, done, _total, message) => {
          if (message?.startsWith('Optimising the layout')) optimising = true;
          if (phase === 'fitting' && optimising) epochs = done;
        },
        check: () => {
          if (epochs >= 5) throw new Error('cancelled here');
        },
      }),
    ).rejects.toThrow('cancelled here');
    expect(epochs).toBe(5);
    await expect(runUmap(new Float32Array(4), 2, 2, { neighbors: 15, minDist: 0.1, seed: 1 })).rejects.toThrow(/at least 3 points, this run has 2/);
  });
});
