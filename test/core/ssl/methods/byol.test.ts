import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../../src-main/core/engine/backend';
import { byol } from '../../../../src-main/core/ssl/methods/byol';
import { cosineMomentum } from '../../../../src-main/core/ssl/optim/ema';
import { Rng } from '../../../../src-main/core/ssl/random';
import { contextAt, paramsFor, resumeInFresh, snapshot, tinyImages } from './momentum-fixtures';

beforeAll(async () => {
  await initBackend('wasm', { threads: 1 });
});

const batch = Int32Array.from([1, 2, 4, 7]);

describe('BYOL', () => {
  it('starts the target as a copy of the online network and moves it by the cosine schedule after each step', () => {
    const data = tinyImages();
    const params = paramsFor(byol, data, { baseMomentum: 0.9, hiddenDim: 16 });
    const method = byol.create({ spec: data.spec, params, seed: 1 });
    const start = snapshot(method);
    expect(start.get('targetEncoder.0')).toEqual(start.get('encoder.0'));
    expect(start.get('targetProjector.0')).toEqual(start.get('projector.0'));
    const rng = new Rng(3);
    method.trainStep(data, batch, contextAt(1, rng, 10));
    const before = snapshot(method);
    method.trainStep(data, batch, contextAt(6, rng, 10)); // k = 5 of K = 10: τ = 1 − 0.1·(cos(π/2) + 1)/2 = 0.95
    const after = snapshot(method);
    const tau = cosineMomentum(5, 10, 0.9);
    expect(tau).toBeCloseTo(0.95, 12);
    for (const [target, online] of [['targetEncoder.0', 'encoder.0'], ['targetProjector.3', 'projector.3']] as const) {
      const old = before.get(target)!;
      const now = after.get(online)!;
      after.get(target)!.forEach((v, i) => expect(v).toBeCloseTo(tau * old[i]! + (1 - tau) * now[i]!, 6));
    }
    method.dispose();
  });

  it('resumes with its target network bit-identical, and takes the same next step', () => {
    const data = tinyImages();
    const params = paramsFor(byol, data, { hiddenDim: 16 });
    const method = byol.create({ spec: data.spec, params, seed: 1 });
    const rng = new Rng(2);
    for (let step = 1; step <= 3; step++) method.trainStep(data, batch, contextAt(step, rng));
    const { restored, rng: restoredRng } = resumeInFresh(byol, method, data, params, rng);
    const saved = snapshot(method);
    const loaded = snapshot(restored);
    for (const [name, values] of saved) if (name.startsWith('target') || name.startsWith('predictor')) expect(loaded.get(name), name).toEqual(values);
    const next = method.trainStep(data, batch, contextAt(4, rng));
    const again = restored.trainStep(data, batch, contextAt(4, restoredRng));
    expect(again.total).toBe(next.total);
    expect(snapshot(restored).get('targetEncoder.0')).toEqual(snapshot(method).get('targetEncoder.0'));
    method.dispose();
    restored.dispose();
  });
});
