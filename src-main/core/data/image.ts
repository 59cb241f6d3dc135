import type { ImageInputSpec, InputSpec, ParamSpec } from '../../contract';
import { decodeImageRaw } from '../datasets/decode-image';
import type { FileFormat } from '../datasets/detect';
import { defaultImageViews, ImageViewSampler } from '../ssl/views/image';
import { chooseChannels, chooseImageSize, loadImageDataset, sourceImage, writePixels, type ImageDataset } from './image-data';
import type { LoadedData, ModalityData } from './types';

export interface ImageData extends LoadedData, ImageDataset {
  modality: 'image';
  spec: ImageInputSpec;
}

const IMAGE_PARAMS: readonly ParamSpec[] = [
  {
    name: 'imageSize',
    label: 'Image size',
    type: 'integer',
    default: 0,
    min: 8,
    max: 256,
    auto: { value: 0, label: 'Auto' },
    unit: 'px',
    help: 'Side images are resized to; Auto takes the images’ median side, 16 to 64 px.',
    scope: 'data',
  },
];

export function asImageSpec(spec: InputSpec): ImageInputSpec {
  if (spec.modality !== 'image') throw new Error(`expected an image input spec, got ${spec.modality}`);
  return spec;
}

/** Samplers by spec, so that extraction and queries reuse their buffers. */
const samplers = new Map<string, ImageViewSampler>();
function centreSampler(spec: ImageInputSpec): ImageViewSampler {
  const key = `${spec.size}:${spec.channels}`;
  let sampler = samplers.get(key);
  if (!sampler) {
    sampler = new ImageViewSampler(defaultImageViews(spec.size), spec.channels);
    samplers.set(key, sampler);
  }
  return sampler;
}

/** Images: decoded once to size × size × channels bytes (cached beside the database), views made on the CPU. */
export const imageData: ModalityData<ImageData> = {
  modality: 'image',
  params: IMAGE_PARAMS,
  resolveSpec: (items, params) => {
    const chosen = typeof params.imageSize === 'number' ? params.imageSize : 0;
    return { modality: 'image', size: chosen > 0 ? chosen : chooseImageSize(items), channels: chooseChannels(items), scale: '0-1' };
  },
  inputShape: (spec) => {
    const s = asImageSpec(spec);
    return [s.size, s.size, s.channels];
  },
  load: async (db, datasetId, spec, options) => {
    const s = asImageSpec(spec);
    const data = await loadImageDataset(db, datasetId, { size: s.size, channels: s.channels, ...options });
    return { ...data, modality: 'image', spec: s };
  },
  centre: (data, indices, out) => {
    const sampler = centreSampler(data.spec);
    const per = data.size * data.size * data.channels;
    for (let i = 0; i < indices.length; i++) sampler.centre(sourceImage(data, indices[i]!), out, i * per);
  },
  viewPair: (data, indices, out1, out2, rng) => {
    const sampler = new ImageViewSampler(defaultImageViews(data.size), data.channels);
    const per = data.size * data.size * data.channels;
    for (let i = 0; i < indices.length; i++) {
      const src = sourceImage(data, indices[i]!);
      sampler.sample(src, out1, i * per, rng);
      sampler.sample(src, out2, i * per, rng);
    }
  },
  preprocessFile: async (bytes, format: FileFormat, spec) => {
    const s = asImageSpec(spec);
    const raw = await decodeImageRaw(bytes, format, s.size, { fit: 'cover', channels: 3 });
    const pixels = new Uint8Array(s.size * s.size * s.channels);
    writePixels(raw.data, pixels, 0, s.size * s.size, s.channels);
    const input = new Float32Array(s.size * s.size * s.channels);
    centreSampler(s).centre({ data: pixels, width: s.size, height: s.size, channels: s.channels }, input, 0);
    return input;
  },
};
