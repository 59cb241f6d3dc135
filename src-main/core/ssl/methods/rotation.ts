/**
 * Rotation prediction, RotNet (Gidaris, Singh, Komodakis 2018, "Unsupervised Representation Learning
 * by Predicting Image Rotations"): each image of the batch, lightly augmented (random resized crop,
 * flip), is rotated by 0°, 90°, 180° and 270°; the encoder f and a 4-way classifier on its features
 * learn to tell which rotation they see, with cross-entropy (eq. 1–2). Recognising that a shoe or a
 * face is upside down needs its shape and parts, which is what the features come to describe. The
 * embedding is f's output, before the classifier.
 *
 * All four rotated copies of an image go in the same batch, as the paper found better than one
 * random rotation per image (§3.1, CIFAR experiments); `allRotations: false` draws one rotation per
 * image from the run's seeded generator instead (4× fewer inputs per step). Rotations are exact
 * index permutations on the CPU (views/rotation.ts); the image data module makes every image square.
 */
import type { InputSpec, ParamValues } from '../../../contract';
import { asImageSpec, type ImageData } from '../../data/image';
import { sourceImage } from '../../data/image-data';
import type { LoadedData } from '../../data/types';
import { tf } from '../../engine/backend';
import { LinearHead } from '../heads/linear';
import { ProjectionHead } from '../heads/projection';
import { softmaxCrossEntropy } from '../losses/cross-entropy';
import { defaultImageViews, ImageViewSampler } from '../views/image';
import { rotateSquare } from '../views/rotation';
import { IMAGE_ENCODER_DEFAULTS_HELP, imageEncoderDefaults, imageEncoderParams, sharedEncoder, READOUT_PARAM, STEM_STRIDE_PARAM, type ImageEncoderParams } from './image-encoder-params';
import { EncoderMethodRun } from './method-run';
import type { LossParts, MethodSetup, SslMethod, StepContext } from './types';

/** 0°, 90°, 180°, 270°. */
const ROTATIONS = 4;

export interface RotationParams extends ImageEncoderParams {
  allRotations: boolean;
  /** Hidden units of the classifier; 0 = linear. */
  classifierHidden: number;
  cropMinScale: number;
  flip: boolean;
}

function rotationParams(params: ParamValues): RotationParams {
  return {
    allRotations: params.allRotations as boolean,
    classifierHidden: params.classifierHidden as number,
    cropMinScale: params.cropMinScale as number,
    flip: params.flip as boolean,
    ...imageEncoderParams(params),
  };
}

interface Classifier {
  readonly trainableVariables: tf.Variable[];
  readonly decayMask: boolean[];
  forward(h: tf.Tensor2D): tf.Tensor2D;
  dispose(): void;
}

class RotationRun extends EncoderMethodRun {
  private readonly classifier: Classifier;
  private readonly params: RotationParams;
  private readonly sampler: ImageViewSampler;
  private readonly view: Float32Array;
  private inputs = new Float32Array(0);
  private labels = new Int32Array(0);

  constructor(setup: MethodSetup) {
    const spec = asImageSpec(setup.spec);
    const params = rotationParams(setup.params);
    const encoder = sharedEncoder(spec, params, setup.seed);
    const d = encoder.embeddingSize;
    const hidden = params.classifierHidden;
    const classifier =
      hidden > 0
        ? new ProjectionHead({ inputSize: d, hiddenSize: hidden, outputSize: ROTATIONS, batchNorm: true, seed: setup.seed + 1000 })
        : new LinearHead({ inputSize: d, outputSize: ROTATIONS, seed: setup.seed + 1000 });
    super(encoder, { classifier }, params);
    this.classifier = classifier;
    this.params = params;
    // Light augmentation only: crops and flips. Colour changes would not hide the rotation anyway,
    // and the task itself is the supervision.
    this.sampler = new ImageViewSampler(
      {
        ...defaultImageViews(spec.size),
        cropScale: [params.cropMinScale, 1],
        flipProbability: params.flip ? 0.5 : 0,
        jitterProbability: 0,
        greyscaleProbability: 0,
        blurProbability: 0,
      },
      spec.channels,
    );
    this.view = new Float32Array(spec.size * spec.size * spec.channels);
  }

  /** Rotated views of the batch into `inputs`, rotation-major (row r·B + i is image i's r-th copy), and their labels. */
  private makeInputs(data: ImageData, batch: Int32Array, rng: StepContext['rng']): number {
    const b = batch.length;
    const copies = this.params.allRotations ? ROTATIONS : 1;
    const per = this.view.length;
    const rows = b * copies;
    if (this.inputs.length !== rows * per) {
      this.inputs = new Float32Array(rows * per);
      this.labels = new Int32Array(rows);
    }
    for (let i = 0; i < b; i++) {
      this.sampler.sample(sourceImage(data, batch[i]!), this.view, 0, rng);
      for (let c = 0; c < copies; c++) {
        const turns = this.params.allRotations ? c : rng.int(ROTATIONS);
        const row = c * b + i;
        rotateSquare(this.view, 0, this.inputs, row * per, data.size, data.channels, turns);
        this.labels[row] = turns;
      }
    }
    return rows;
  }

  trainStep(loaded: LoadedData, batch: Int32Array, context: StepContext): LossParts {
    const data = loaded as ImageData;
    const rows = this.makeInputs(data, batch, context.rng);
    const x = tf.tensor4d(this.inputs, [rows, data.size, data.size, data.channels]); // [4B, S, S, C]
    const labels = tf.tensor1d(this.labels, 'int32'); // [4B]
    // The accuracy is a part of the step's loss, read back with it (asynchronously on webgpu).
    return this.minimise(
      context,
      () => {
        const logits = this.classifier.forward(this.encoder.forwardTrain(x)); // [4B, 4]
        return { total: softmaxCrossEntropy(logits, this.labels), accuracy: rotationAccuracy(logits, labels) };
      },
      [x, labels],
    );
  }
}

/** Share of rows whose largest logit is at their rotation (ties go to the first, as argMax), before the update. */
function rotationAccuracy(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => tf.mean(tf.cast(tf.equal(tf.argMax(logits, 1), labels), 'float32')) as tf.Scalar);
}

export const rotation: SslMethod = {
  id: 'rotation',
  name: 'Rotation prediction',
  family: 'transformation prediction',
  description:
    'Transformation prediction: each image is shown turned by 0°, 90°, 180° and 270°, and the encoder learns to tell which way up it is (RotNet), which suits photos and objects with a natural upright, not textures.',
  modalities: ['image'],
  trains: true,
  params: [
    {
      name: 'allRotations',
      label: 'All four rotations',
      type: 'boolean',
      default: true,
      help: 'Every image in all four rotations in each batch, as in the paper; off, one random rotation per image (4× fewer inputs per step).',
      scope: 'method',
      advanced: true,
    },
    {
      name: 'classifierHidden',
      label: 'Classifier hidden size',
      type: 'integer',
      default: 0,
      min: 4,
      max: 4096,
      auto: { value: 0, label: 'Linear' },
      help: 'Hidden units of the rotation classifier on the embedding (with batch norm); Linear puts a linear classifier on the embedding itself.',
      scope: 'method',
      advanced: true,
    },
    { name: 'cropMinScale', label: 'Smallest crop', type: 'number', default: 0.5, min: 0.01, max: 1, help: 'Random resized crops cover this share of the image or more; 1 keeps the whole image.', scope: 'method', advanced: true },
    { name: 'flip', label: 'Horizontal flips', type: 'boolean', default: true, help: 'Mirror half of the images before rotating them.', scope: 'method', advanced: true },
    STEM_STRIDE_PARAM,
    READOUT_PARAM,
  ],
  // The same encoder as SimCLR's defaults, so the two compare on one network.
  defaults: (spec: InputSpec): ParamValues => imageEncoderDefaults(asImageSpec(spec).size),
  defaultsHelp: IMAGE_ENCODER_DEFAULTS_HELP,
  create: (setup) => new RotationRun(setup),
};
