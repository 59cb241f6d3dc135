/**
 * SimCLR and BYOL on text: the same method files as on images, with the text encoder and CLEAR's
 * edits. SimCLR with CLEAR's head and temperature is CLEAR's contrastive objective, step for step;
 * BYOL's target is a copy of the online text encoder that follows it by the cosine schedule; both
 * embed the unedited text with the encoder's pooled output.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, tf } from '../../../../src-main/core/engine/backend';
import { byol } from '../../../../src-main/core/ssl/methods/byol';
import { clear } from '../../../../src-main/core/ssl/methods/clear';
import { simclr } from '../../../../src-main/core/ssl/methods/simclr';
import { embedTexts, textEncoderFor, textEncoderParams } from '../../../../src-main/core/ssl/methods/text-shared';
import { cosineMomentum } from '../../../../src-main/core/ssl/optim/ema';
import { Rng } from '../../../../src-main/core/ssl/random';
import { dataFor } from '../../../../src-main/core/data';
import { resolveRunParams } from '../../../../src-main/core/training/params';
import { contextAt, snapshot, variableNamed } from './momentum-fixtures';
import { tinyTexts } from './tiny-data';

beforeAll(async () => {
  await initBackend('cpu');
});

const batch = Int32Array.from([0, 1, 2, 3, 4, 5]);
const encoder = { layers: 1, width: 16, heads: 2 };

describe('SimCLR on text', () => {
  it('is CLEAR’s contrastive objective when it has CLEAR’s head and temperature: the same losses, step for step', async () => {
    const data = await tinyTexts();
    const shared = { ...encoder, temperature: 0.1, batchSize: 6 };
    const ours = simclr.create({ spec: data.spec, params: resolveRunParams(simclr, { ...shared, projectionDim: 16, headBatchNorm: false }, data.spec), seed: 3 });
    const theirs = clear.create({ spec: data.spec, params: resolveRunParams(clear, shared, data.spec), seed: 3 });
    await ours.prepare?.(data);
    await theirs.prepare?.(data);
    const [rngA, rngB] = [new Rng(8), new Rng(8)];
    for (let step = 1; step <= 3; step++) {
      const a = ours.trainStep(data, batch, contextAt(step, rngA));
      const b = theirs.trainStep(data, batch, contextAt(step, rngB));
      expect(a.total).toBeCloseTo(b.total, 5);
    }
    expect(rngA.getState()).toEqual(rngB.getState());
    ours.dispose();
    theirs.dispose();
  });

  it('embeds the unedited text with the text encoder’s pooled output, and offers the text encoder’s settings', async () => {
    const data = await tinyTexts();
    const params = resolveRunParams(simclr, { ...encoder, encoder: 'conv', width: 24 }, data.spec);
    const method = simclr.create({ spec: data.spec, params, seed: 3 });
    expect(method.embeddingDim).toBe(24);
    const reference = textEncoderFor(data.spec, textEncoderParams(params), 3); // the same initialisation for the same seed
    const module = dataFor('text');
    const inputs = new Float32Array(4 * data.spec.maxLength);
    module.centre(data, [0, 1, 2, 3], inputs);
    const x = tf.tensor2d(inputs, [4, data.spec.maxLength]);
    const ours = method.embed(x);
    const theirs = embedTexts(reference, x);
    expect(Array.from(ours.dataSync())).toEqual(Array.from(theirs.dataSync()));
    tf.dispose([x, ours, theirs]);
    reference.dispose();
    method.dispose();
  });
});

describe('BYOL on text', () => {
  it('starts the target as a copy of the online text encoder and moves it by the cosine schedule after each step', async () => {
    const data = await tinyTexts();
    const params = resolveRunParams(byol, { ...encoder, projectionDim: 8, hiddenDim: 16, baseMomentum: 0.9 }, data.spec);
    const method = byol.create({ spec: data.spec, params, seed: 1 });
    await method.prepare?.(data);
    const start = snapshot(method);
    expect(start.get('targetEncoder.0')).toEqual(start.get('encoder.0'));
    const rng = new Rng(3);
    method.trainStep(data, batch, contextAt(1, rng, 10));
    const before = snapshot(method);
    const moved = method.trainStep(data, batch, contextAt(6, rng, 10));
    expect(Number.isFinite(moved.total)).toBe(true);
    const after = snapshot(method);
    const tau = cosineMomentum(5, 10, 0.9);
    const names = method.stateVariables().map((v) => v.name);
    const last = names.filter((n) => n.startsWith('encoder.')).length - 1;
    for (const [target, online] of [['targetEncoder.0', 'encoder.0'], [`targetEncoder.${last}`, `encoder.${last}`], ['targetProjector.3', 'projector.3']] as const) {
      const old = before.get(target)!;
      const now = after.get(online)!;
      after.get(target)!.forEach((v, i) => expect(v).toBeCloseTo(tau * old[i]! + (1 - tau) * now[i]!, 6));
    }
    expect(variableNamed(method, 'encoder.0').shape).toEqual([data.spec.vocabSize, 16]); // the token embedding
    method.dispose();
  });
});
