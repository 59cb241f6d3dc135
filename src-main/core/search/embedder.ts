/**
 * Embeds a new file with a run's trained encoder, for "find similar to this file" and for
 * embedding new folders. The model is rebuilt the way the training loop built it (the method's
 * `create` with the run's stored parameters and input spec), its weights restored from the run's
 * latest checkpoint, and kept for the next query. The file goes through its modality's
 * `preprocessFile`, the same path extraction takes from the dataset: the run's stored input spec,
 * never the dataset's current state.
 */
import type { InputSpec, ParamValues } from '../../contract';
import { dataFor } from '../data';
import type { FileFormat } from '../datasets/detect';
import { tf } from '../engine/backend';
import { createMethod, getMethod, type TrainableMethod } from '../ssl/methods';
import { loadCheckpoint } from '../training/checkpoint';

/** Everything needed to rebuild a run's encoder, worked out by the core from the database. */
export interface EmbedSetup {
  /** Identifies the model: run and checkpoint; a new checkpoint means a new model. */
  key: string;
  method: string;
  params: ParamValues;
  seed: number;
  /** The input the run's encoder was built for. */
  spec: InputSpec;
  /** Absolute path of the checkpoint file. */
  checkpointPath: string;
}

/** The file could not be decoded as the item it claims to be. */
export class UndecodableFileError extends Error {}

/** Models kept loaded (one per run, the most recently used). */
const MAX_MODELS = 2;

export class RunEmbedder {
  private readonly models = new Map<string, TrainableMethod>();

  /** `ensureBackend` initialises tfjs once (the worker picks its backend; tests pass their own). */
  constructor(private readonly ensureBackend: () => Promise<unknown>) {}

  async embed(setup: EmbedSetup, bytes: Uint8Array, format: FileFormat): Promise<Float32Array> {
    await this.ensureBackend();
    const module = dataFor(setup.spec.modality);
    let input: Float32Array;
    try {
      input = await module.preprocessFile(bytes, format, setup.spec);
    } catch (error) {
      throw new UndecodableFileError((error as Error).message);
    }
    const method = this.model(setup);
    const shape = module.inputShape(setup.spec);
    // Several inputs (audio's mean over windows): the mean of their embeddings, as extraction makes it.
    const count = input.length / shape.reduce((a, b) => a * b, 1);
    const embedding = tf.tidy(() => {
      const all = method.embed(tf.tensor(input, [count, ...shape])); // [count, D]
      return count === 1 ? all : tf.mean(all, 0, true); // [1, D]
    });
    try {
      return Float32Array.from((await embedding.data()) as Float32Array);
    } finally {
      embedding.dispose();
    }
  }

  dispose(): void {
    for (const model of this.models.values()) model.dispose();
    this.models.clear();
  }

  private model(setup: EmbedSetup): TrainableMethod {
    const cached = this.models.get(setup.key);
    if (cached) {
      // Most recently used last, so eviction takes the oldest.
      this.models.delete(setup.key);
      this.models.set(setup.key, cached);
      return cached;
    }
    const method = createMethod(getMethod(setup.method), { spec: setup.spec, params: setup.params, seed: setup.seed });
    try {
      loadCheckpoint(setup.checkpointPath, method.stateVariables());
    } catch (error) {
      method.dispose();
      throw error;
    }
    this.models.set(setup.key, method);
    while (this.models.size > MAX_MODELS) {
      const [oldest, evicted] = this.models.entries().next().value!;
      evicted.dispose();
      this.models.delete(oldest);
    }
    return method;
  }
}

