import { type Scratch, type TensorInfo } from './kernel-utils';

/**
 * Per-channel sums of an NHWC tensor [N, H, W, C] over N, H and W, as XNNPACK average pooling:
 * first over each image (window H×W), then over the batch (a [1, N, 1, C] image, window N×1),
 * scaled by N·H·W. The package's Sum over non-innermost axes transposes the whole tensor first and
 * is ~10× slower.
 * @returns [C]
 */
export function channelSums(s: Scratch, x: TensorInfo): TensorInfo {
  const [n, h, w, c] = x.shape as [number, number, number, number];
  let perImage = x;
  if (h * w > 1) perImage = s.run('AvgPool', { x }, { filterSize: [h, w], strides: [1, 1], pad: 'valid' }); // [N, 1, 1, C]
  let mean = perImage;
  if (n > 1) {
    const column = s.reshape(perImage, [1, n, 1, c]);
    mean = s.run('AvgPool', { x: column }, { filterSize: [n, 1], strides: [1, 1], pad: 'valid' }); // [1, 1, 1, C]
  }
  const count = s.constant([], new Float32Array([n * h * w]));
  return s.run('Multiply', { a: s.reshape(mean, [c]), b: count });
}
