import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend, tf } from '../../../src-main/core/engine/backend';
import { loadCheckpoint, saveCheckpoint } from '../../../src-main/core/training/checkpoint';

let dir: string;
beforeAll(async () => {
  await initBackend('cpu');
  dir = mkdtempSync(join(tmpdir(), 'pretext-ckpt-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('checkpoints', () => {
  it('restores every variable exactly, with the saved meta', () => {
    const a = tf.variable(tf.randomNormal([3, 4], 0, 1, 'float32', 1));
    const b = tf.variable(tf.tensor1d([1.5, -2.25, 3e-8]));
    const path = join(dir, 'one.ckpt');
    const meta = { runId: 7, epoch: 3, step: 42, optimizerStep: 42, rngState: [1, 2, 3, 4] };
    const bytes = saveCheckpoint(path, meta, [
      { name: 'a', variable: a },
      { name: 'b', variable: b },
    ]);
    expect(bytes).toBeGreaterThan((12 + 3) * 4);
    const a2 = tf.variable(tf.zeros([3, 4]));
    const b2 = tf.variable(tf.zeros([3]));
    const loaded = loadCheckpoint(path, [
      { name: 'b', variable: b2 },
      { name: 'a', variable: a2 },
    ]);
    expect(loaded).toEqual(meta);
    expect(Array.from(a2.dataSync())).toEqual(Array.from(a.dataSync()));
    expect(Array.from(b2.dataSync())).toEqual(Array.from(b.dataSync()));
    tf.dispose([a, b, a2, b2]);
  });

  it('refuses a wrong shape, a missing tensor and a file that is not a checkpoint', () => {
    const v = tf.variable(tf.zeros([2, 2]));
    const path = join(dir, 'two.ckpt');
    saveCheckpoint(path, { runId: 1, epoch: 1, step: 1, optimizerStep: 1, rngState: [0, 0, 0, 0] }, [{ name: 'v', variable: v }]);
    const wrong = tf.variable(tf.zeros([4]));
    expect(() => loadCheckpoint(path, [{ name: 'v', variable: wrong }])).toThrow("checkpoint tensor 'v' has shape [2,2], the model expects [4]");
    expect(() => loadCheckpoint(path, [{ name: 'w', variable: v }])).toThrow("has no tensor 'w'");
    writeFileSync(join(dir, 'junk.ckpt'), 'hello');
    expect(() => loadCheckpoint(join(dir, 'junk.ckpt'), [])).toThrow(/not a Pretext checkpoint/);
    tf.dispose([v, wrong]);
  });
});
