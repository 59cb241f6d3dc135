import { describe, expect, it } from 'vitest';
import { BackendUnavailableError, initBackend, tf } from '../../../src-main/core/engine/backend';

function nativeInstalled(pkg: string): boolean {
  try {
    import.meta.resolve(`${pkg}/package.json`);
    return true;
  } catch {
    return false;
  }
}

describe('initBackend', () => {
  it('picks the fastest available backend and says why faster ones were skipped', async () => {
    const info = await initBackend();
    expect(['tensorflow-gpu', 'webgpu', 'tensorflow', 'wasm']).toContain(info.name);
    expect(tf.getBackend()).toBe(info.name === 'wasm' || info.name === 'webgpu' ? info.name : 'tensorflow');
    if (info.name === 'wasm') {
      expect(info.simd).toBe(true);
      expect(info.threads).toBeGreaterThanOrEqual(1);
      expect(info.adapter).toBeNull();
      expect(info.reasons.map((r) => r.backend)).toEqual(['tensorflow-gpu', 'webgpu', 'tensorflow']);
      for (const reason of info.reasons.filter((r) => r.backend !== 'webgpu')) expect(reason.why).toMatch(/@tensorflow\/tfjs-node/);
      // No GPU here: Dawn has no adapter, or only a software one, which is never chosen by itself.
      expect(info.reasons[1]!.why).toMatch(/Vulkan|adapter|Dawn|webgpu/);
    }
  });

  it.runIf(!nativeInstalled('@tensorflow/tfjs-node'))('explains a missing native package when it is asked for explicitly', async () => {
    const attempt = initBackend('tensorflow');
    await expect(attempt).rejects.toBeInstanceOf(BackendUnavailableError);
    await expect(attempt).rejects.toThrow(
      "Backend 'tensorflow' is unavailable: module @tensorflow/tfjs-node not installed (its install needs to download libtensorflow)",
    );
  });

  it('uses the cpu backend when asked', async () => {
    await expect(initBackend('cpu')).resolves.toEqual({ name: 'cpu', threads: 1, simd: false, adapter: null, reasons: [] });
    expect(tf.getBackend()).toBe('cpu');
  });

  it('rejects an unknown backend name', async () => {
    await expect(initBackend('metal' as never)).rejects.toThrow("Unknown backend 'metal'");
  });
});
