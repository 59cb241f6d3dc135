import { tf } from '../../engine/backend';
import type { LossParts } from '../methods/types';
import type { AdamW } from './adamw';

/** What a method's loss function gives one step: the scalar to minimise and named scalars to report. */
export type StepLoss = { total: tf.Scalar } & Record<string, tf.Scalar>;

/**
 * One optimiser step, the part every trained method's `trainStep` shares: the loss (and its named
 * parts) under `tf.variableGrads`, the update at the step's learning rate, the values read back, and
 * every tensor of the step (gradients, parts, and the step's `inputs`) disposed whatever happens.
 * Parts other than `total` take no part in the gradient; a method reports them (the VAE's
 * reconstruction and KL terms, rotation prediction's accuracy) by returning them beside it.
 */
export function minimise(optimizer: AdamW, trainable: readonly tf.Variable[], learningRate: number, loss: () => StepLoss, inputs: readonly tf.Tensor[] = []): LossParts {
  const parts: Record<string, tf.Scalar> = {};
  try {
    const { value, grads } = tf.variableGrads(() => {
      const { total, ...rest } = loss();
      for (const [name, part] of Object.entries(rest)) parts[name] = tf.keep(part);
      return total;
    }, [...trainable]);
    try {
      optimizer.apply(
        trainable.map((v) => grads[v.name]), // none for a variable the step's loss did not reach
        learningRate,
      );
      const out: LossParts = { total: value.dataSync()[0]! };
      for (const [name, part] of Object.entries(parts)) out[name] = part.dataSync()[0]!;
      return out;
    } finally {
      value.dispose();
      tf.dispose(grads);
    }
  } finally {
    tf.dispose(Object.values(parts));
    tf.dispose([...inputs]);
  }
}
