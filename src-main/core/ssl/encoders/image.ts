import type { SmallCnnConfig } from './small-cnn';

/**
 * The image encoder's shape, chosen from the input size: a CIFAR-style stem (stride 1, no pooling)
 * keeps detail in small images; larger inputs start with a stride-2 block. Each later block halves
 * the resolution, and global average pooling makes the embedding (128 values).
 */
export function imageEncoderConfig(inputShape: [number, number, number], seed: number, stem: 0 | 1 | 2 = 0): SmallCnnConfig {
  const side = Math.min(inputShape[0], inputShape[1]);
  // 0: by size (a full-resolution stem up to 32 px, as in Pretext 0.1).
  const stemStride: 1 | 2 = stem === 0 ? (side <= 32 ? 1 : 2) : stem;
  const blocks: SmallCnnConfig['blocks'] = [
    { filters: 32, stride: stemStride },
    { filters: 64, stride: 2 },
    { filters: 64, stride: 2 },
    { filters: 128, stride: 2 },
  ];
  if (side > 64) blocks.splice(1, 0, { filters: 64, stride: 2 });
  return { inputShape, blocks, seed };
}
