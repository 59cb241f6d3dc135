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
import { AdamW } from '../optim/adamw';
import { minimise } from '../optim/minimise';
import type { LossParts, MethodSetup, SslMethod, StepContext, TrainableMethod } from './types';
import { named } from './state-names';
import { idsTensor, TEXT_ENCODER_PARAMS, textEncoderFor, textEncoderParams, TokenRows, embedTexts, type TextEncoder } from './text-shared';

class SimcseRun implements TrainableMethod {
  readonly trains = true;
  readonly embeddingDim: number;
  private readonly encoder: TextEncoder;
  private readonly head: ProjectionHead;
  private readonly optimizer: AdamW;
  private readonly trainable: tf.Variable[];
  private readonly rows = new TokenRows();
  private readonly temperature: number;

  constructor(setup: MethodSetup) {
    const spec = asTextSpec(setup.spec);
    this.encoder = textEncoderFor(spec, textEncoderParams(setup.params), setup.seed);
    this.embeddingDim = this.encoder.embeddingSize;
    this.head = new ProjectionHead({ inputSize: this.embeddingDim, hiddenSize: this.embeddingDim, outputSize: this.embeddingDim, seed: setup.seed + 1000 });
    this.trainable = [...this.encoder.trainableVariables, ...this.head.trainableVariables];
    this.optimizer = new AdamW(this.trainable, {
      weightDecay: (setup.params.weightDecay as number | undefined) ?? 0,
      decayMask: [...this.encoder.decayMask, ...this.head.decayMask],
    });
    this.temperature = setup.params.temperature as number;
  }

  get optimizerStep(): number {
    return this.optimizer.step;
  }
  set optimizerStep(step: number) {
    this.optimizer.step = step;
  }

  trainStep(loaded: LoadedData, batch: Int32Array, context: StepContext): LossParts {
    const b = batch.length;
    const { rows, length, longest } = this.rows.make(loaded as TextData, batch);
    const once = idsTensor(rows, b, length, longest); // [B, L]
    const twice = tf.concat([once, once], 0) as tf.Tensor2D; // [2B, L]: every row's two copies get their own dropout masks
    const dropoutSeed = context.rng.nextUint32();
    return minimise(
      this.optimizer,
      this.trainable,
      context.learningRate,
      () => {
        const z = this.head.forward(this.encoder.forwardTrain(twice, { dropoutSeed }).pooled); // [2B, D]
        const [first, second] = tf.split(z, [b, b], 0) as [tf.Tensor2D, tf.Tensor2D]; // [B, D] each
        return { total: simcseLoss(first, second, this.temperature) };
      },
      [once, twice],
    );
  }

  embed(x: tf.Tensor): tf.Tensor2D {
    return embedTexts(this.encoder, x);
  }

  stateVariables(): { name: string; variable: tf.Variable }[] {
    return [...named('encoder', this.encoder.variables), ...named('head', this.head.trainableVariables), ...named('adam', this.optimizer.stateVariables())];
  }

  dispose(): void {
    this.encoder.dispose();
    this.head.dispose();
    this.optimizer.dispose();
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
