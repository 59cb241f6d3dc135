import { describe, expect, it } from 'vitest';
import { rotateSquare } from '../../../../src-main/core/ssl/views/rotation';

/** A 5×5×3 image of distinct values. */
const size = 5;
const channels = 3;
const image = Float32Array.from({ length: size * size * channels }, (_, i) => i);

function rotated(src: Float32Array, turns: number): Float32Array {
  const out = new Float32Array(src.length);
  rotateSquare(src, 0, out, 0, size, channels, turns);
  return out;
}

describe('rotateSquare', () => {
  it('turns counter-clockwise: the top-right pixel goes to the top left', () => {
    const out = rotated(image, 1);
    const pixel = (buf: Float32Array, y: number, x: number) => Array.from(buf.subarray((y * size + x) * channels, (y * size + x + 1) * channels));
    expect(pixel(out, 0, 0)).toEqual(pixel(image, 0, size - 1));
    expect(pixel(out, size - 1, 0)).toEqual(pixel(image, 0, 0));
  });

  it('four quarter turns are the identity, two are a half turn, and −1 is three', () => {
    expect(rotated(rotated(rotated(rotated(image, 1), 1), 1), 1)).toEqual(image);
    expect(rotated(rotated(image, 1), 1)).toEqual(rotated(image, 2));
    expect(rotated(image, -1)).toEqual(rotated(image, 3));
    expect(rotated(image, 4)).toEqual(image);
  });

  it('is a permutation: every value kept once', () => {
    for (let k = 0; k < 4; k++) expect(Array.from(rotated(image, k)).sort((a, b) => a - b)).toEqual(Array.from(image));
  });

  it('reads and writes at offsets, and refuses buffers too short', () => {
    const src = new Float32Array(image.length * 2);
    src.set(image, image.length);
    const out = new Float32Array(image.length * 3);
    rotateSquare(src, image.length, out, image.length * 2, size, channels, 3);
    expect(out.subarray(image.length * 2)).toEqual(rotated(image, 3));
    expect(out.subarray(0, image.length * 2).every((v) => v === 0)).toBe(true);
    expect(() => rotateSquare(image, 1, out, 0, size, channels, 1)).toThrow('a 5×5×3 image needs 75 values at offsets 1 (of 75)');
  });
});
