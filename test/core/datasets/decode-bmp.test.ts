import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { BmpError, decodeBmp } from '../../../src-main/core/datasets/decode-bmp';
import { fixture, fixturePath } from './helpers';

/** RGBA pixels of a PNG, via sharp (an independent decoder). */
async function pngRgba(rel: string): Promise<{ data: Uint8Array; width: number; height: number }> {
  const { data, info } = await sharp(fixturePath(rel)).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data), width: info.width, height: info.height };
}

/**
 * Builds a BMP byte by byte so each header variant can be tested with known pixels.
 * `pixels` is the raw pixel array exactly as it should appear in the file.
 */
function bmp(opts: {
  headerSize?: number;
  width: number;
  height: number;
  bpp: number;
  compression?: number;
  palette?: Array<[number, number, number]>;
  colorsUsed?: number;
  masks?: number[]; // written after a 40-byte header, or inside a V2+ header
  pixels: number[];
  planes?: number;
}): Uint8Array {
  const headerSize = opts.headerSize ?? 40;
  const masksAfter = headerSize === 40 && opts.masks ? opts.masks.length * 4 : 0;
  const entry = headerSize === 12 ? 3 : 4;
  const paletteBytes = (opts.palette?.length ?? 0) * entry;
  const dataOffset = 14 + headerSize + masksAfter + paletteBytes;
  const out = Buffer.alloc(dataOffset + opts.pixels.length);
  out.write('BM', 0, 'ascii');
  out.writeUInt32LE(out.length, 2);
  out.writeUInt32LE(dataOffset, 10);
  out.writeUInt32LE(headerSize, 14);
  if (headerSize === 12) {
    out.writeUInt16LE(opts.width, 18);
    out.writeUInt16LE(opts.height, 20);
    out.writeUInt16LE(opts.planes ?? 1, 22);
    out.writeUInt16LE(opts.bpp, 24);
  } else {
    out.writeInt32LE(opts.width, 18);
    out.writeInt32LE(opts.height, 22);
    out.writeUInt16LE(opts.planes ?? 1, 26);
    out.writeUInt16LE(opts.bpp, 28);
    out.writeUInt32LE(opts.compression ?? 0, 30);
    out.writeUInt32LE(opts.pixels.length, 34);
    out.writeUInt32LE(opts.colorsUsed ?? 0, 46);
    if (opts.masks) {
      const at = headerSize === 40 ? 54 : 54;
      opts.masks.forEach((m, i) => out.writeUInt32LE(m >>> 0, at + i * 4));
    }
  }
  let p = 14 + headerSize + masksAfter;
  for (const [r, g, b] of opts.palette ?? []) {
    out[p] = b;
    out[p + 1] = g;
    out[p + 2] = r;
    p += entry;
  }
  out.set(opts.pixels, dataOffset);
  return new Uint8Array(out);
}

/** Pixels of a decoded image as [r,g,b,a] tuples, row by row, for readable expectations. */
const tuples = (data: Uint8Array): number[][] => Array.from({ length: data.length / 4 }, (_, i) => [...data.subarray(i * 4, i * 4 + 4)]);

const RED: [number, number, number] = [255, 0, 0];
const GREEN: [number, number, number] = [0, 255, 0];
const BLUE: [number, number, number] = [0, 0, 255];
const WHITE: [number, number, number] = [255, 255, 255];

describe('decodeBmp against ImageMagick', () => {
  // Each .bmp was written by ImageMagick and each .png is ImageMagick's own decoding of it.
  it.each([
    ['rgb24', 24, 40],
    ['pal1', 1, 40],
    ['pal4', 4, 40],
    ['pal8', 8, 40],
    ['rle8', 8, 40],
    ['core24', 24, 12],
    ['core4', 4, 12],
    ['v5-rgb565', 16, 124],
    ['v5-rgb555', 16, 124],
    ['v5-argb32', 32, 124],
  ])('%s decodes to the same pixels', async (name, bpp, headerSize) => {
    const bytes = fixture(`bmp/${name}.bmp`);
    expect(new DataView(bytes.buffer, bytes.byteOffset).getUint32(14, true)).toBe(headerSize);
    const decoded = decodeBmp(bytes);
    const expected = await pngRgba(`bmp/${name}.png`);
    expect([decoded.width, decoded.height, decoded.bitsPerPixel]).toEqual([13, 7, bpp]);
    expect([expected.width, expected.height]).toEqual([13, 7]);
    expect(tuples(decoded.data)).toEqual(tuples(expected.data));
    expect(decoded.hasAlpha).toBe(name === 'v5-argb32');
  });
});

describe('decodeBmp header and pixel variants', () => {
  it('reads top-down rows (negative height) and bottom-up rows, with row padding', () => {
    // 2×2 at 24 bpp: each row is 6 bytes of pixels + 2 of padding.
    const rows = [
      [0, 0, 255, 0, 255, 0, 0, 0], // B,G,R order: red, green, padding
      [255, 0, 0, 255, 255, 255, 0, 0], // blue, white, padding
    ];
    const topDown = decodeBmp(bmp({ width: 2, height: -2, bpp: 24, pixels: rows.flat() }));
    expect(tuples(topDown.data)).toEqual([
      [...RED, 255],
      [...GREEN, 255],
      [...BLUE, 255],
      [...WHITE, 255],
    ]);
    const bottomUp = decodeBmp(bmp({ width: 2, height: 2, bpp: 24, pixels: rows.flat() }));
    expect(tuples(bottomUp.data)).toEqual([
      [...BLUE, 255],
      [...WHITE, 255],
      [...RED, 255],
      [...GREEN, 255],
    ]);
  });

  it('accepts a last row without its padding', () => {
    // 1×2 top-down: row 0 is 3 bytes + 1 padding, row 1 stops after its 3 pixel bytes.
    const image = decodeBmp(bmp({ width: 1, height: -2, bpp: 24, pixels: [0, 0, 255, 0, 255, 0, 0] }));
    expect(tuples(image.data)).toEqual([
      [...RED, 255],
      [...BLUE, 255],
    ]);
  });

  it('ignores the fourth byte of 32-bit BI_RGB pixels (it is reserved, usually 0)', () => {
    const image = decodeBmp(bmp({ width: 2, height: 1, bpp: 32, pixels: [0, 0, 255, 0, 255, 0, 0, 7] }));
    expect(tuples(image.data)).toEqual([
      [...RED, 255],
      [...BLUE, 255],
    ]);
    expect(image.hasAlpha).toBe(false);
  });

  it('reads BI_BITFIELDS masks after a 40-byte header (16-bit 5-6-5)', () => {
    // 0xF800 = red, 0x07E0 = green, 0x001F = blue; 0x8410 = mid grey (16, 32, 16 of 31/63/31).
    const image = decodeBmp(
      bmp({ width: 4, height: 1, bpp: 16, compression: 3, masks: [0xf800, 0x07e0, 0x001f], pixels: [0x00, 0xf8, 0xe0, 0x07, 0x1f, 0x00, 0x10, 0x84] }),
    );
    expect(tuples(image.data)).toEqual([
      [...RED, 255],
      [...GREEN, 255],
      [...BLUE, 255],
      [132, 130, 132, 255],
    ]);
  });

  it('defaults 16-bit BI_RGB to 5-5-5', () => {
    const image = decodeBmp(bmp({ width: 2, height: 1, bpp: 16, pixels: [0x00, 0x7c, 0x1f, 0x00] }));
    expect(tuples(image.data)).toEqual([
      [...RED, 255],
      [...BLUE, 255],
    ]);
  });

  it('uses the alpha mask of BI_ALPHABITFIELDS and V4/V5 headers', () => {
    const masks = [0x00ff0000, 0x0000ff00, 0x000000ff, 0xff000000];
    const pixels = [0, 0, 255, 128, 255, 0, 0, 255]; // half-transparent red, opaque blue
    for (const image of [
      decodeBmp(bmp({ width: 2, height: 1, bpp: 32, compression: 6, masks, pixels })),
      decodeBmp(bmp({ headerSize: 108, width: 2, height: 1, bpp: 32, compression: 3, masks, pixels })),
      decodeBmp(bmp({ headerSize: 56, width: 2, height: 1, bpp: 32, compression: 3, masks, pixels })),
    ]) {
      expect(tuples(image.data)).toEqual([
        [...RED, 128],
        [...BLUE, 255],
      ]);
      expect(image.hasAlpha).toBe(true);
    }
  });

  it('treats an alpha mask whose alpha bytes are all 0 as opaque (a common writer bug)', () => {
    const image = decodeBmp(
      bmp({ headerSize: 124, width: 2, height: 1, bpp: 32, compression: 3, masks: [0xff0000, 0xff00, 0xff, 0xff000000], pixels: [0, 0, 255, 0, 255, 0, 0, 0] }),
    );
    expect(tuples(image.data)).toEqual([
      [...RED, 255],
      [...BLUE, 255],
    ]);
    expect(image.hasAlpha).toBe(false);
  });

  it('reads 1-bit pixels most significant bit first, and a palette shorter than 2^bpp', () => {
    const image = decodeBmp(bmp({ width: 10, height: 1, bpp: 1, palette: [RED, BLUE], colorsUsed: 2, pixels: [0b10110000, 0b01000000, 0, 0] }));
    expect(tuples(image.data).map((p) => (p[0] === 255 ? 'R' : 'B')).join('')).toBe('BRBBRRRRRB');
  });

  it('reads palette indices past the palette as black instead of failing', () => {
    const image = decodeBmp(bmp({ width: 2, height: 1, bpp: 8, palette: [RED], colorsUsed: 1, pixels: [0, 5, 0, 0] }));
    expect(tuples(image.data)).toEqual([
      [...RED, 255],
      [0, 0, 0, 255],
    ]);
  });

  it('decodes RLE8 runs, absolute runs, deltas and end-of-line, leaving skipped pixels transparent', () => {
    const palette: Array<[number, number, number]> = [RED, GREEN, BLUE, WHITE];
    // 4×3, stored bottom row first: a run of 4 greens; an absolute run blue, white, red and an
    // early end of line; then a delta skipping two pixels and a run of 2 blues.
    const pixels = [
      4, 1, // 4 × green
      0, 0, // end of line
      0, 3, 2, 3, 0, 0, // absolute run of 3 (padded to even)
      0, 0, // end of line: pixel (3, 1) is never written
      0, 2, 2, 0, // delta: x += 2
      2, 2, // 2 × blue
      0, 1, // end of bitmap
    ];
    const image = decodeBmp(bmp({ width: 4, height: 3, bpp: 8, compression: 1, palette, pixels }));
    const T = [0, 0, 0, 0];
    expect(tuples(image.data)).toEqual([
      T,
      T,
      [...BLUE, 255],
      [...BLUE, 255],
      [...BLUE, 255],
      [...WHITE, 255],
      [...RED, 255],
      T,
      [...GREEN, 255],
      [...GREEN, 255],
      [...GREEN, 255],
      [...GREEN, 255],
    ]);
    expect(image.hasAlpha).toBe(true);
  });

  it('decodes RLE4 with alternating nibbles in runs and absolute runs', () => {
    const palette: Array<[number, number, number]> = [RED, GREEN, BLUE, WHITE];
    const pixels = [
      5, 0x01, // R G R G R
      0, 3, 0x23, 0x10, // absolute: B W G, 2 bytes (already even)
      0, 1,
    ];
    const image = decodeBmp(bmp({ width: 8, height: 1, bpp: 4, compression: 2, palette, pixels }));
    const letter = (p: number[]): string => 'RGBW'[palette.findIndex((c) => c.every((v, i) => v === p[i]))] ?? '?';
    expect(tuples(image.data).map(letter).join('')).toBe('RGRGRBWG');
  });

  it('reads OS/2 1.x core headers with 3-byte palette entries', () => {
    const image = decodeBmp(bmp({ headerSize: 12, width: 2, height: 1, bpp: 8, palette: [GREEN, BLUE], pixels: [1, 0, 0, 0] }));
    expect(tuples(image.data)).toEqual([
      [...BLUE, 255],
      [...GREEN, 255],
    ]);
  });
});

describe('decodeBmp errors', () => {
  const good = (): Uint8Array => fixture('bmp/rgb24.bmp');
  const reason = (bytes: Uint8Array, opts?: { maxPixels?: number }): string => {
    try {
      decodeBmp(bytes, opts);
    } catch (error) {
      expect(error).toBeInstanceOf(BmpError);
      return (error as Error).message;
    }
    throw new Error('expected decodeBmp to throw');
  };

  it('names truncated pixel data with the sizes', () => {
    const bytes = good();
    expect(reason(bytes.subarray(0, 200))).toBe('truncated BMP (pixel data needs 279 bytes from offset 54, the file has 146)');
  });

  it('names a truncated header', () => {
    expect(reason(good().subarray(0, 10))).toBe('truncated BMP (the file header needs 18 bytes, the file has 10)');
    expect(reason(good().subarray(0, 40))).toBe('truncated BMP (the bitmap header needs 54 bytes, the file has 40)');
  });

  it('names RLE data that ends early', () => {
    const bytes = fixture('bmp/rle8.bmp');
    expect(reason(bytes.subarray(0, bytes.length - 40))).toMatch(/^truncated BMP \(RLE data ends at row \d of 7 without an end-of-bitmap marker\)$/);
    const absolute = bmp({ width: 8, height: 1, bpp: 8, compression: 1, palette: [RED], pixels: [0, 6, 0, 0] });
    expect(reason(absolute)).toBe('truncated BMP (an RLE run of 6 pixels at offset 58 runs past the end of the file)');
  });

  it('rejects what it does not support, by name', () => {
    expect(reason(bmp({ width: 1, height: 1, bpp: 24, compression: 4, pixels: [0, 0, 0, 0] }))).toBe('unsupported BMP compression: embedded JPEG (BI_JPEG)');
    expect(reason(bmp({ width: 1, height: 1, bpp: 24, compression: 5, pixels: [0, 0, 0, 0] }))).toBe('unsupported BMP compression: embedded PNG (BI_PNG)');
    expect(reason(bmp({ width: 1, height: 1, bpp: 64, pixels: new Array(8).fill(0) }))).toBe('unsupported BMP: 64 bits per pixel');
    expect(reason(bmp({ width: 1, height: -1, bpp: 8, compression: 1, palette: [RED], pixels: [0, 1] }))).toBe(
      'invalid BMP: RLE-compressed bitmaps cannot be top-down',
    );
    expect(reason(bmp({ width: 1, height: 1, bpp: 24, compression: 1, pixels: [0, 1] }))).toBe('invalid BMP: RLE8 with 24 bits per pixel');
  });

  it('rejects nonsense dimensions, planes and sizes', () => {
    expect(reason(bmp({ width: 0, height: 1, bpp: 24, pixels: [0, 0, 0, 0] }))).toBe('invalid BMP dimensions 0×1');
    expect(reason(bmp({ width: 1, height: 1, bpp: 24, planes: 2, pixels: [0, 0, 0, 0] }))).toBe('invalid BMP (2 colour planes, expected 1)');
    expect(reason(good(), { maxPixels: 50 })).toBe('BMP too large (13×7 pixels; the limit is 50 pixels)');
    expect(reason(bmp({ width: 2, height: 1, bpp: 8, pixels: [0, 0, 0, 0] }))).toBe('invalid BMP: the colour palette is missing');
    const header = good().slice();
    header[14] = 20;
    expect(reason(header)).toBe('unsupported BMP header size 20');
    expect(reason(new TextEncoder().encode('not a bitmap at all, no'))).toBe('not a BMP file (no "BM" signature)');
  });
});
