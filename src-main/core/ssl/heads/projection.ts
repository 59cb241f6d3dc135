/** The projection head g(·) of contrastive methods (SimCLR §2.1): a small MLP on top of the encoder. */
import { tf } from '../../engine/backend';
import { assertShape } from '../../engine/shapes';
import { ownedVariable, uniqueScope } from '../../engine/variables';

export interface ProjectionHeadConfig {
  inputSize: number;
  hiddenSize: number;
  outputSize: number;
  seed?: number;
}

/** SimCLR's projection head g(·): dense → ReLU → dense. */
export class ProjectionHead {
  private readonly w1: tf.Variable<tf.Rank.R2>; // [in, hidden]
  private readonly b1: tf.Variable<tf.Rank.R1>; // [hidden]
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
    this.b1 = ownedVariable(tf.zeros([config.hiddenSize]) as tf.Tensor1D, true, `${scope}/b1`);
    this.w2 = ownedVariable(glorot(config.hiddenSize, config.outputSize, seed + 1), true, `${scope}/w2`);
    this.b2 = ownedVariable(tf.zeros([config.outputSize]) as tf.Tensor1D, true, `${scope}/b2`);
  }

  get trainableVariables(): tf.Variable[] {
    return [this.w1, this.b1, this.w2, this.b2];
  }

  /**
   * @param h [N, inputSize]
   * @returns [N, outputSize]
   */
  forward(h: tf.Tensor2D): tf.Tensor2D {
    assertShape('ProjectionHead input', h, [null, this.config.inputSize]);
    const hidden = tf.fused.matMul({ a: h, b: this.w1, bias: this.b1, activation: 'relu' }); // [N, hidden]
    return tf.fused.matMul({ a: hidden, b: this.w2, bias: this.b2 }) as tf.Tensor2D; // [N, out]
  }

  dispose(): void {
    for (const v of this.trainableVariables) v.dispose();
  }
}
