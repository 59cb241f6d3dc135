/**
 * The masking of BERT's masked language model: Devlin, Chang, Lee, Toutanova (2019), "BERT:
 * Pre-training of Deep Bidirectional Transformers for Language Understanding", §3.1 (Task #1) and
 * appendix A.1: 15% of the token positions are chosen at random; a chosen token is replaced by
 * [MASK] 80% of the time, by a random token 10% of the time and left unchanged 10% of the time;
 * the model is trained to predict the original token at every chosen position.
 *
 * Rows are model inputs as the text data module makes them ([CLS] ids… [SEP] then PAD). Only
 * ordinary tokens are ever chosen: the special ids (PAD, UNK, CLS, SEP, MASK, DEL, as the
 * tokenizer's special tokens are never chosen by Hugging Face's `DataCollatorForLanguageModeling`
 * either) are the first TEXT_SPECIAL_COUNT ids and never chosen, nor drawn as the random
 * replacement. Each row gets exactly round(ratio · its ordinary tokens) positions, and at least
 * one when it has any ordinary token (BERT draws per token; a fixed count per row keeps short
 * items from going unmasked and the loss from being an average over a varying number).
 */
import { TEXT_TOKEN_IDS } from '../../../contract';
import type { Rng } from '../random';

/** Ids below this are special tokens (TEXT_TOKEN_IDS: PAD 0 … DEL 5); ordinary tokens follow. */
export const TEXT_SPECIAL_COUNT = Math.max(...Object.values(TEXT_TOKEN_IDS)) + 1;

export interface TokenMaskConfig {
  /** Vocabulary size, special tokens included: random replacements are drawn from TEXT_SPECIAL_COUNT..vocabSize−1. */
  vocabSize: number;
  /** Share of each row's ordinary tokens chosen for prediction (BERT: 0.15). */
  ratio?: number;
  /** Share of the chosen tokens replaced by [MASK] (BERT: 0.8). */
  maskShare?: number;
  /** Share of the chosen tokens replaced by a random ordinary token (BERT: 0.1); the rest stay as they are. */
  randomShare?: number;
}

export interface MaskedTokens {
  /** [rows × length] the input ids with the chosen positions replaced, as float32 model inputs. */
  inputs: Float32Array;
  /** Each chosen position: its row, its position in the row, and the original id to predict; in row then position order. */
  rows: Int32Array;
  positions: Int32Array;
  targets: Int32Array;
  /** [rows × length] 1 at the chosen positions, 0 elsewhere (the weights of `maskedLmLoss` over all positions). */
  weights: Float32Array;
  /** [rows × length] the original id at the chosen positions, −100 elsewhere (PyTorch's ignore_index convention). */
  labels: Int32Array;
}

function isOrdinary(id: number): boolean {
  return id >= TEXT_SPECIAL_COUNT;
}

/** How many positions a row with `ordinary` ordinary tokens gets: round(ratio · n), at least 1 when n ≥ 1. */
export function maskedCount(ordinary: number, ratio: number): number {
  if (ordinary <= 0) return 0;
  return Math.min(ordinary, Math.max(1, Math.round(ratio * ordinary)));
}

/**
 * @param ids [rows × length] token ids (integers stored as numbers, as the model inputs are)
 * @param rows number of rows; `length` = ids.length / rows
 * @param rng the run's generator: positions, then per chosen position the kind of replacement and the random token
 */
export function maskTokens(ids: ArrayLike<number>, rows: number, config: TokenMaskConfig, rng: Rng): MaskedTokens {
  const ratio = config.ratio ?? 0.15;
  const maskShare = config.maskShare ?? 0.8;
  const randomShare = config.randomShare ?? 0.1;
  if (!(ratio > 0 && ratio <= 1)) throw new RangeError(`mask ratio must be in (0, 1], got ${ratio}`);
  if (!(maskShare >= 0 && randomShare >= 0 && maskShare + randomShare <= 1)) {
    throw new RangeError(`[MASK] and random shares must be ≥ 0 and add up to at most 1, got ${maskShare} and ${randomShare}`);
  }
  if (!Number.isInteger(config.vocabSize) || config.vocabSize <= TEXT_SPECIAL_COUNT) {
    throw new RangeError(`vocabulary size must be an integer above the ${TEXT_SPECIAL_COUNT} special tokens, got ${config.vocabSize}`);
  }
  if (!Number.isInteger(rows) || rows < 1 || ids.length % rows !== 0) throw new Error(`expected ${rows} rows of equal length, got ${ids.length} ids`);
  const length = ids.length / rows;
  const ordinaryIds = config.vocabSize - TEXT_SPECIAL_COUNT;

  const inputs = Float32Array.from(ids);
  const weights = new Float32Array(ids.length);
  const labels = new Int32Array(ids.length).fill(-100);
  const chosenRows: number[] = [];
  const chosenPositions: number[] = [];
  const chosenTargets: number[] = [];
  const candidates = new Int32Array(length);
  for (let r = 0; r < rows; r++) {
    const start = r * length;
    let n = 0;
    for (let t = 0; t < length; t++) {
      const id = ids[start + t]!;
      if (!Number.isInteger(id) || id < 0 || id >= config.vocabSize) throw new RangeError(`token id at row ${r}, position ${t} is ${id}, expected an integer in 0..${config.vocabSize - 1}`);
      if (isOrdinary(id)) candidates[n++] = t;
    }
    const k = maskedCount(n, ratio);
    // Partial Fisher–Yates: the first k of a uniform random permutation of the candidates.
    for (let i = 0; i < k; i++) {
      const j = i + rng.int(n - i);
      const tmp = candidates[i]!;
      candidates[i] = candidates[j]!;
      candidates[j] = tmp;
    }
    const chosen = Array.from(candidates.subarray(0, k)).sort((a, b) => a - b);
    for (const t of chosen) {
      const at = start + t;
      const original = ids[at]!;
      const u = rng.next();
      if (u < maskShare) inputs[at] = TEXT_TOKEN_IDS.mask;
      else if (u < maskShare + randomShare) inputs[at] = TEXT_SPECIAL_COUNT + rng.int(ordinaryIds);
      weights[at] = 1;
      labels[at] = original;
      chosenRows.push(r);
      chosenPositions.push(t);
      chosenTargets.push(original);
    }
  }
  return {
    inputs,
    rows: Int32Array.from(chosenRows),
    positions: Int32Array.from(chosenPositions),
    targets: Int32Array.from(chosenTargets),
    weights,
    labels,
  };
}
