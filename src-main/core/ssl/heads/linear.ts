/** A linear classifier on the encoder's features: the head of a pretext classification task (rotation prediction). */
import { tf } from '../../engine/backend';
import { assertShape } from '../../engine/shapes';
import { ownedVariable, uniqueScope } from '../../engine/variables';

export interface LinearHeadConfig {
  inputSize: number;
  outputSize: number;
  seed?: number;
}

/** x·W + b. */
export class LinearHead {
  private readonly w: tf.Variable<tf.Rank.R2>; // [in, out]
  private readonly b: tf.Variable<tf.Rank.R1>; // [out]

  constructor(readonly config: LinearHeadConfig) {
    const { inputSize, outputSize } = config;
    const limit = Math.sqrt(6 / (inputSize + outputSize)); // Glorot uniform
    const scope = uniqueScope('linear_head');
    this.w = ownedVariable(tf.randomUniform([inputSize, outputSize], -limit, limit, 'float32', config.seed ?? 211) as tf.Tensor2D, true, `${scope}/w`);
    this.b = ownedVariable(tf.zeros([outputSize]) as tf.Tensor1D, true, `${scope}/b`);
  }

  get trainableVariables(): tf.Variable[] {
    return [this.w, this.b];
  }

  /** Which trainable variables take weight decay: the weight matrix, not the bias. */
  get decayMask(): boolean[] {
    return [true, false];
  }

  /**
   * @param h [N, inputSize]
   * @returns [N, outputSize]
   */
  forward(h: tf.Tensor2D): tf.Tensor2D {
    assertShape('LinearHead input', h, [null, this.config.inputSize]);
    return tf.fused.matMul({ a: h, b: this.w, bias: this.b }) as tf.Tensor2D;
  }

  dispose(): void {
    this.w.dispose();
    this.b.dispose();
  }
}
