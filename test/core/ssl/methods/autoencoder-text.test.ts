/**
 * The autoencoder on text: the text encoder's code rebuilds each text's bag of words from a copy with
 * words deleted. Its settings are the text encoder's and the deletion rate (not the image decoder's
 * loss or stride), it draws no preview strips (they are images), and training lowers the loss.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../../src-main/core/engine/backend';
import { autoencoder } from '../../../../src-main/core/ssl/methods/autoencoder';
import { Rng } from '../../../../src-main/core/ssl/random';
import { paramsOf, resolveRunParams } from '../../../../src-main/core/training/params';
import { contextAt } from './momentum-fixtures';
import { tinyTexts } from './tiny-data';

beforeAll(async () => {
  await initBackend('cpu');
});

const batch = Int32Array.from([0, 1, 2, 3, 4, 5, 6, 7]);

describe('the autoencoder on text', () => {
  it('takes the text encoder’s settings and the deletion rate, and draws no previews', async () => {
    const names = paramsOf(autoencoder, 'text').map((p) => p.name);
    expect(names).toEqual(expect.arrayContaining(['encoder', 'layers', 'width', 'heads', 'dropout', 'pooling', 'wordDeletion', 'vocabSize']));
    for (const name of ['reconstruction', 'stemStride', 'imageSize']) expect(names).not.toContain(name);
    expect(paramsOf(autoencoder, 'image').map((p) => p.name)).not.toContain('wordDeletion');
    const data = await tinyTexts();
    const method = autoencoder.create({ spec: data.spec, params: resolveRunParams(autoencoder, { layers: 1, width: 16, heads: 2 }, data.spec), seed: 3 });
    expect(method.previews).toBeUndefined();
    expect(method.embeddingDim).toBe(16);
    method.dispose();
  });

  it('learns: steps on a batch lower its bag-of-words loss; without deletions a step draws only its dropout seed', async () => {
    const data = await tinyTexts();
    const params = resolveRunParams(autoencoder, { layers: 1, width: 32, heads: 2, dropout: 0 }, data.spec);
    const method = autoencoder.create({ spec: data.spec, params, seed: 3 });
    await method.prepare?.(data);
    const rng = new Rng(4);
    const first = method.trainStep(data, batch, { ...contextAt(1, rng), learningRate: 3e-3 }).total;
    let last = first;
    for (let step = 2; step <= 30; step++) last = method.trainStep(data, batch, { ...contextAt(step, rng, 30), learningRate: 3e-3 }).total;
    expect(last).toBeLessThan(first * 0.8);
    method.dispose();

    const plain = autoencoder.create({ spec: data.spec, params: { ...params, wordDeletion: 0 }, seed: 3 });
    await plain.prepare?.(data);
    const drawn = new Rng(4);
    const reference = new Rng(4);
    plain.trainStep(data, batch, contextAt(1, drawn));
    reference.nextUint32();
    expect(drawn.getState()).toEqual(reference.getState());
    plain.dispose();
  });
});
