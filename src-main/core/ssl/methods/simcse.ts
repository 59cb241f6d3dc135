/**
 * Unsupervised SimCSE (Gao, Yao, Chen 2021, §3): each text goes through the encoder twice, with two
 * different dropout masks, and the two encodings are pulled together against the batch's other texts
 * (losses/simcse.ts, eq. 1, temperature 0.05). Dropout is the only augmentation: nothing about the
 * text changes. As in the paper's unsupervised model, an MLP on the pooled output is used in training
 * only; the embedding is the pooled output itself.
 */
import { asTextSpec, type TextData } from '../../data/text';
import type { LoadedData } from '../../data/types';
import { tf } from '../../engine/backend';
import { ProjectionHead } from '../heads/projection';
import { simcseLoss } from '../losses/simcse';
import type { LossParts, MethodSetup, SslMethod, StepContext } from './types';
import { idsTensor, TEXT_ENCODER_PARAMS, textEncoderFor, textEncoderParams, TokenRows, TextMethodRun } from './text-shared';

class SimcseRun extends TextMethodRun {
  private readonly head: ProjectionHead;
  private readonly rows = new TokenRows();
  private readonly temperature: number;

  constructor(setup: MethodSetup) {
    const encoder = textEncoderFor(asTextSpec(setup.spec), textEncoderParams(setup.params), setup.seed);
    const d = encoder.embeddingSize;
    const head = new ProjectionHead({ inputSize: d, hiddenSize: d, outputSize: d, seed: setup.seed + 1000 });
    super(encoder, { head }, setup.params);
    this.head = head;
    this.temperature = setup.params.temperature as number;
  }

  trainStep(loaded: LoadedData, batch: Int32Array, context: StepContext): LossParts {
    const b = batch.length;
    const { rows, length, longest } = this.rows.make(loaded as TextData, batch);
    const once = idsTensor(rows, b, length, longest); // [B, L]
    const twice = tf.concat([once, once], 0) as tf.Tensor2D; // [2B, L]: every row's two copies get their own dropout masks
    const dropoutSeed = context.rng.nextUint32();
    return this.minimise(
      context,
      () => {
        const z = this.head.forward(this.encoder.forwardTrain(twice, { dropoutSeed }).pooled); // [2B, D]
        const [first, second] = tf.split(z, [b, b], 0) as [tf.Tensor2D, tf.Tensor2D]; // [B, D] each
        return { total: simcseLoss(first, second, this.temperature) };
      },
      [once, twice],
    );
  }

}

export const simcse: SslMethod = {
  id: 'simcse',
  name: 'SimCSE',
  family: 'contrastive',
  description: 'Contrastive (SimCSE): the same text encoded twice under different dropout should embed close together, apart from the other texts.',
  modalities: ['text'],
  trains: true,
  params: [
    ...TEXT_ENCODER_PARAMS,
    { name: 'temperature', label: 'Temperature', type: 'number', default: 0.05, min: 0.01, max: 10, help: 'Temperature τ of the contrastive loss (SimCSE: 0.05).', scope: 'method' },
  ],
  create: (setup) => new SimcseRun(setup),
};
