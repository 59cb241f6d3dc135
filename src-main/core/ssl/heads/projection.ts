/** The projection head g(·) of contrastive methods (SimCLR §2.1): a small MLP on top of the encoder. */
import { tf } from '../../engine/backend';
import { assertShape } from '../../engine/shapes';
import { ownedVariable, uniqueScope } from '../../engine/variables';

export interface ProjectionHeadConfig {
  inputSize: number;
  hiddenSize: number;
  outputSize: number;
  /**
   * Batch norm after the hidden layer (SimCLR v2, MoCo v3 and BYOL all use it; on small data it
   * speeds up and steadies contrastive training). Training-mode statistics only: the head is not
   * used for embeddings, so it needs no moving averages.
   */
  batchNorm?: boolean;
  seed?: number;
}

/** dense → (BN) → ReLU → dense. */
export class ProjectionHead {
  private readonly w1: tf.Variable<tf.Rank.R2>; // [in, hidden]
  private readonly b1: tf.Variable<tf.Rank.R1> | null; // [hidden]; none with BN (β takes its place)
  private readonly gamma: tf.Variable<tf.Rank.R1> | null; // [hidden]
  private readonly beta: tf.Variable<tf.Rank.R1> | null; // [hidden]
  private readonly w2: tf.Variable<tf.Rank.R2>; // [hidden, out]
  private readonly b2: tf.Variable<tf.Rank.R1>; // [out]
  readonly config: ProjectionHeadConfig;

  constructor(config: ProjectionHeadConfig) {
    this.config = config;
    const seed = config.seed ?? 101;
    const glorot = (fanIn: number, fanOut: number, s: number) =>
      tf.randomUniform([fanIn, fanOut], -Math.sqrt(6 / (fanIn + fanOut)), Math.sqrt(6 / (fanIn + fanOut)), 'float32', s) as tf.Tensor2D;
    const scope = uniqueScope('projection_head');
    this.w1 = ownedVariable(glorot(config.inputSize, config.hiddenSize, seed), true, `${scope}/w1`);
    this.b1 = config.batchNorm ? null : ownedVariable(tf.zeros([config.hiddenSize]) as tf.Tensor1D, true, `${scope}/b1`);
    this.gamma = config.batchNorm ? ownedVariable(tf.ones([config.hiddenSize]) as tf.Tensor1D, true, `${scope}/bn_gamma`) : null;
    this.beta = config.batchNorm ? ownedVariable(tf.zeros([config.hiddenSize]) as tf.Tensor1D, true, `${scope}/bn_beta`) : null;
    this.w2 = ownedVariable(glorot(config.hiddenSize, config.outputSize, seed + 1), true, `${scope}/w2`);
    this.b2 = ownedVariable(tf.zeros([config.outputSize]) as tf.Tensor1D, true, `${scope}/b2`);
  }

  get trainableVariables(): tf.Variable[] {
    return this.gamma && this.beta ? [this.w1, this.gamma, this.beta, this.w2, this.b2] : [this.w1, this.b1!, this.w2, this.b2];
  }

  /** Which trainable variables take weight decay: the weight matrices, not biases or BN parameters. */
  get decayMask(): boolean[] {
    return this.trainableVariables.map((v) => v === this.w1 || v === this.w2);
  }

  /**
   * @param h [N, inputSize]
   * @returns [N, outputSize]
   */
  forward(h: tf.Tensor2D): tf.Tensor2D {
    assertShape('ProjectionHead input', h, [null, this.config.inputSize]);
    let hidden: tf.Tensor2D;
    if (this.gamma && this.beta) {
      const pre = tf.matMul(h, this.w1); // [N, hidden]
      const { mean, variance } = tf.moments(pre, 0); // [hidden] each
      const normalised = tf.mul(tf.sub(pre, mean), tf.rsqrt(tf.add(variance, 1e-5)));
      hidden = tf.relu(tf.add(tf.mul(normalised, this.gamma), this.beta)) as tf.Tensor2D;
    } else {
      hidden = tf.fused.matMul({ a: h, b: this.w1, bias: this.b1!, activation: 'relu' }) as tf.Tensor2D; // [N, hidden]
    }
    return tf.fused.matMul({ a: hidden, b: this.w2, bias: this.b2 }) as tf.Tensor2D; // [N, out]
  }

  dispose(): void {
    for (const v of this.trainableVariables) v.dispose();
  }
}
