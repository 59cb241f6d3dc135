/**
 * What the image methods that train the shared encoder (encoders/image.ts) declare alike, so that
 * their runs build the same network as SimCLR's for the same images and compare fairly.
 */
import type { ParamSpec } from '../../../contract';

export const STEM_STRIDE_PARAM: ParamSpec = {
  name: 'stemStride',
  label: 'First-layer stride',
  type: 'integer',
  default: 0,
  min: 1,
  max: 2,
  auto: { value: 0, label: 'By image size' },
  help: 'Stride of the first convolution: 1 keeps full resolution (slower, finer), 2 halves it (about 3× faster).',
  scope: 'method',
  advanced: true,
};

/** SimCLR's rule: a stride-2 first layer from 24 px up. */
export function stemStrideFor(size: number): 1 | 2 {
  return size >= 24 ? 2 : 1;
}

export const STEM_STRIDE_HELP = '2 for images of 24 px and more, else 1';
