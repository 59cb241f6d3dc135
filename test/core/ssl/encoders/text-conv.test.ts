import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../../src-main/core/engine/backend';
import { TextConvEncoder } from '../../../../src-main/core/ssl/encoders/text-conv';
import { describeTextEncoder, MAX_LENGTH, VOCAB } from './text-encoder-checks';

beforeAll(async () => {
  await initBackend('wasm', { threads: 2 });
});

describeTextEncoder('TextConvEncoder', (o) => new TextConvEncoder({ ...o, blocks: 3, kernelSize: 5 }), 32);

describe('TextConvEncoder', () => {
  it('defaults to 4 blocks of width 128 with 5-token convolutions', () => {
    const encoder = new TextConvEncoder({ vocabSize: VOCAB, maxLength: MAX_LENGTH, seed: 1 });
    expect(encoder.config).toMatchObject({ blocks: 4, width: 128, kernelSize: 5, pooling: 'mean' });
    expect(encoder.variables).toHaveLength(1 + 4 * 6 + 2);
    expect(encoder.variables[3]!.name).toMatch(/^text_conv_\d+\/block0\/conv_filter$/);
    expect(encoder.variables[3]!.shape).toEqual([5, 128, 128]);
    expect(encoder.variables.filter((_, i) => encoder.decayMask[i]).map((v) => v.name.split('/').at(-1))).toEqual(
      Array.from({ length: 4 }, () => ['conv_filter', 'pointwise_weight']).flat(),
    );
    encoder.dispose();
  });

  it('rejects an even kernel size', () => {
    expect(() => new TextConvEncoder({ vocabSize: 10, maxLength: 8, kernelSize: 4, seed: 1 })).toThrow(/odd/);
  });
});
