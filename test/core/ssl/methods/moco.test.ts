import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../../src-main/core/engine/backend';
import { moco, batchNormGroups } from '../../../../src-main/core/ssl/methods/moco';
import { Rng } from '../../../../src-main/core/ssl/random';
import { contextAt, paramsFor, resumeInFresh, snapshot, tinyImages, variableNamed } from './momentum-fixtures';

beforeAll(async () => {
  await initBackend('wasm', { threads: 1 });
});

const batch = Int32Array.from([0, 3, 5, 6]);

describe('MoCo v2', () => {
  it('moves the key encoder towards the query encoder by 1 − m after each step, and enqueues the batch’s keys', () => {
    const data = tinyImages();
    const params = paramsFor(moco, data, { momentum: 0.9 });
    const method = moco.create({ spec: data.spec, params, seed: 1 });
    const rng = new Rng(2);
    method.trainStep(data, batch, contextAt(1, rng));
    expect(method.extraState?.()).toEqual({ queue: { length: 8, pointer: 4 } }); // 16 images: at most 8 keys
    const keyBefore = snapshot(method).get('keyEncoder.0')!;
    const queueBefore = snapshot(method).get('queue')!;
    method.trainStep(data, batch, contextAt(2, rng));
    const after = snapshot(method);
    const query = after.get('encoder.0')!;
    const key = after.get('keyEncoder.0')!;
    key.forEach((v, i) => expect(v).toBeCloseTo(0.9 * keyBefore[i]! + 0.1 * query[i]!, 6));
    // The second batch went to rows 4–7; rows 0–3 keep the first batch's keys.
    const dim = 8;
    const queue = after.get('queue')!;
    expect(Array.from(queue.subarray(0, 4 * dim))).toEqual(Array.from(queueBefore.subarray(0, 4 * dim)));
    expect(Array.from(queue.subarray(4 * dim, 8 * dim))).not.toEqual(Array.from(queueBefore.subarray(4 * dim, 8 * dim)));
    for (let r = 4; r < 8; r++) expect(Math.hypot(...queue.subarray(r * dim, (r + 1) * dim))).toBeCloseTo(1, 5);
    expect(method.extraState?.()).toEqual({ queue: { length: 8, pointer: 0 } });
    method.dispose();
  });

  it('resumes with its key encoder, queue and pointer bit-identical, and takes the same next step', () => {
    const data = tinyImages();
    const params = paramsFor(moco, data);
    const method = moco.create({ spec: data.spec, params, seed: 1 });
    const rng = new Rng(2);
    for (let step = 1; step <= 3; step++) method.trainStep(data, batch, contextAt(step, rng));
    const { restored, rng: restoredRng } = resumeInFresh(moco, method, data, params, rng);
    const saved = snapshot(method);
    const loaded = snapshot(restored);
    for (const name of ['queue', 'keyEncoder.0', 'keyEncoder.3', 'keyHead.0', 'encoder.0']) expect(loaded.get(name)).toEqual(saved.get(name));
    expect(restored.extraState?.()).toEqual(method.extraState?.());
    const next = method.trainStep(data, batch, contextAt(4, rng));
    const again = restored.trainStep(data, batch, contextAt(4, restoredRng));
    expect(again.total).toBe(next.total);
    expect(snapshot(restored).get('queue')).toEqual(snapshot(method).get('queue'));
    expect(snapshot(restored).get('keyHead.0')).toEqual(snapshot(method).get('keyHead.0'));
    method.dispose();
    restored.dispose();
  });

  it('keeps the queue the size the user asked for, within half the dataset', () => {
    const data = tinyImages(64);
    const method = moco.create({ spec: data.spec, params: paramsFor(moco, data, { queueSize: 16 }), seed: 1 });
    expect(variableNamed(method, 'queue').shape).toEqual([16, 8]);
    method.trainStep(data, Int32Array.from({ length: 8 }, (_, i) => i), contextAt(1, new Rng(1)));
    expect(method.extraState?.()).toEqual({ queue: { length: 16, pointer: 8 } });
    method.dispose();
  });

  it('refuses a checkpoint without its queue state', () => {
    const data = tinyImages();
    const method = moco.create({ spec: data.spec, params: paramsFor(moco, data), seed: 1 });
    expect(() => method.restoreExtraState?.({})).toThrow('a MoCo checkpoint needs its queue state, got {}');
    method.dispose();
  });

  it('shuffles batch norm over about 64 examples a group, 2 to 8 groups', () => {
    expect(batchNormGroups(256, 0)).toBe(4);
    expect(batchNormGroups(1024, 0)).toBe(8);
    expect(batchNormGroups(64, 0)).toBe(2);
    expect(batchNormGroups(16, 0)).toBe(2);
    expect(batchNormGroups(4, 0)).toBe(2);
    expect(batchNormGroups(3, 0)).toBe(1); // groups of one example have no statistics
    expect(batchNormGroups(256, 1)).toBe(1);
    expect(batchNormGroups(256, 16)).toBe(16);
  });
});
