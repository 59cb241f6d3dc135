/** Masked language modelling with ALBERT's sentence-order prediction switched on (the every-method test runs the default, without it). */
import { describe, expect, it, beforeAll } from 'vitest';
import type { TextInputSpec } from '../../../../src-main/contract';
import type { TextData } from '../../../../src-main/core/data/text';
import { initBackend, tf } from '../../../../src-main/core/engine/backend';
import { getMethod, type StepContext } from '../../../../src-main/core/ssl/methods';
import { Rng } from '../../../../src-main/core/ssl/random';
import { resolveRunParams } from '../../../../src-main/core/training/params';
import { tokenisedTexts } from './tiny-data';

const textsOf = (texts: string[]): Promise<TextData> => tokenisedTexts(texts, { vocabSize: 200, maxLength: 20 });

/** Two-sentence texts whose first sentence always opens with "first" and whose second opens with "then"; two single sentences. */
const NOUNS = ['cat', 'dog', 'bird', 'fish', 'horse', 'mouse', 'sheep', 'goat'];
const VERBS = ['runs', 'sleeps', 'eats', 'sings', 'jumps', 'swims'];
const TEXTS = [
  ...NOUNS.flatMap((n, i) => [`First the ${n} ${VERBS[i % 6]}. Then the ${NOUNS[(i + 3) % 8]} ${VERBS[(i + 1) % 6]}!`, `First a ${n} ${VERBS[(i + 2) % 6]}. Then it ${VERBS[(i + 4) % 6]} again.`]),
  'a single sentence with no end',
  'one sentence only.',
];

const method = getMethod('mlm');
const small = (sentenceOrder: boolean, spec: TextInputSpec) => resolveRunParams(method, { layers: 1, width: 32, heads: 2, batchSize: 8, learningRate: 3e-3, sentenceOrder, dropout: 0 }, spec);

describe('masked language model with sentence-order prediction', () => {
  beforeAll(async () => {
    await initBackend('wasm', { threads: 1 });
  });

  it('is off by default, and then keeps no order head', async () => {
    const data = await textsOf(TEXTS);
    const params = resolveRunParams(method, {}, data.spec);
    expect(params.sentenceOrder).toBe(false);
    const run = method.create({ spec: data.spec, params: small(false, data.spec), seed: 1 });
    expect(run.stateVariables().some((v) => v.name.startsWith('sop'))).toBe(false);
    const parts = run.trainStep(data, Int32Array.from([0, 1, 2, 3]), { step: 1, totalSteps: 2, epoch: 1, epochs: 1, learningRate: 1e-3, rng: new Rng(1) });
    expect(Object.keys(parts).sort()).toEqual(['accuracy', 'total']);
    run.dispose();
  });

  it('reports both losses, sums them, keeps the tensor count and learns which sentence comes first', async () => {
    const data = await textsOf(TEXTS);
    const run = method.create({ spec: data.spec, params: small(true, data.spec), seed: 2 });
    expect(run.stateVariables().filter((v) => v.name.startsWith('sop')).length).toBe(2);
    const rng = new Rng(3);
    const context = (step: number): StepContext => ({ step, totalSteps: 400, epoch: 1, epochs: 1, learningRate: 3e-3, rng });
    // The single-sentence texts only: the order parts are still reported.
    const singles = run.trainStep(data, Int32Array.from([16, 17]), context(1));
    expect(singles.sentenceOrder).toBe(0);
    expect(singles.sentenceOrderAccuracy).toBe(0.5);
    const before = tf.memory().numTensors;
    const accuracies: number[] = [];
    const order = new Rng(4);
    for (let step = 2; step <= 80; step++) {
      const batch = Int32Array.from({ length: 8 }, () => order.int(TEXTS.length));
      const parts = run.trainStep(data, batch, context(step));
      expect(Object.keys(parts).sort()).toEqual(['accuracy', 'mlm', 'sentenceOrder', 'sentenceOrderAccuracy', 'total']);
      for (const v of Object.values(parts)) expect(Number.isFinite(v)).toBe(true);
      expect(parts.total).toBeCloseTo(parts.mlm! + parts.sentenceOrder!, 4);
      accuracies.push(parts.sentenceOrderAccuracy!);
      expect(tf.memory().numTensors).toBe(before);
    }
    const early = accuracies.slice(0, 20).reduce((a, b) => a + b) / 20;
    const late = accuracies.slice(-20).reduce((a, b) => a + b) / 20;
    expect(late, `sentence-order accuracy over the last 20 steps (first 20: ${early})`).toBeGreaterThan(0.85);
    expect(late).toBeGreaterThan(early);
    run.dispose();
  }, 60_000);
});
