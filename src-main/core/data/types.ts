import type { InputSpec, Modality, ParamSpec, ParamValues } from '../../contract';
import type { FileFormat } from '../datasets/detect';
import type { Rng } from '../ssl/random';
import type { Db } from '../storage/db';
import type { TrainingItem } from '../storage/repositories/items';

/** A dataset's examples of one modality, decoded once for a run, in item-id order. */
export interface LoadedData {
  modality: Modality;
  spec: InputSpec;
  itemIds: number[];
  labels: (string | null)[];
  /** Items that could not be read now (changed or deleted since the import), with reasons. */
  failures: { path: string; reason: string }[];
}

export interface LoadOptions {
  /** Where decoded examples are cached between runs. */
  cacheDir: string;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

/**
 * One modality's data, behind the interface every method and the loop use: what one example looks
 * like (the input spec, resolved from the data's shape and the data parameters), loading and
 * caching, the un-augmented input that extraction and queries use, and the preprocessing of a
 * single file. One path for training, extraction, search by file and embedding new folders.
 */
export interface ModalityData<D extends LoadedData = LoadedData> {
  modality: Modality;
  /** Settings of this modality's data (image size), shown with every method of the modality. */
  params: readonly ParamSpec[];
  /** The input spec for a dataset's items: from their shape (sizes, channels), never their labels. */
  resolveSpec(items: readonly TrainingItem[], params: ParamValues): InputSpec;
  /**
   * Optional: what the spec needs from the data itself, beyond the items' metadata (text trains its
   * tokenizer on the dataset's texts and measures their lengths). The training loop calls it once,
   * when a run has no stored spec yet, on the spec `resolveSpec` gave; what it returns is stored.
   */
  fitSpec?(db: Db, datasetId: number, spec: InputSpec, options: LoadOptions): Promise<InputSpec>;
  /** Shape of one model input, e.g. [H, W, C]. */
  inputShape(spec: InputSpec): number[];
  load(db: Db, datasetId: number, spec: InputSpec, options: LoadOptions): Promise<D>;
  /** Un-augmented inputs of the examples at `indices`, back to back in `out`. */
  centre(data: D, indices: ArrayLike<number>, out: Float32Array): void;
  /** Two generic augmented views of each example (for the alignment diagnostic). */
  viewPair(data: D, indices: ArrayLike<number>, out1: Float32Array, out2: Float32Array, rng: Rng): void;
  /**
   * Optional: when an item's embedding is the mean of the embeddings of several un-augmented inputs
   * (audio's "mean over windows" setting), how many each item at `indices` has; null when every item
   * has one, its `centre` input. Extraction then embeds `embeddingInputs` and averages.
   */
  embeddingInputCounts?(data: D, indices: ArrayLike<number>): Int32Array | null;
  /** With `embeddingInputCounts`: the inputs of the items at `indices`, each item's back to back, in order. */
  embeddingInputs?(data: D, indices: ArrayLike<number>, out: Float32Array): void;
  /**
   * One file's bytes → the same input `centre` makes from the dataset, or the several inputs
   * `embeddingInputs` makes (back to back; the embedding is their mean). Throws with the reason
   * when it cannot be read.
   */
  preprocessFile(bytes: Uint8Array, format: FileFormat, spec: InputSpec): Promise<Float32Array>;
}

export function inputSize(data: ModalityData, spec: InputSpec): number {
  return data.inputShape(spec).reduce((a, b) => a * b, 1);
}
