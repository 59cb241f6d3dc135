/**
 * MoCo v2 (He, Fan, Wu, Xie, Girshick 2020, "Momentum Contrast"; Chen, Fan, Girshick, He 2020,
 * "Improved Baselines with Momentum Contrastive Learning"): a query view goes through the encoder
 * f_q and an MLP head; the other view through a momentum copy of both (the key encoder f_k, an EMA
 * of f_q updated after every step, never by gradients); InfoNCE (eq. 1) picks each query's key out
 * of a queue of the keys of recent batches, and the batch's keys are then enqueued. The embedding is
 * f_q's output (before the head).
 *
 * Shuffled batch norm (§3.3), on one device: the batch goes through both networks in groups, each
 * with its own batch statistics, and the key views are shuffled across the groups first. Otherwise
 * a query and its key would share their batch's statistics while every queued negative has another
 * batch's, and the network could find the positive from those statistics alone (the "cheating" the
 * paper describes). This is what MoCo's single-GPU CIFAR demo does with its SplitBatchNorm.
 *
 * The head is MoCo v2's two-layer MLP with batch norm after its hidden layer (as SimCLR's here and
 * MoCo v3's; the groups above keep it from leaking); the views are SimCLR's augmentations (MoCo v2
 * adopted them, blur included on large images).
 */
import type { ParamValues } from '../../../contract';
import type { LoadedData } from '../../data/types';
import { tf } from '../../engine/backend';
import type { SmallCnn } from '../encoders/small-cnn';
import type { ProjectionHead } from '../heads/projection';
import { KeyQueue, queueLengthFor, type KeyQueueState } from '../key-queue';
import { infoNceLoss, normaliseRows } from '../losses/infonce';
import { sharedEncoder } from './image-encoder-params';
import { EncoderMethodRun } from './method-run';
import { gridViewBatch, MomentumCopy, projectionHeadFor, TWO_VIEW_DEFAULTS_HELP, TWO_VIEW_PARAMS, twoViewDefaults, twoViewParams, type PairViews, type TwoViewParams } from './two-view';
import type { LossParts, MethodSetup, SslMethod, StepContext } from './types';

/** Queue rows when the user leaves the size to the data (then at most half the dataset, see queueLengthFor). */
const DEFAULT_QUEUE_CAPACITY = 4096;
/**
 * Examples per batch-norm group that the automatic choice aims for (MoCo's demo: 512 in 8 groups).
 * Fashion-MNIST, 4 epochs of batches of 256: 4 groups gave kNN 0.801 / linear 0.835, one group (no
 * shuffling) 0.790 / 0.819; the groups cost time on small images (a step about 1.5× longer at 28 px,
 * about the same at 64 px), where smaller convolutions leave the per-kernel overhead to dominate.
 */
const BATCH_NORM_GROUP_SIZE = 64;
const MAX_BATCH_NORM_GROUPS = 8;

export interface MocoParams extends TwoViewParams {
  temperature: number;
  momentum: number;
  queueSize: number;
  projectionDim: number;
  headBatchNorm: boolean;
  batchNormGroups: number;
}

function mocoParams(params: ParamValues): MocoParams {
  return {
    ...twoViewParams(params),
    temperature: params.temperature as number,
    momentum: params.momentum as number,
    queueSize: params.queueSize as number,
    projectionDim: params.projectionDim as number,
    headBatchNorm: params.headBatchNorm as boolean,
    batchNormGroups: params.batchNormGroups as number,
  };
}

/** Groups for shuffled batch norm: `requested`, or about 64 examples each (2 to 8); never more than half the batch. */
export function batchNormGroups(batch: number, requested: number): number {
  const groups = requested > 0 ? requested : Math.min(MAX_BATCH_NORM_GROUPS, Math.max(2, Math.floor(batch / BATCH_NORM_GROUP_SIZE)));
  return Math.max(1, Math.min(groups, Math.floor(batch / 2)));
}

/** Sizes of `groups` nearly equal consecutive groups of `batch` rows. */
function groupSizes(batch: number, groups: number): number[] {
  return Array.from({ length: groups }, (_, g) => Math.floor((batch * (g + 1)) / groups) - Math.floor((batch * g) / groups));
}

class MocoRun extends EncoderMethodRun {
  private readonly params: MocoParams;
  private readonly head: ProjectionHead;
  private readonly keyEncoder: SmallCnn;
  private readonly keyHead: ProjectionHead;
  private readonly keys: MomentumCopy;
  private readonly queue: KeyQueue;
  private readonly views: PairViews<tf.Tensor4D>;
  /** Whether the queue length has been chosen for the data (by the first step, or a checkpoint). */
  private queueSized = false;

  constructor(setup: MethodSetup) {
    const params = mocoParams(setup.params);
    const encoder = sharedEncoder(setup.spec, params, setup.seed);
    const head = projectionHeadFor(encoder.embeddingSize, params, setup.seed + 1000);
    const keyEncoder = sharedEncoder(setup.spec, params, setup.seed);
    const keyHead = projectionHeadFor(encoder.embeddingSize, params, setup.seed + 1000);
    const queue = new KeyQueue(params.queueSize > 0 ? params.queueSize : DEFAULT_QUEUE_CAPACITY, params.projectionDim, setup.seed + 2000);
    super(encoder, { head }, { weightDecay: params.weightDecay, kept: { keyEncoder, keyHead, queue: queue.keys } });
    this.params = params;
    this.head = head;
    this.keyEncoder = keyEncoder;
    this.keyHead = keyHead;
    this.keys = new MomentumCopy([encoder, head], [keyEncoder, keyHead]);
    this.queue = queue;
    this.views = gridViewBatch(setup.spec, params);
  }

  trainStep(loaded: LoadedData, batch: Int32Array, context: StepContext): LossParts {
    const data = loaded;
    const b = batch.length;
    if (!this.queueSized) {
      this.queue.setLength(queueLengthFor(this.queue.capacity, data.itemIds.length, b));
      this.queueSized = true;
    }
    const sizes = groupSizes(b, batchNormGroups(b, this.params.batchNormGroups));
    // Shuffled BN: the key view of image i sits at row order[i], so that it falls in another group.
    const order = Int32Array.from({ length: b }, (_, i) => i);
    if (sizes.length > 1) context.rng.shuffle(order);
    const [queryViews, keyViews] = this.views.make(data, batch, context.rng, order);
    const orderTensor = tf.tensor1d(order, 'int32');
    // Keys: no gradient, the key encoder and head in training mode (their own batch statistics, per group).
    const keys = tf.tidy(() => {
      const shuffled = this.forwardGroups(this.keyEncoder, this.keyHead, keyViews, sizes); // [B, P], rows in `order`
      return normaliseRows(tf.gather(shuffled, orderTensor)); // [B, P], row i the key of image i
    });
    try {
      const parts = this.minimise(
        context,
        () => {
          const queries = this.forwardGroups(this.encoder, this.head, queryViews, sizes); // [B, P]
          return { total: infoNceLoss(queries, keys, this.queue.negatives(), this.params.temperature) };
        },
        [queryViews, keyViews, orderTensor],
      );
      this.keys.follow(this.params.momentum);
      this.queue.push(keys);
      return parts;
    } finally {
      keys.dispose();
    }
  }

  /** Encoder and head on consecutive groups of rows, each group with its own batch statistics. @returns [B, P] */
  private forwardGroups(encoder: SmallCnn, head: ProjectionHead, x: tf.Tensor4D, sizes: number[]): tf.Tensor2D {
    if (sizes.length === 1) return head.forward(encoder.forwardTrain(x));
    const parts = tf.split(x, sizes, 0) as tf.Tensor4D[];
    return tf.concat(
      parts.map((part) => head.forward(encoder.forwardTrain(part))),
      0,
    );
  }

  extraState(): { queue: KeyQueueState } | undefined {
    return this.queueSized ? { queue: this.queue.state() } : undefined;
  }

  restoreExtraState(state: unknown): void {
    const queue = (state as { queue?: KeyQueueState } | null)?.queue;
    if (!queue) throw new Error(`a MoCo checkpoint needs its queue state, got ${JSON.stringify(state)}`);
    this.queue.restore(queue);
    this.queueSized = true;
  }
}

export const moco: SslMethod = {
  id: 'moco',
  name: 'MoCo v2',
  family: 'contrastive',
  description: 'Contrastive: each image’s view should match its key from a slowly updated copy of the encoder, against a queue of keys of earlier batches (InfoNCE).',
  modalities: ['image', 'audio'],
  trains: true,
  params: [
    { name: 'temperature', label: 'Temperature', type: 'number', default: 0.2, min: 0.01, max: 10, help: 'InfoNCE temperature τ (MoCo v2: 0.2): lower sharpens the contrast between the key and the queue.', scope: 'method' },
    {
      name: 'momentum',
      label: 'Key encoder momentum',
      type: 'number',
      default: 0.99,
      min: 0,
      max: 1,
      help: 'Weight of the old key encoder in its moving average after each step: 0.99 follows the query encoder over about 100 steps (the paper’s 0.999, for ImageNet’s long runs, would barely move in a short one).',
      scope: 'method',
    },
    {
      name: 'queueSize',
      label: 'Queue size',
      type: 'integer',
      default: 0,
      min: 16,
      max: 65_536,
      auto: { value: 0, label: 'By dataset size' },
      unit: 'keys',
      help: 'Negative keys kept from earlier batches (4096 by default); never more than half the dataset, rounded down to whole batches.',
      scope: 'method',
    },
    { name: 'projectionDim', label: 'Projection size', type: 'integer', default: 128, min: 2, max: 4096, help: 'Output size of the MLP head (the embedding is taken before it).', scope: 'method', advanced: true },
    { name: 'headBatchNorm', label: 'Batch norm in the head', type: 'boolean', default: true, help: 'Batch norm after the head’s hidden layer (as in SimCLR v2 and MoCo v3).', scope: 'method', advanced: true },
    {
      name: 'batchNormGroups',
      label: 'Shuffled batch-norm groups',
      type: 'integer',
      default: 0,
      min: 1,
      max: 64,
      auto: { value: 0, label: 'By batch size' },
      help: 'Batch statistics are computed per group, with key views shuffled across groups, so that a query and its key never share them (MoCo’s shuffled BN); 1 turns it off. By default about 64 examples per group, 2 to 8 groups.',
      scope: 'method',
      advanced: true,
    },
    ...TWO_VIEW_PARAMS,
  ],
  defaults: twoViewDefaults,
  defaultsHelp: TWO_VIEW_DEFAULTS_HELP,
  create: (setup) => new MocoRun(setup),
};
