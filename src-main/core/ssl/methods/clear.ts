/**
 * CLEAR (Wu, Wang, Gao, Ma, Han, Liang 2020, "CLEAR: Contrastive Learning for Sentence
 * Representation", §3): for every minibatch two of the sentence augmentations are drawn (word
 * deletion, span deletion to one [DEL], reordering, synonym substitution; views/text.ts), one makes
 * each text's first view and the other its second; encoder and projection head map both, and NT-Xent
 * (losses/nt-xent.ts, as in the paper's eq. 1) pulls each pair together against the other 2B − 2
 * views. The paper's optional masked-LM term (its eq. 3, λ = 1) is a parameter. The embedding is the
 * encoder's pooled output on the unaugmented text.
 */
import { asTextSpec, writeTokenRow, type TextData } from '../../data/text';
import type { LoadedData } from '../../data/types';
import { tf } from '../../engine/backend';
import { ProjectionHead } from '../heads/projection';
import { TokenPredictionHead } from '../heads/token-prediction';
import { maskedLmLoss } from '../losses/masked-lm';
import { ntXentLoss } from '../losses/nt-xent';
import type { StepLoss } from '../optim/minimise';
import { maskTokens } from '../views/token-mask';
import { predictionAccuracy } from './masked-lm';
import type { LossParts, MethodSetup, SslMethod, StepContext } from './types';
import { longestRow, SYNONYMS_PARAM, TEXT_ENCODER_PARAMS, textEncoderFor, textEncoderParams, TextMethodRun, TextViewPairs } from './text-shared';

class ClearRun extends TextMethodRun {
  private readonly head: ProjectionHead;
  private readonly lmHead: TokenPredictionHead | null;
  private readonly temperature: number;
  private readonly mlmWeight: number;
  private readonly vocabSize: number;
  private readonly maxLength: number;
  private readonly views: TextViewPairs;

  constructor(setup: MethodSetup) {
    const spec = asTextSpec(setup.spec);
    const encoder = textEncoderFor(spec, textEncoderParams(setup.params), setup.seed);
    const d = encoder.embeddingSize;
    const mlmWeight = setup.params.mlmWeight as number;
    const head = new ProjectionHead({ inputSize: d, hiddenSize: d, outputSize: d, seed: setup.seed + 1000 });
    const lmHead = mlmWeight > 0 ? new TokenPredictionHead(encoder.tokenEmbedding, setup.seed + 2000) : null;
    super(encoder, { head, lmHead }, setup.params);
    this.head = head;
    this.lmHead = lmHead;
    this.mlmWeight = mlmWeight;
    this.temperature = setup.params.temperature as number;
    this.vocabSize = spec.vocabSize;
    this.maxLength = spec.maxLength;
    this.views = new TextViewPairs(spec, setup.params.synonyms as boolean);
  }

  prepare(loaded: LoadedData): Promise<void> {
    return this.views.prepare(loaded);
  }

  trainStep(loaded: LoadedData, batch: Int32Array, context: StepContext): LossParts {
    const data = loaded as TextData;
    const b = batch.length;
    const length = this.maxLength;
    const [first, second] = this.views.make(data, batch, context.rng); // [B, L] each
    const views = tf.concat([first, second], 0) as tf.Tensor2D; // [2B, L]
    const own: tf.Tensor[] = [first, second, views];
    let lm: { ids: tf.Tensor2D; positions: tf.Tensor1D; targets: Int32Array; width: number } | null = null;
    if (this.lmHead) {
      // The masked-LM term on the unaugmented texts, as in CLEAR's joint objective.
      const original = new Float32Array(b * length);
      for (let i = 0; i < b; i++) writeTokenRow(data.tokens.subarray(data.offsets[batch[i]!]!, data.offsets[batch[i]! + 1]!), length, original, i * length);
      const width = longestRow(original, b, length);
      const trimmed = new Float32Array(b * width);
      for (let r = 0; r < b; r++) trimmed.set(original.subarray(r * length, r * length + width), r * width);
      const masked = maskTokens(trimmed, b, { vocabSize: this.vocabSize }, context.rng);
      lm = {
        ids: tf.tensor2d(Int32Array.from(masked.inputs), [b, width], 'int32'),
        positions: tf.tensor1d(Int32Array.from(masked.rows, (r, i) => r * width + masked.positions[i]!), 'int32'),
        targets: masked.targets,
        width,
      };
      own.push(lm.ids, lm.positions);
    }
    const dropoutSeed = context.rng.nextUint32();
    return this.minimise(
      context,
      (): StepLoss => {
        const z = this.head.forward(this.encoder.forwardTrain(views, { dropoutSeed }).pooled); // [2B, D]
        const [z1, z2] = tf.split(z, [b, b], 0) as [tf.Tensor2D, tf.Tensor2D]; // [B, D] each
        const contrastive = ntXentLoss(z1, z2, this.temperature);
        if (!lm || !this.lmHead) return { total: contrastive };
        const { hidden } = this.encoder.forwardTrain(lm.ids, { dropoutSeed: dropoutSeed ^ 0x9e3779b9 }); // [B, L, D]
        const picked = tf.gather(tf.reshape(hidden, [b * lm.width, this.embeddingDim]), lm.positions) as tf.Tensor2D; // [M, D]
        const logits = this.lmHead.forward(picked); // [M, V]
        const masked = maskedLmLoss(logits, lm.targets);
        return {
          total: tf.add(contrastive, tf.mul(masked, this.mlmWeight)) as tf.Scalar,
          contrastive,
          maskedLm: masked,
          maskedAccuracy: predictionAccuracy(logits, lm.targets),
        };
      },
      own,
    );
  }

}

export const clear: SslMethod = {
  id: 'clear',
  name: 'CLEAR',
  family: 'contrastive',
  description: 'Contrastive (CLEAR): two edited copies of each text (words deleted, a span cut, parts swapped, synonyms) should embed close together, apart from the other texts.',
  modalities: ['text'],
  trains: true,
  params: [
    ...TEXT_ENCODER_PARAMS,
    { name: 'temperature', label: 'Temperature', type: 'number', default: 0.1, min: 0.01, max: 10, help: 'NT-Xent temperature τ.', scope: 'method' },
    SYNONYMS_PARAM,
    { name: 'mlmWeight', label: 'Masked-LM weight', type: 'number', default: 0, min: 0, max: 10, help: 'Weight λ of an added masked-language-model loss (CLEAR: 1); 0 trains on the contrastive loss alone (faster).', scope: 'method', advanced: true },
  ],
  create: (setup) => new ClearRun(setup),
};
