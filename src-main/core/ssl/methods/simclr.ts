/**
 * SimCLR (Chen, Kornblith, Norouzi, Hinton 2020): two augmented views of each image go through the
 * encoder f and projection head g as one batch of 2B (so batch norm sees both views), NT-Xent pulls
 * each pair together against the other 2B − 2 views, and AdamW updates f and g. The embedding is
 * f's output (before the head), as in the paper.
 */
import { tf } from '../../engine/backend';
import { ntXentLoss } from '../losses/nt-xent';
import { SmallCnn } from '../encoders/small-cnn';
import { ProjectionHead } from '../heads/projection';
import { imageEncoderConfig } from '../encoders/image';
import { AdamW } from '../optim/adamw';
import type { MethodSetup, SslMethod, TrainableMethod } from './types';

class SimclrRun implements TrainableMethod {
  readonly viewsPerExample = 2;
  readonly embeddingDim: number;
  private readonly encoder: SmallCnn;
  private readonly head: ProjectionHead;
  private readonly optimizer: AdamW;
  private readonly trainable: tf.Variable[];
  private readonly temperature: number;

  constructor(setup: MethodSetup) {
    const { config } = setup;
    this.temperature = config.temperature;
    this.encoder = new SmallCnn(imageEncoderConfig(setup.inputShape, config.seed));
    this.embeddingDim = this.encoder.embeddingSize;
    this.head = new ProjectionHead({
      inputSize: this.embeddingDim,
      hiddenSize: this.embeddingDim,
      outputSize: config.projectionDim,
      seed: config.seed + 1000,
    });
    this.trainable = [...this.encoder.trainableVariables, ...this.head.trainableVariables];
    this.optimizer = new AdamW(this.trainable, { weightDecay: config.weightDecay });
  }

  get optimizerStep(): number {
    return this.optimizer.step;
  }
  set optimizerStep(step: number) {
    this.optimizer.step = step;
  }

  trainStep(views: tf.Tensor4D[], learningRate: number): number {
    const [view1, view2] = views;
    if (!view1 || !view2 || views.length !== 2) throw new Error(`SimCLR needs 2 views per example, got ${views.length}`);
    const b = view1.shape[0];
    const { value, grads } = tf.variableGrads(() => {
      const x = tf.concat([view1, view2], 0); // [2B, H, W, C]
      const z = this.head.forward(this.encoder.forwardTrain(x)); // [2B, D]
      const [z1, z2] = tf.split(z, [b, b], 0) as [tf.Tensor2D, tf.Tensor2D]; // [B, D] each
      return ntXentLoss(z1, z2, this.temperature);
    }, this.trainable);
    try {
      this.optimizer.apply(
        this.trainable.map((v) => grads[v.name]!),
        learningRate,
      );
      return value.dataSync()[0]!;
    } finally {
      value.dispose();
      tf.dispose(grads);
    }
  }

  embed(x: tf.Tensor4D): tf.Tensor2D {
    return this.encoder.embed(x);
  }

  stateVariables(): { name: string; variable: tf.Variable }[] {
    const named = (prefix: string, vars: tf.Variable[]) => vars.map((variable, i) => ({ name: `${prefix}.${i}`, variable }));
    return [
      ...named('encoder', this.encoder.variables),
      ...named('head', this.head.trainableVariables),
      ...named('adam', this.optimizer.stateVariables()),
    ];
  }

  dispose(): void {
    this.encoder.dispose();
    this.head.dispose();
    this.optimizer.dispose();
  }
}

export const simclr: SslMethod = {
  id: 'simclr',
  name: 'SimCLR',
  description: 'Contrastive: two augmented views of each image should embed close together, apart from other images (NT-Xent).',
  modalities: ['image'],
  create: (setup) => new SimclrRun(setup),
};
