import { tf } from '../../engine/backend';
import { readsSynchronously } from '../../engine/webgpu';
import type { LossParts } from '../methods/types';
import type { AdamW } from './adamw';

/** What a method's loss function gives one step: the scalar to minimise and named scalars to report. */
export type StepLoss = { total: tf.Scalar } & Record<string, tf.Scalar>;

/**
 * The loss values of the last step, still on their way back from the GPU. On a backend that cannot
 * read synchronously (webgpu), `minimise` returns NaN in their place and starts one asynchronous
 * read of every part, the step's only readback; `settleLoss` puts the values in.
 */
let unread: { names: string[]; values: Promise<Float32Array> } | null = null;

/**
 * The step's loss parts with their values: on cpu, wasm and native TensorFlow the parts as they
 * are; on webgpu, once the step's asynchronous read has arrived. Call it on every `trainStep`'s
 * result before using a value.
 */
export async function settleLoss(parts: LossParts): Promise<LossParts> {
  const pending = unread;
  unread = null;
  if (pending === null) return parts;
  const values = await pending.values;
  const out: LossParts = { ...parts };
  pending.names.forEach((name, i) => (out[name] = values[i]!));
  return out;
}

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
      if (!readsSynchronously()) return readLater(value, parts);
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

/** Starts reading the step's parts, packed in one tensor (freed when read), and returns NaN placeholders for `settleLoss`. */
function readLater(value: tf.Scalar, parts: Record<string, tf.Scalar>): LossParts {
  const names = ['total', ...Object.keys(parts)];
  const packed = tf.stack([value, ...Object.values(parts)]); // [1 + parts]
  unread = { names, values: (packed.data() as Promise<Float32Array>).finally(() => packed.dispose()) };
  return Object.fromEntries(names.map((name) => [name, Number.NaN])) as LossParts;
}
