/**
 * MoCo's dictionary (He et al. 2020, §3.2): a first-in first-out queue of the keys of recent
 * batches, the negatives of the next queries. The keys live in one variable (so a checkpoint saves
 * them); the rows in use and the write position are plain numbers (the method's extra state).
 *
 * The variable is `capacity` rows; only the first `length` are used. The length is chosen once the
 * data is known (see {@link queueLengthFor}), so that a checkpoint of the same run always has the
 * same tensor shape whatever the dataset.
 */
import { tf } from '../engine/backend';
import { assertShape } from '../engine/shapes';
import { ownedVariable, uniqueScope } from '../engine/variables';

export interface KeyQueueState {
  /** Rows in use. */
  length: number;
  /** Row the next key is written to, in [0, length). */
  pointer: number;
}

/**
 * Rows of the queue for a dataset of `items` examples and batches of `batch`: at most `capacity`
 * and at most half the dataset (a larger queue holds every image's own earlier key, a false
 * negative, most of the time, and keys older than an epoch), rounded down to a whole number of
 * batches as in MoCo (K a multiple of the batch); never less than one batch, unless the capacity is.
 */
export function queueLengthFor(capacity: number, items: number, batch: number): number {
  const target = Math.min(capacity, Math.floor(items / 2));
  return target >= batch ? Math.floor(target / batch) * batch : Math.min(capacity, batch);
}

export class KeyQueue {
  readonly keys: tf.Variable<tf.Rank.R2>; // [capacity, dim]
  private used: number;
  private next = 0;

  constructor(
    readonly capacity: number,
    readonly dim: number,
    seed: number,
  ) {
    if (!(Number.isInteger(capacity) && capacity >= 1)) throw new RangeError(`queue capacity must be a positive integer, got ${capacity}`);
    // Random unit vectors until real keys replace them, as MoCo starts its queue.
    const initial = tf.tidy(() => {
      const x = tf.randomNormal([capacity, dim], 0, 1, 'float32', seed);
      return tf.mul(x, tf.rsqrt(tf.sum(tf.square(x), 1, true))) as tf.Tensor2D;
    });
    this.keys = ownedVariable(initial, false, `${uniqueScope('key_queue')}/keys`);
    this.used = capacity;
  }

  get length(): number {
    return this.used;
  }

  get pointer(): number {
    return this.next;
  }

  /** Uses the first `length` rows from now on; the write position restarts at 0. */
  setLength(length: number): void {
    if (!(Number.isInteger(length) && length >= 1 && length <= this.capacity)) {
      throw new RangeError(`queue length must be an integer in [1, ${this.capacity}], got ${length}`);
    }
    this.used = length;
    this.next = 0;
  }

  /** The keys in use, [length, dim]: the variable itself when every row is used (never dispose that). */
  negatives(): tf.Tensor2D {
    return this.used === this.capacity ? this.keys : tf.slice(this.keys, [0, 0], [this.used, this.dim]);
  }

  /**
   * Enqueues a batch of keys (oldest out first), wrapping around at `length`; of a batch longer
   * than the queue only its last `length` keys stay. @param keys [B, dim], unit rows
   */
  push(keys: tf.Tensor2D): void {
    assertShape(`queue keys (size ${this.dim})`, keys, [null, this.dim]);
    const b = Math.min(keys.shape[0], this.used);
    tf.tidy(() => {
      const kept = keys.shape[0] === b ? keys : tf.slice(keys, [keys.shape[0] - b, 0], [b, this.dim]);
      const first = Math.min(b, this.used - this.next);
      this.write(this.next, tf.slice(kept, [0, 0], [first, this.dim]));
      if (first < b) this.write(0, tf.slice(kept, [first, 0], [b - first, this.dim]));
    });
    this.next = (this.next + b) % this.used;
  }

  /** Rows [start, start + rows.length) ← rows. */
  private write(start: number, rows: tf.Tensor2D): void {
    const count = rows.shape[0];
    const parts: tf.Tensor2D[] = [];
    if (start > 0) parts.push(tf.slice(this.keys, [0, 0], [start, this.dim]));
    parts.push(rows);
    if (start + count < this.capacity) parts.push(tf.slice(this.keys, [start + count, 0], [this.capacity - start - count, this.dim]));
    this.keys.assign(parts.length === 1 ? rows : tf.concat(parts, 0));
  }

  state(): KeyQueueState {
    return { length: this.used, pointer: this.next };
  }

  restore(state: KeyQueueState): void {
    this.setLength(state.length);
    if (!(Number.isInteger(state.pointer) && state.pointer >= 0 && state.pointer < state.length)) {
      throw new RangeError(`queue pointer must be an integer in [0, ${state.length}), got ${state.pointer}`);
    }
    this.next = state.pointer;
  }

  dispose(): void {
    this.keys.dispose();
  }
}
