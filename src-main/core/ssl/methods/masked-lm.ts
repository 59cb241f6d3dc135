/**
 * Masked language modelling (BERT: Devlin, Chang, Lee, Toutanova 2019, §3.1 "Task #1: Masked LM"):
 * 15% of each text's tokens are chosen, 80% of those replaced by [MASK], 10% by a random token, 10%
 * kept (views/token-mask.ts); the encoder reads the corrupted text and a tied prediction head names
 * the original token at every chosen position (cross-entropy, losses/masked-lm.ts). The embedding is
 * the encoder's pooled output on the uncorrupted text. (ALBERT's sentence-order prediction is not
 * offered yet.)
 */
import { asTextSpec, type TextData } from '../../data/text';
import type { LoadedData } from '../../data/types';
import { tf } from '../../engine/backend';
import { TokenPredictionHead } from '../heads/token-prediction';
import { maskedLmLoss } from '../losses/masked-lm';
import { minimise } from '../optim/minimise';
import { maskTokens } from '../views/token-mask';
import type { LossParts, MethodSetup, SslMethod, StepContext } from './types';
import { TEXT_ENCODER_PARAMS, textEncoderFor, textEncoderParams, TokenRows, TextMethodRun } from './text-shared';

/** Share of the masked positions whose prediction is right: a step's accuracy part. */
export function predictionAccuracy(logits: tf.Tensor2D, targets: Int32Array): tf.Scalar {
  return tf.tidy(() => tf.mean(tf.cast(tf.equal(tf.argMax(logits, 1), tf.tensor1d(targets, 'int32')), 'float32')) as tf.Scalar);
}

class MaskedLmRun extends TextMethodRun {
  private readonly head: TokenPredictionHead;
  private readonly rows = new TokenRows();
  private readonly maskRatio: number;
  private readonly vocabSize: number;

  constructor(setup: MethodSetup) {
    const spec = asTextSpec(setup.spec);
    const encoder = textEncoderFor(spec, textEncoderParams(setup.params), setup.seed);
    const head = new TokenPredictionHead(encoder.tokenEmbedding, setup.seed + 1000);
    super(encoder, { head }, setup.params);
    this.head = head;
    this.maskRatio = setup.params.maskRatio as number;
    this.vocabSize = spec.vocabSize;
  }

  trainStep(loaded: LoadedData, batch: Int32Array, context: StepContext): LossParts {
    const b = batch.length;
    const { rows, length, longest } = this.rows.make(loaded as TextData, batch);
    const trimmed = new Float32Array(b * longest);
    for (let r = 0; r < b; r++) trimmed.set(rows.subarray(r * length, r * length + longest), r * longest);
    const masked = maskTokens(trimmed, b, { vocabSize: this.vocabSize, ratio: this.maskRatio }, context.rng);
    const ids = tf.tensor2d(Int32Array.from(masked.inputs), [b, longest], 'int32'); // [B, L]
    const chosen = Int32Array.from(masked.rows, (r, i) => r * longest + masked.positions[i]!);
    const positions = tf.tensor1d(chosen, 'int32'); // [M]
    const dropoutSeed = context.rng.nextUint32();
    return minimise(
      this.optimizer,
      this.trainable,
      context.learningRate,
      () => {
        const { hidden } = this.encoder.forwardTrain(ids, { dropoutSeed }); // [B, L, D]
        const picked = tf.gather(tf.reshape(hidden, [b * longest, this.embeddingDim]), positions) as tf.Tensor2D; // [M, D]
        const logits = this.head.forward(picked); // [M, V]
        return { total: maskedLmLoss(logits, masked.targets), accuracy: predictionAccuracy(logits, masked.targets) };
      },
      [ids, positions],
    );
  }

}

export const maskedLm: SslMethod = {
  id: 'mlm',
  name: 'Masked language model',
  family: 'masked modelling',
  description: 'Masked modelling (BERT): hide 15% of the tokens of each text and learn to name them from the rest.',
  modalities: ['text'],
  trains: true,
  params: [
    ...TEXT_ENCODER_PARAMS,
    { name: 'maskRatio', label: 'Masked share', type: 'number', default: 0.15, min: 0.01, max: 0.9, help: 'Share of each text’s tokens to predict (BERT: 0.15; 80% of them become [MASK], 10% a random token, 10% stay).', scope: 'method' },
  ],
  create: (setup) => new MaskedLmRun(setup),
};
