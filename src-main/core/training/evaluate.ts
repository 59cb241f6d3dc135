/**
 * The built-in evaluation of a run's frozen embeddings, as the training loop runs it: before the
 * first step (the random encoder), after every epoch on a seeded sample, and once on every item's
 * final embedding. Labels, when the dataset has them, are used here only — for a held-out split
 * (seeded, stratified) scored by kNN and a linear probe — never by the self-supervised training.
 */
import type { EvaluationPoint } from '../../contract';
import { alignment, evaluateEmbeddings, stratifiedSplit, type Split } from '../evaluation';
import { Rng } from '../ssl/random';

/** Pairs of augmented views embedded for the alignment diagnostic. */
const ALIGNMENT_ITEMS = 512;

export interface EvaluatorOptions {
  /** One per item of the run's data (null = unlabelled). */
  labels: readonly (string | null)[];
  /** Held-out share for kNN and the linear probe; 0 = label-free diagnostics only. */
  fraction: number;
  /** Items embedded for the evaluation after an epoch. */
  sampleSize: number;
  seed: number;
  dim: number;
  /** Embeds the (un-augmented) items at `indices` into `out` (indices.length × dim). */
  embed(indices: Int32Array, out: Float32Array): Promise<void>;
  /**
   * For a whitened run: the epoch sample's embeddings as kNN is to score them (whitened with a
   * whitening fitted on them), a new array. The linear probe and the label-free diagnostics keep
   * describing the encoder's own embeddings (see `knnEmbeddings` in evaluation/evaluate.ts).
   */
  knnTransform?(embeddings: Float32Array, n: number): Float32Array;
  /** Embeds two augmented views of each item at `indices`. */
  embedPairs(indices: Int32Array, out1: Float32Array, out2: Float32Array): Promise<void>;
}

export class Evaluator {
  private readonly split: Split | null;
  private readonly sample: Int32Array;
  private readonly pairs: Int32Array;

  constructor(private readonly options: EvaluatorOptions) {
    const n = options.labels.length;
    const labelled = options.labels.filter((l) => l !== null);
    const usable = options.fraction > 0 && new Set(labelled).size >= 2;
    this.split = usable ? stratifiedSplit(options.labels, options.fraction, options.seed) : null;
    if (this.split && this.split.test.length === 0) this.split = null;
    // The same seeded sample after every epoch, so that the curves compare like with like.
    const order = Int32Array.from({ length: n }, (_, i) => i);
    new Rng(options.seed + 104_729).shuffle(order);
    this.sample = n <= options.sampleSize ? Int32Array.from({ length: n }, (_, i) => i) : order.slice(0, options.sampleSize).sort();
    this.pairs = order.slice(0, Math.min(ALIGNMENT_ITEMS, n)).sort();
  }

  /** Indices of the held-out items, or null without a held-out split. */
  get heldOut(): Int32Array | null {
    return this.split?.test ?? null;
  }

  /** Whether held-out kNN and linear-probe accuracy can be measured (labels of at least 2 classes). */
  get hasProbes(): boolean {
    return this.split !== null;
  }

  /**
   * Evaluates the current encoder: on the epoch sample, or (final) on `vectors`, every item's
   * embedding in data order (`knnVectors`, the same whitened, for kNN).
   */
  async run(at: { epoch: number; step: number; final: boolean; vectors?: Float32Array; knnVectors?: Float32Array }): Promise<EvaluationPoint> {
    const started = performance.now();
    const { dim, labels } = this.options;
    let indices: Int32Array;
    let embeddings: Float32Array;
    let neighbours: Float32Array | undefined;
    if (at.vectors) {
      indices = Int32Array.from({ length: labels.length }, (_, i) => i);
      embeddings = at.vectors;
      neighbours = at.knnVectors;
    } else {
      indices = this.sample;
      embeddings = new Float32Array(indices.length * dim);
      await this.options.embed(indices, embeddings);
      if (this.split) neighbours = this.options.knnTransform?.(embeddings, indices.length);
    }
    const z1 = new Float32Array(this.pairs.length * dim);
    const z2 = new Float32Array(this.pairs.length * dim);
    await this.options.embedPairs(this.pairs, z1, z2);

    const sampleLabels = Array.from(indices, (i) => labels[i] ?? null);
    const result = evaluateEmbeddings(embeddings, dim, {
      knnEmbeddings: neighbours ?? null,
      labels: this.split ? sampleLabels : null,
      split: this.split ? restrict(this.split, indices) : null,
      seed: this.options.seed,
    });
    const round = (x: number | null): number | null => (x === null || !Number.isFinite(x) ? null : Math.round(x * 1e6) / 1e6);
    return {
      epoch: at.epoch,
      step: at.step,
      final: at.final,
      items: indices.length,
      knn: round(result.knn),
      linear: round(result.linear),
      alignment: round(this.pairs.length >= 2 ? alignment(z1, z2, this.pairs.length, dim) : null),
      uniformity: round(result.uniformity),
      effectiveRank: round(result.effectiveRank),
      meanVariance: round(result.meanVariance),
      collapse: result.collapse,
      seconds: Math.round((performance.now() - started) / 10) / 100,
    };
  }
}

/** The split, for the items at `indices` only, as positions into `indices` (ascending). */
function restrict(split: Split, indices: Int32Array): Split {
  const position = new Map<number, number>();
  indices.forEach((item, at) => position.set(item, at));
  const keep = (set: Int32Array): Int32Array => Int32Array.from([...set].filter((i) => position.has(i)).map((i) => position.get(i)!));
  return { train: keep(split.train), test: keep(split.test) };
}

/** At most this many evaluations between the first and the final one, however many epochs a run has. */
export const MAX_EPOCH_EVALUATIONS = 25;

/** Whether the evaluation runs after `epoch` of `epochs` (every epoch, or every k-th on long runs). */
export function evaluatesAfter(epoch: number, epochs: number): boolean {
  return epoch % Math.max(1, Math.ceil(epochs / MAX_EPOCH_EVALUATIONS)) === 0;
}
