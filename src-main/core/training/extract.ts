/**
 * Embedding extraction: items of a run's data through the modality's un-augmented `centre` path and
 * the method's `embed`, a batch at a time. The training loop's final extraction, the evaluation
 * after each epoch, embedding another folder with a trained run, and the quality benchmark all use
 * it, so an item is embedded the same way wherever it is embedded.
 */
import type { LoadedData, ModalityData } from '../data/types';
import { inputSize } from '../data/types';
import { tf } from '../engine/backend';
import type { TrainableMethod } from '../ssl/methods';

export const EXTRACT_BATCH = 512;

export interface ExtractHooks {
  /** After each batch: `values` holds the embeddings of indices[start .. start + count). */
  onBatch?(start: number, count: number, values: Float32Array): void;
  /** Throws to stop (cancellation). */
  check?(): void;
}

const nextTurn = (): Promise<void> => new Promise((r) => setImmediate(r));

/** Embeds prepared inputs (count inputs back to back) into `out` (count × dim). */
export async function embedInputs(method: TrainableMethod, shape: readonly number[], inputs: Float32Array, count: number, out: Float32Array, hooks: ExtractHooks = {}): Promise<void> {
  const per = shape.reduce((a, b) => a * b, 1);
  for (let start = 0; start < count; start += EXTRACT_BATCH) {
    hooks.check?.();
    const c = Math.min(EXTRACT_BATCH, count - start);
    const embeddings = tf.tidy(() => method.embed(tf.tensor(inputs.subarray(start * per, (start + c) * per), [c, ...shape])));
    const values = (await embeddings.data()) as Float32Array;
    embeddings.dispose();
    out.set(values, start * method.embeddingDim);
    hooks.onBatch?.(start, c, values);
    await nextTurn();
  }
}

/**
 * Embeds the items at `indices` (all items when null) into a new [count × dim] array: each item's
 * `centre` input, or, where the modality gives an item several inputs (`embeddingInputCounts`), the
 * mean of their embeddings.
 */
export async function embedItems(
  method: TrainableMethod,
  module: ModalityData,
  data: LoadedData,
  indices: Int32Array | null,
  hooks: ExtractHooks = {},
): Promise<Float32Array> {
  const count = indices ? indices.length : data.itemIds.length;
  const shape = module.inputShape(data.spec);
  const per = inputSize(module, data.spec);
  const out = new Float32Array(count * method.embeddingDim);
  const all = indices ?? Int32Array.from({ length: count }, (_, i) => i);
  const counts = module.embeddingInputCounts?.(data, all) ?? null;
  if (counts && module.embeddingInputs) return embedAveraged(method, module, data, all, counts, shape, per, out, hooks);
  const inputs = new Float32Array(Math.min(EXTRACT_BATCH, Math.max(1, count)) * per);
  for (let start = 0; start < count; start += EXTRACT_BATCH) {
    const c = Math.min(EXTRACT_BATCH, count - start);
    const batch = indices ? indices.subarray(start, start + c) : Int32Array.from({ length: c }, (_, i) => start + i);
    module.centre(data, batch, inputs);
    await embedInputs(method, shape, inputs, c, out.subarray(start * method.embeddingDim), {
      check: hooks.check,
      onBatch: (_s, n, values) => hooks.onBatch?.(start, n, values),
    });
  }
  return out;
}

/** embedItems for items of several inputs each: groups of at most EXTRACT_BATCH inputs, each item's mean embedding. */
async function embedAveraged(
  method: TrainableMethod,
  module: ModalityData,
  data: LoadedData,
  items: Int32Array,
  counts: Int32Array,
  shape: readonly number[],
  per: number,
  out: Float32Array,
  hooks: ExtractHooks,
): Promise<Float32Array> {
  const dim = method.embeddingDim;
  let most = 1;
  for (const n of counts) most = Math.max(most, n);
  const capacity = Math.max(EXTRACT_BATCH, most);
  const inputs = new Float32Array(capacity * per);
  const embedded = new Float32Array(capacity * dim);
  for (let start = 0; start < items.length; ) {
    let end = start;
    let total = 0;
    while (end < items.length && (end === start || total + counts[end]! <= capacity)) total += counts[end++]!;
    module.embeddingInputs!(data, items.subarray(start, end), inputs);
    await embedInputs(method, shape, inputs, total, embedded, { check: hooks.check });
    let at = 0;
    for (let i = start; i < end; i++) {
      const row = out.subarray(i * dim, (i + 1) * dim);
      const n = counts[i]!;
      for (let w = 0; w < n; w++, at++) for (let j = 0; j < dim; j++) row[j]! += embedded[at * dim + j]! / n;
    }
    hooks.onBatch?.(start, end - start, out.subarray(start * dim, end * dim));
    await nextTurn();
    start = end;
  }
  return out;
}
