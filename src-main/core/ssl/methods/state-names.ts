import type { tf } from '../../engine/backend';

/** Stable checkpoint names for a method's variables: `<prefix>.<index>` (every method's stateVariables). */
export function named(prefix: string, variables: readonly tf.Variable[]): { name: string; variable: tf.Variable }[] {
  return variables.map((variable, i) => ({ name: `${prefix}.${i}`, variable }));
}
