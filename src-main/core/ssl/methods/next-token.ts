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
import type { LossParts, MethodSetup, SslMethod, StepContext } from './types';
import { idsTensor, TEXT_ENCODER_PARAMS, textEncoderFor, textEncoderParams, TokenRows, TextMethodRun } from './text-shared';

class NextTokenRun extends TextMethodRun {
  private readonly head: TokenPredictionHead;
  private readonly rows = new TokenRows();

  constructor(setup: MethodSetup) {
    // Mean pooling: with causal attention the first token sees nothing but itself.
    const encoder = textEncoderFor(asTextSpec(setup.spec), { ...textEncoderParams(setup.params), pooling: 'mean' }, setup.seed);
    const head = new TokenPredictionHead(encoder.tokenEmbedding, setup.seed + 1000);
    super(encoder, { head }, setup.params, true);
    this.head = head;
  }

  trainStep(loaded: LoadedData, batch: Int32Array, context: StepContext): LossParts {
    const b = batch.length;
    const { rows, length, longest } = this.rows.make(loaded as TextData, batch);
    const ids = idsTensor(rows, b, length, longest); // [B, L]
    const flat = ids.dataSync() as Int32Array;
    const dropoutSeed = context.rng.nextUint32();
    return this.minimise(
      context,
      () => {
        const { hidden } = this.encoder.forwardTrain(ids, { causal: true, dropoutSeed }); // [B, L, D]
        const logits = tf.reshape(this.head.forward(tf.reshape(hidden, [b * longest, this.embeddingDim])), [b, longest, -1]) as tf.Tensor3D; // [B, L, V]
        return { total: nextTokenLoss(logits, flat) };
      },
      [ids],
    );
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
