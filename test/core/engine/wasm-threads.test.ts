/**
 * Multi-threaded wasm in Node: the XNNPACK pool really runs on several threads (worker_threads
 * started by Emscripten), it computes the same result as one thread, and it is faster.
 */
import { Buffer } from 'node:buffer';
import { threadId } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { initBackend, tf } from '../../../src-main/core/engine/backend';
import { liveWasmModule } from '../../../src-main/core/engine/wasm/node-threaded-wasm';
import { randomValues } from './backend-compare';

/** A convolution big enough to time (~1 G multiply-adds): [32, 56, 56, 32] → 64 channels, 3×3. */
async function timedConv(threads: number) {
  const info = await initBackend('wasm', { threads });
  const x = tf.tensor4d(randomValues(32 * 56 * 56 * 32, 1), [32, 56, 56, 32]);
  const filter = tf.tensor4d(randomValues(3 * 3 * 32 * 64, 2), [3, 3, 32, 64]);
  tf.conv2d(x, filter, 1, 'same').dispose(); // warm-up: wasm tier-up, XNNPACK operator creation
  // Best of several runs: other processes may share this machine's cores now and then.
  let wallMs = Number.POSITIVE_INFINITY;
  let cpuPerWall = 0;
  let values = new Float32Array(0);
  for (let i = 0; i < 5; i++) {
    const cpuBefore = process.cpuUsage();
    const t0 = performance.now();
    const y = tf.conv2d(x, filter, 1, 'same');
    const wall = performance.now() - t0;
    const cpu = process.cpuUsage(cpuBefore);
    wallMs = Math.min(wallMs, wall);
    cpuPerWall = Math.max(cpuPerWall, (cpu.user + cpu.system) / 1000 / wall);
    values = Float32Array.from(y.dataSync());
    y.dispose();
  }
  tf.dispose([x, filter]);
  return { values, wallMs, cpuPerWall, info };
}

function bitwiseEqual(a: Float32Array, b: Float32Array): boolean {
  return Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.byteLength), Buffer.from(b.buffer, b.byteOffset, b.byteLength)) === 0;
}

describe('wasm backend threads in Node', () => {
  it('runs XNNPACK on 2 threads, with the same result as 1 thread, faster', async () => {
    const one = await timedConv(1);
    expect(one.info).toMatchObject({ name: 'wasm', threads: 1, simd: true });

    const two = await timedConv(2);
    expect(two.info).toMatchObject({ name: 'wasm', threads: 2, simd: true });
    // One Emscripten pthread (a Node worker thread) works beside the main thread.
    const module = liveWasmModule();
    expect(module?.PThread?.runningWorkers).toHaveLength(1);
    expect(threadId).toBe(0);

    // Same arithmetic, just split across threads: bit-for-bit the same output.
    expect(two.values.length).toBe(one.values.length);
    expect(bitwiseEqual(two.values, one.values)).toBe(true);

    // The process burns CPU on two threads at once (user+system time above wall time), and the
    // wall time drops. Margins are loose because other processes may share the 2 cores.
    expect(two.cpuPerWall, 'CPU time over wall time with 2 threads').toBeGreaterThan(1.4);
    expect(one.wallMs / two.wallMs, `1 thread ${one.wallMs.toFixed(0)} ms vs 2 threads ${two.wallMs.toFixed(0)} ms`).toBeGreaterThan(1.3);
  });

  it('switches back to one thread and reports it', async () => {
    const info = await initBackend('wasm', { threads: 1 });
    expect(info.threads).toBe(1);
    expect(liveWasmModule()?.PThread).toBeUndefined();
  });

  it('clamps the thread count into [1, 8]', async () => {
    await expect(initBackend('wasm', { threads: 0 })).resolves.toMatchObject({ threads: 1 });
  });
});
