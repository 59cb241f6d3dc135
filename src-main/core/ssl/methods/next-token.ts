/**
 * Next-token prediction (a GPT-style causal language model: Radford, Narasimhan, Salimans, Sutskever
 * 2018, §3.1): the encoder attends only to earlier positions, and a tied prediction head names the
 * token that follows each position (losses/masked-lm.ts `nextTokenLoss`, PAD targets left out). The
 * embedding is the mean of the hidden states, read with the same causal attention it was trained with.
 */
import { asTextSpec, type TextData } from '../../data/text';
import type { LoadedData } from '../../data/types';
import { tf } from '../../engine/backend';
import { TokenPredictionHead } from '../heads/token-prediction';
import { nextTokenLoss } from '../losses/masked-lm';
import { AdamW } from '../optim/adamw';
import { minimise } from '../optim/minimise';
import type { LossParts, MethodSetup, SslMethod, StepContext, TrainableMethod } from './types';
import { named } from './state-names';
import { idsTensor, TEXT_ENCODER_PARAMS, textEncoderFor, textEncoderParams, TokenRows, embedTexts, type TextEncoder } from './text-shared';

class NextTokenRun implements TrainableMethod {
  readonly trains = true;
  readonly embeddingDim: number;
  private readonly encoder: TextEncoder;
  private readonly head: TokenPredictionHead;
  private readonly optimizer: AdamW;
  private readonly trainable: tf.Variable[];
  private readonly rows = new TokenRows();

  constructor(setup: MethodSetup) {
    const spec = asTextSpec(setup.spec);
    // Mean pooling: with causal attention the first token sees nothing but itself.
    this.encoder = textEncoderFor(spec, { ...textEncoderParams(setup.params), pooling: 'mean' }, setup.seed);
    this.embeddingDim = this.encoder.embeddingSize;
    this.head = new TokenPredictionHead(this.encoder.tokenEmbedding, setup.seed + 1000);
    this.trainable = [...this.encoder.trainableVariables, ...this.head.trainableVariables];
    this.optimizer = new AdamW(this.trainable, {
      weightDecay: (setup.params.weightDecay as number | undefined) ?? 0,
      decayMask: [...this.encoder.decayMask, ...this.head.decayMask],
    });
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
    const ids = idsTensor(rows, b, length, longest); // [B, L]
    const flat = ids.dataSync() as Int32Array;
    const dropoutSeed = context.rng.nextUint32();
    return minimise(
      this.optimizer,
      this.trainable,
      context.learningRate,
      () => {
        const { hidden } = this.encoder.forwardTrain(ids, { causal: true, dropoutSeed }); // [B, L, D]
        const logits = tf.reshape(this.head.forward(tf.reshape(hidden, [b * longest, this.embeddingDim])), [b, longest, -1]) as tf.Tensor3D; // [B, L, V]
        return { total: nextTokenLoss(logits, flat) };
      },
      [ids],
    );
  }

  embed(x: tf.Tensor): tf.Tensor2D {
    return embedTexts(this.encoder, x, { causal: true });
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

export const nextToken: SslMethod = {
  id: 'next-token',
  name: 'Next-token prediction',
  family: 'autoregressive',
  description: 'Autoregressive (GPT): read each text left to right and learn to predict every next token.',
  modalities: ['text'],
  trains: true,
  params: TEXT_ENCODER_PARAMS,
  create: (setup) => new NextTokenRun(setup),
};
