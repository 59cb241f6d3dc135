/**
 * Masked language modelling (BERT: Devlin, Chang, Lee, Toutanova 2019, §3.1 "Task #1: Masked LM"):
 * 15% of each text's tokens are chosen, 80% of those replaced by [MASK], 10% by a random token, 10%
 * kept (views/token-mask.ts); the encoder reads the corrupted text and a tied prediction head names
 * the original token at every chosen position (cross-entropy, losses/masked-lm.ts). The embedding is
 * the encoder's pooled output on the uncorrupted text.
 *
 * Optionally (`sentenceOrder`), ALBERT's sentence-order prediction (Lan et al. 2020, §3.1) is
 * trained beside it on the same corrupted rows: texts of two or more sentences are split at a
 * sentence end and shown in order or swapped (views/sentence-order.ts), and a linear head on the
 * pooled output says which (softmax cross-entropy, losses/cross-entropy.ts). ALBERT's loss is the
 * plain sum of the two, as here.
 */
import { asTextSpec, type TextData } from '../../data/text';
import type { LoadedData } from '../../data/types';
import { tf } from '../../engine/backend';
import { loadTokenizer } from '../../data/tokenizer';
import { LinearHead } from '../heads/linear';
import { TokenPredictionHead } from '../heads/token-prediction';
import { softmaxCrossEntropy } from '../losses/cross-entropy';
import { maskedLmLoss } from '../losses/masked-lm';
import type { StepLoss } from '../optim/minimise';
import { SentenceOrderBatch, sentenceEndFlags } from '../views/sentence-order';
import { maskTokens } from '../views/token-mask';
import type { LossParts, MethodSetup, SslMethod, StepContext } from './types';
import { TEXT_ENCODER_PARAMS, textEncoderFor, textEncoderParams, TokenRows, TextMethodRun } from './text-shared';

/** Share of the masked positions whose prediction is right: a step's accuracy part. */
export function predictionAccuracy(logits: tf.Tensor2D, targets: Int32Array): tf.Scalar {
  return tf.tidy(() => tf.mean(tf.cast(tf.equal(tf.argMax(logits, 1), tf.tensor1d(targets, 'int32')), 'float32')) as tf.Scalar);
}

class MaskedLmRun extends TextMethodRun {
  private readonly head: TokenPredictionHead;
  /** The sentence-order head (2 classes: in order, swapped), or null when the run leaves SOP out. */
  private readonly orderHead: LinearHead | null;
  private readonly rows = new TokenRows();
  private orderRows: SentenceOrderBatch | null = null;
  private readonly maskRatio: number;
  private readonly vocabSize: number;

  constructor(setup: MethodSetup) {
    const spec = asTextSpec(setup.spec);
    const encoder = textEncoderFor(spec, textEncoderParams(setup.params), setup.seed);
    const head = new TokenPredictionHead(encoder.tokenEmbedding, setup.seed + 1000);
    const orderHead = setup.params.sentenceOrder === true ? new LinearHead({ inputSize: encoder.embeddingSize, outputSize: 2, seed: setup.seed + 2000 }) : null;
    super(encoder, { head, sop: orderHead }, setup.params);
    this.head = head;
    this.orderHead = orderHead;
    this.maskRatio = setup.params.maskRatio as number;
    this.vocabSize = spec.vocabSize;
  }

  /** The batch's rows: split and maybe swapped for sentence-order prediction, or the plain ones. */
  private makeRows(data: TextData, batch: Int32Array, context: StepContext): { rows: Float32Array; length: number; longest: number; order: Int32Array | null } {
    if (!this.orderHead) return { ...this.rows.make(data, batch), order: null };
    if (!this.orderRows) {
      if (!data.spec.tokenizer) throw new Error('Sentence-order prediction needs the run’s trained tokenizer in its input spec');
      const tokenizer = loadTokenizer(data.spec.tokenizer);
      this.orderRows = new SentenceOrderBatch(sentenceEndFlags((id) => tokenizer.token(id), tokenizer.vocabSize));
    }
    const made = this.orderRows.make(data, batch, context.rng);
    return { rows: made.rows, length: made.length, longest: made.longest, order: made.labels };
  }

  trainStep(loaded: LoadedData, batch: Int32Array, context: StepContext): LossParts {
    const b = batch.length;
    const { rows, length, longest, order } = this.makeRows(loaded as TextData, batch, context);
    const trimmed = new Float32Array(b * longest);
    for (let r = 0; r < b; r++) trimmed.set(rows.subarray(r * length, r * length + longest), r * longest);
    const masked = maskTokens(trimmed, b, { vocabSize: this.vocabSize, ratio: this.maskRatio }, context.rng);
    const ids = tf.tensor2d(Int32Array.from(masked.inputs), [b, longest], 'int32'); // [B, L]
    const chosen = Int32Array.from(masked.rows, (r, i) => r * longest + masked.positions[i]!);
    const positions = tf.tensor1d(chosen, 'int32'); // [M]
    // The rows that take part in sentence-order prediction (texts of two or more sentences).
    const split = order ? Int32Array.from(order.keys()).filter((r) => order[r]! >= 0) : new Int32Array(0);
    const orderLabels = order ? Int32Array.from(split, (r) => order[r]!) : split;
    const splitRows = tf.tensor1d(split, 'int32'); // [S]
    const dropoutSeed = context.rng.nextUint32();
    return this.minimise(
      context,
      (): StepLoss => {
        const { hidden, pooled } = this.encoder.forwardTrain(ids, { dropoutSeed }); // [B, L, D], [B, D]
        const picked = tf.gather(tf.reshape(hidden, [b * longest, this.embeddingDim]), positions) as tf.Tensor2D; // [M, D]
        const logits = this.head.forward(picked); // [M, V]
        const mlm = maskedLmLoss(logits, masked.targets);
        const accuracy = predictionAccuracy(logits, masked.targets);
        if (!this.orderHead) return { total: mlm, accuracy };
        // A batch with no text to split still reports the order parts, as 0 loss and chance accuracy.
        if (split.length === 0) return { total: mlm, mlm, accuracy, sentenceOrder: tf.scalar(0), sentenceOrderAccuracy: tf.scalar(0.5) };
        const orderLogits = this.orderHead.forward(tf.gather(pooled, splitRows) as tf.Tensor2D); // [S, 2]
        const sentenceOrder = softmaxCrossEntropy(orderLogits, orderLabels);
        return { total: tf.add(mlm, sentenceOrder) as tf.Scalar, mlm, accuracy, sentenceOrder, sentenceOrderAccuracy: predictionAccuracy(orderLogits, orderLabels) };
      },
      [ids, positions, splitRows],
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
    { name: 'sentenceOrder', label: 'Sentence order', type: 'boolean', default: false, help: 'Also learn whether the two halves of a text (split at a sentence end) are in order or swapped (ALBERT’s sentence-order prediction); texts of one sentence train the masked model only.', scope: 'method', advanced: true },
  ],
  create: (setup) => new MaskedLmRun(setup),
};
