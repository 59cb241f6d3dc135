import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { initBackend, tf } from '../../../../src-main/core/engine/backend';
import { AdamW } from '../../../../src-main/core/ssl/optim/adamw';

type Values = number | Values[];
type Named = Record<string, Values>;
interface Case {
  name: string;
  weight_decay: number;
  decay_mask?: boolean[];
  beta1?: number;
  beta2?: number;
  epsilon?: number;
  params_after_step: Named[];
  final_state: Record<string, { exp_avg: Values; exp_avg_sq: Values }>;
}
/** Trajectories of torch.optim.AdamW in float64 (scripts/make-adamw-reference.py). */
const reference = JSON.parse(readFileSync(join(import.meta.dirname, '../../../fixtures/adamw-reference.json'), 'utf8')) as {
  param_names: string[];
  learning_rates: number[];
  initial: Named;
  grads: Named[];
  cases: Case[];
};

const RTOL = 1e-5;

function flat(values: Values): number[] {
  return Array.isArray(values) ? values.flatMap(flat) : [values];
}

function tensorOf(values: Values): tf.Tensor {
  return tf.tensor(values as number[]);
}

/** Elementwise |actual − expected| ≤ rtol·|expected| (+ a floor far below any value in the fixture). */
function expectClose(actual: ArrayLike<number>, expected: number[], what: string): void {
  expect(actual.length, what).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i]!;
    const a = actual[i]!;
    const tol = RTOL * Math.abs(e) + 1e-30;
    if (!(Math.abs(a - e) <= tol)) {
      expect.fail(`${what}[${i}]: got ${a}, PyTorch ${e} (relative error ${(Math.abs(a - e) / Math.abs(e)).toExponential(2)})`);
    }
  }
}

describe('AdamW against torch.optim.AdamW', () => {
  const runs = (['cpu', 'wasm'] as const).flatMap((backend) => reference.cases.map((c) => [backend, c.name, c] as const));
  it.each(runs)('matches PyTorch step by step on %s: %s', async (backend, _name, c) => {
    await initBackend(backend, { threads: 2 });
    const names = reference.param_names;
    const params = names.map((n) => tf.variable(tensorOf(reference.initial[n]!)));
    const opt = new AdamW(params, {
      weightDecay: c.weight_decay,
      ...(c.decay_mask !== undefined && { decayMask: c.decay_mask }),
      ...(c.beta1 !== undefined && { beta1: c.beta1 }),
      ...(c.beta2 !== undefined && { beta2: c.beta2 }),
      ...(c.epsilon !== undefined && { epsilon: c.epsilon }),
    });
    const before = tf.memory().numTensors;
    reference.grads.forEach((stepGrads, s) => {
      const grads = names.map((n) => tensorOf(stepGrads[n]!));
      opt.apply(grads, reference.learning_rates[s]!);
      tf.dispose(grads);
      names.forEach((n, i) => {
        expectClose(params[i]!.dataSync(), flat(c.params_after_step[s]![n]!), `step ${s + 1}, ${n}`);
      });
    });
    expect(opt.step).toBe(reference.grads.length);
    // No tensors leak per step.
    expect(tf.memory().numTensors).toBe(before);

    // The moment estimates are PyTorch's exp_avg and exp_avg_sq, in parameter order.
    const state = opt.stateVariables();
    expect(state).toHaveLength(2 * names.length);
    names.forEach((n, i) => {
      expectClose(state[i]!.dataSync(), flat(c.final_state[n]!.exp_avg), `m of ${n}`);
      expectClose(state[names.length + i]!.dataSync(), flat(c.final_state[n]!.exp_avg_sq), `v of ${n}`);
    });
    opt.dispose();
    tf.dispose(params);
  });

  it('leaves parameters masked out of decay undecayed, and decays the others', () => {
    const c = reference.cases.find((x) => x.decay_mask !== undefined && x.weight_decay > 0)!;
    const plain = reference.cases.find((x) => x.weight_decay === 0 && x.beta1 === undefined)!;
    const decayed = reference.cases.find((x) => x.decay_mask === undefined && x.weight_decay === c.weight_decay)!;
    const last = reference.grads.length - 1;
    c.decay_mask!.forEach((decay, i) => {
      const n = reference.param_names[i]!;
      const same = decay ? decayed : plain;
      // The fixture itself: masked-out tensors follow the no-decay trajectory exactly.
      expect(flat(c.params_after_step[last]![n]!)).toEqual(flat(same.params_after_step[last]![n]!));
    });
  });

  it('leaves a parameter without a gradient untouched (value, moments, decay), as torch skips a None grad', async () => {
    await initBackend('cpu');
    const a = tf.variable(tf.tensor1d([1, 2]));
    const b = tf.variable(tf.tensor1d([3, 4, 5]));
    const optimizer = new AdamW([a, b], { weightDecay: 0.1 });
    const g = tf.tensor1d([0.5, -0.5]);
    optimizer.apply([g, null], 0.1);
    optimizer.apply([g, undefined], 0.1);
    expect(Array.from(b.dataSync())).toEqual([3, 4, 5]);
    expect(optimizer.stateVariables().slice(2).every((v) => v.dataSync().every((x) => x === 0))).toBe(false);
    expect(Array.from(optimizer.stateVariables()[1]!.dataSync())).toEqual([0, 0, 0]); // b's first moment
    expect(Array.from(optimizer.stateVariables()[3]!.dataSync())).toEqual([0, 0, 0]); // b's second moment
    expect(a.dataSync()[0]).toBeLessThan(1);
    tf.dispose([a, b, g]);
    optimizer.dispose();
  });

  it('rejects a decay mask of the wrong length', async () => {
    await initBackend('cpu');
    const params = [tf.variable(tf.zeros([2])), tf.variable(tf.zeros([3]))];
    expect(() => new AdamW(params, { weightDecay: 0.1, decayMask: [true] })).toThrow(/decayMask/);
    tf.dispose(params);
  });

  it('frees all its state when disposed', async () => {
    await initBackend('cpu');
    const params = [tf.variable(tf.zeros([2])), tf.variable(tf.zeros([3]))];
    const before = tf.memory().numTensors;
    const optimizer = new AdamW(params);
    const grads = [tf.ones([2]), tf.ones([3])];
    optimizer.apply(grads, 1e-3);
    tf.dispose(grads);
    optimizer.dispose();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose(params);
  });
});
