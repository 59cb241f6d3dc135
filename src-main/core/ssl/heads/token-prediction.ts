/**
 * The output layer of the language-model methods (masked tokens, next token): BERT's prediction
 * head (Devlin et al. 2019, as in the reference implementation's `cls/predictions`): a dense
 * transform with its activation and a layer norm, then logits against the encoder's own token
 * embedding matrix (tied input and output embeddings, Press & Wolf 2017) plus a bias per token.
 * Tying keeps the head small (V·D parameters are shared, not doubled) and ties rare tokens' inputs
 * to what predicts them.
 */
import { tf } from '../../engine/backend';
import { layerNorm } from '../../engine/ops/layer-norm';
import { assertShape } from '../../engine/shapes';
import { ownedVariable, uniqueScope } from '../../engine/variables';

export class TokenPredictionHead {
  private readonly weight: tf.Variable<tf.Rank.R2>; // [D, D]
  private readonly bias: tf.Variable<tf.Rank.R1>; // [D]
  private readonly gamma: tf.Variable<tf.Rank.R1>; // [D]
  private readonly beta: tf.Variable<tf.Rank.R1>; // [D]
  private readonly outputBias: tf.Variable<tf.Rank.R1>; // [V]

  /** @param tokenEmbedding [V, D] the encoder's token embedding, shared as the output matrix */
  constructor(
    private readonly tokenEmbedding: tf.Variable<tf.Rank.R2>,
    seed: number,
  ) {
    const [vocab, width] = tokenEmbedding.shape;
    const scope = uniqueScope('token_prediction_head');
    this.weight = ownedVariable(tf.randomNormal([width, width], 0, 0.02, 'float32', seed) as tf.Tensor2D, true, `${scope}/transform_weight`);
    this.bias = ownedVariable(tf.zeros([width]) as tf.Tensor1D, true, `${scope}/transform_bias`);
    this.gamma = ownedVariable(tf.ones([width]) as tf.Tensor1D, true, `${scope}/ln_gamma`);
    this.beta = ownedVariable(tf.zeros([width]) as tf.Tensor1D, true, `${scope}/ln_beta`);
    this.outputBias = ownedVariable(tf.zeros([vocab]) as tf.Tensor1D, true, `${scope}/output_bias`);
  }

  /** The head's own variables (the tied embedding belongs to the encoder). */
  get trainableVariables(): tf.Variable[] {
    return [this.weight, this.bias, this.gamma, this.beta, this.outputBias];
  }

  /** Decay on the transform matrix only. */
  get decayMask(): boolean[] {
    return [true, false, false, false, false];
  }

  /**
   * @param hidden [N, D] hidden states of the positions to predict
   * @returns [N, V] logits over the vocabulary
   */
  forward(hidden: tf.Tensor2D): tf.Tensor2D {
    assertShape('token prediction head input', hidden, [null, this.tokenEmbedding.shape[1]]);
    return tf.tidy(() => {
      const transformed = tf.fused.matMul({ a: hidden, b: this.weight, bias: this.bias, activation: 'relu' }) as tf.Tensor2D; // [N, D]
      const normalised = layerNorm(transformed, this.gamma, this.beta); // [N, D]
      return tf.add(tf.matMul(normalised, this.tokenEmbedding, false, true), this.outputBias) as tf.Tensor2D; // [N, V]
    });
  }

  dispose(): void {
    for (const v of this.trainableVariables) v.dispose();
  }
}
