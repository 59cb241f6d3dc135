/**
 * The encoder interface of the methods written once for every modality (SimCLR, BYOL): each adapter
 * gives its network's variables in the network's order (checkpoint names unchanged), its training
 * forward and its inference embedding, draws from the run's generator only what it uses, and leaks
 * no tensor.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, tf } from '../../../../src-main/core/engine/backend';
import { TextConvEncoder } from '../../../../src-main/core/ssl/encoders/text-conv';
import { TransformerEncoder } from '../../../../src-main/core/ssl/encoders/transformer';
import { sharedEncoder } from '../../../../src-main/core/ssl/methods/image-encoder-params';
import { embedTexts, idsTensor } from '../../../../src-main/core/ssl/methods/text-shared';
import { CnnViewEncoder, TextViewEncoder, viewEncoderFor, type ViewEncoder } from '../../../../src-main/core/ssl/methods/view-encoder';
import { Rng } from '../../../../src-main/core/ssl/random';
import { tinyImages, tinyTexts } from './tiny-data';

beforeAll(async () => {
  await initBackend('cpu');
});

/** Rows [count × length] of ids from 6 (after the special tokens), with [CLS], [SEP] and padding. */
function tokenRows(count: number, length: number, vocabSize: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  const rows = new Float32Array(count * length);
  for (let r = 0; r < count; r++) {
    const n = 1 + rng.int(length - 2);
    rows[r * length] = 2;
    for (let t = 1; t <= n; t++) rows[r * length + t] = 6 + rng.int(vocabSize - 6);
    rows[r * length + n + 1] = 3;
  }
  return rows;
}

describe('CnnViewEncoder', () => {
  it('is the CNN: its variables in order, the same forward and embedding, and nothing drawn from the generator', () => {
    const images = tinyImages();
    const cnn = sharedEncoder(images.spec, { stemStride: 1, weightDecay: 0, readout: 'blocks' }, 3);
    const encoder: ViewEncoder = new CnnViewEncoder(cnn); // as the methods see it
    expect(encoder.embeddingSize).toBe(cnn.embeddingSize);
    expect([encoder.readoutSize, cnn.readoutSize]).toEqual([32 + 64 + 64 + 128, 32 + 64 + 64 + 128]);
    expect(encoder.variables).toEqual(cnn.variables);
    expect(encoder.trainableVariables).toEqual(cnn.trainableVariables);
    expect(encoder.decayMask).toEqual(cnn.decayMask);
    const rng = new Rng(7);
    const state = rng.getState();
    expect(encoder.passSeed(rng)).toBe(0);
    expect(rng.getState()).toEqual(state);
    const x = tf.randomUniform([4, 8, 8, 1], 0, 1, 'float32', 5) as tf.Tensor4D;
    const before = tf.memory().numTensors;
    // Embeddings first: a training pass moves the batch-norm statistics they use.
    const embedded = encoder.embed(x);
    const embeddedByCnn = cnn.embed(x);
    const readout = encoder.readout(x);
    const readoutByCnn = cnn.readout(x);
    expect(readout.shape).toEqual([4, cnn.readoutSize]);
    expect(Array.from(readout.dataSync())).toEqual(Array.from(readoutByCnn.dataSync()));
    tf.dispose([readout, readoutByCnn]);
    const trained = tf.tidy(() => encoder.forwardTrain(x, 0)); // a training pass runs under a tidy (the step's)
    const trainedByCnn = tf.tidy(() => cnn.forwardTrain(x));
    expect(trained.shape).toEqual([4, cnn.embeddingSize]);
    expect(Array.from(trained.dataSync())).toEqual(Array.from(trainedByCnn.dataSync()));
    expect(Array.from(embedded.dataSync())).toEqual(Array.from(embeddedByCnn.dataSync()));
    tf.dispose([trained, embedded, trainedByCnn, embeddedByCnn]);
    expect(tf.memory().numTensors).toBe(before);
    encoder.dispose();
    x.dispose();
  });
});

describe('TextViewEncoder', () => {
  it('draws one dropout seed a pass; the same seed gives the same output, another seed other masks', () => {
    const network = new TransformerEncoder({ vocabSize: 40, maxLength: 12, layers: 1, width: 16, heads: 2, dropout: 0.3, seed: 3 });
    const encoder = new TextViewEncoder(network);
    expect(encoder.variables).toEqual(network.variables);
    expect(encoder.trainableVariables).toEqual(network.trainableVariables);
    expect(encoder.decayMask).toEqual(network.decayMask);
    const rng = new Rng(7);
    const seed = encoder.passSeed(rng);
    const again = new Rng(7);
    expect(seed).toBe(again.nextUint32());
    expect(rng.getState()).toEqual(again.getState());

    const rows = tokenRows(5, 12, 40, 2);
    const ids = idsTensor(rows, 5, 12, 12);
    const before = tf.memory().numTensors;
    const first = encoder.forwardTrain(ids, seed);
    expect(tf.memory().numTensors).toBe(before + 1); // the pooled output only: the hidden states are disposed
    const same = encoder.forwardTrain(ids, seed);
    const other = encoder.forwardTrain(ids, seed + 1);
    expect(first.shape).toEqual([5, 16]);
    expect(Array.from(same.dataSync())).toEqual(Array.from(first.dataSync()));
    expect(Array.from(other.dataSync())).not.toEqual(Array.from(first.dataSync()));
    const reference = tf.tidy(() => network.forwardTrain(ids, { dropoutSeed: seed }).pooled);
    expect(Array.from(reference.dataSync())).toEqual(Array.from(first.dataSync()));
    tf.dispose([first, same, other, reference, ids]);
    encoder.dispose();
  });

  it('embeds float rows as the text module centres them, as the text methods do (embedTexts)', () => {
    const network = new TextConvEncoder({ vocabSize: 40, maxLength: 12, blocks: 1, width: 16, seed: 3 });
    const encoder = new TextViewEncoder(network);
    const x = tf.tensor2d(tokenRows(6, 12, 40, 4), [6, 12]);
    const embedded = encoder.embed(x);
    const reference = embedTexts(network, x);
    expect(embedded.shape).toEqual([6, 16]);
    expect(Array.from(embedded.dataSync())).toEqual(Array.from(reference.dataSync()));
    tf.dispose([embedded, reference, x]);
    encoder.dispose();
  });

  it('trains: the gradient of the pooled output reaches the token embedding', () => {
    const network = new TransformerEncoder({ vocabSize: 40, maxLength: 12, layers: 1, width: 16, heads: 2, seed: 3 });
    const encoder = new TextViewEncoder(network);
    const ids = idsTensor(tokenRows(4, 12, 40, 6), 4, 12, 12);
    const { value, grads } = tf.variableGrads(() => tf.sum(tf.square(encoder.forwardTrain(ids, 11))) as tf.Scalar, encoder.trainableVariables);
    const embedding = grads[network.tokenEmbedding.name]!;
    expect(tf.max(tf.abs(embedding)).dataSync()[0]).toBeGreaterThan(0);
    tf.dispose([value, ids, ...Object.values(grads)]);
    encoder.dispose();
  });
});

describe('viewEncoderFor', () => {
  it('builds the modality’s encoder from the run’s values', async () => {
    const images = tinyImages();
    const cnn = viewEncoderFor(images.spec, { stemStride: 1 }, 3);
    expect(cnn).toBeInstanceOf(CnnViewEncoder);
    cnn.dispose();
    const texts = await tinyTexts();
    const params = { encoder: 'conv', layers: 1, width: 24, heads: 2, dropout: 0, pooling: 'mean' };
    const conv = viewEncoderFor(texts.spec, params, 3);
    expect(conv).toBeInstanceOf(TextViewEncoder);
    expect((conv as TextViewEncoder).network).toBeInstanceOf(TextConvEncoder);
    expect(conv.embeddingSize).toBe(24);
    conv.dispose();
    const transformer = viewEncoderFor(texts.spec, { ...params, encoder: 'transformer' }, 3) as TextViewEncoder;
    expect(transformer.network).toBeInstanceOf(TransformerEncoder);
    transformer.dispose();
    expect(() => viewEncoderFor(texts.spec, { ...params, encoder: 'transformer', heads: 5 }, 3)).toThrow(/not divisible by 5 attention heads/);
  });
});
