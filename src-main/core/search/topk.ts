/**
 * Top-k selection without sorting everything: a fixed-size min-heap of (score, index) in typed
 * arrays holds the k best seen so far, so a scan over n scores costs O(n log k) and allocates
 * nothing per candidate. Ties go to the smaller index, so results never depend on heap order.
 */
export class TopK {
  readonly scores: Float32Array;
  readonly indices: Int32Array;
  private count = 0;

  constructor(readonly k: number) {
    if (!Number.isInteger(k) || k < 1) throw new RangeError(`k must be a positive integer, got ${k}`);
    this.scores = new Float32Array(k);
    this.indices = new Int32Array(k);
  }

  get size(): number {
    return this.count;
  }

  /** The score a candidate must beat to enter (−Infinity until the heap is full). */
  get threshold(): number {
    return this.count < this.k ? -Infinity : this.scores[0]!;
  }

  reset(): void {
    this.count = 0;
  }

  push(score: number, index: number): void {
    if (this.count < this.k) {
      let i = this.count++;
      // Sift up: the root is the worst kept candidate.
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (!worse(score, index, this.scores[parent]!, this.indices[parent]!)) break;
        this.scores[i] = this.scores[parent]!;
        this.indices[i] = this.indices[parent]!;
        i = parent;
      }
      this.scores[i] = score;
      this.indices[i] = index;
      return;
    }
    if (!worse(this.scores[0]!, this.indices[0]!, score, index)) return;
    // Replace the root and sift down.
    let i = 0;
    const n = this.count;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      const right = left + 1;
      let child = left;
      if (right < n && worse(this.scores[right]!, this.indices[right]!, this.scores[left]!, this.indices[left]!)) child = right;
      if (!worse(this.scores[child]!, this.indices[child]!, score, index)) break;
      this.scores[i] = this.scores[child]!;
      this.indices[i] = this.indices[child]!;
      i = child;
    }
    this.scores[i] = score;
    this.indices[i] = index;
  }

  /** The kept candidates, best first. */
  sorted(): { indices: Int32Array; scores: Float32Array } {
    const order = Array.from({ length: this.count }, (_, i) => i).sort((a, b) =>
      worse(this.scores[a]!, this.indices[a]!, this.scores[b]!, this.indices[b]!) ? 1 : -1,
    );
    return {
      indices: Int32Array.from(order, (i) => this.indices[i]!),
      scores: Float32Array.from(order, (i) => this.scores[i]!),
    };
  }
}

/** Is (s1, i1) a worse result than (s2, i2)? Lower score, or the same score at a larger index. */
function worse(s1: number, i1: number, s2: number, i2: number): boolean {
  return s1 < s2 || (s1 === s2 && i1 > i2);
}

/** The k largest of `scores`, best first. */
export function topK(scores: ArrayLike<number>, k: number): { indices: Int32Array; scores: Float32Array } {
  const heap = new TopK(Math.max(1, Math.min(k, scores.length)));
  for (let i = 0; i < scores.length; i++) heap.push(scores[i]!, i);
  return heap.sorted();
}
