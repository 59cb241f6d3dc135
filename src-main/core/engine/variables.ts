import { tf } from './tf';

let instances = 0;

/** A unique variable-name prefix per model instance: tfjs rejects two variables with one name. */
export function uniqueScope(kind: string): string {
  instances += 1;
  return `${kind}_${instances}`;
}

/** Makes a variable from a freshly computed initial value and frees that value (the variable keeps its own reference). */
export function ownedVariable<R extends tf.Rank>(initial: tf.Tensor<R>, trainable: boolean, name: string): tf.Variable<R> {
  const variable = tf.variable(initial, trainable, name);
  initial.dispose();
  return variable;
}
