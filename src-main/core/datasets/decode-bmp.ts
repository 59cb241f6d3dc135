/**
 * A small, strict BMP decoder, because sharp's prebuilt libvips has no BMP loader.
 *
 * Supports the headers real files use: BITMAPCOREHEADER (OS/2 1.x, 12 bytes), BITMAPINFOHEADER
 * (40), its V2/V3 extensions (52/56), OS/2 2.x (64, uncompressed and RLE only), V4 (108) and V5
 * (124); 1-, 4- and 8-bit palettes; 16-, 24- and 32-bit pixels with BI_RGB, BI_BITFIELDS or
 * BI_ALPHABITFIELDS; RLE8 and RLE4; bottom-up and top-down rows. Embedded JPEG/PNG and 64-bit
 * pixels are rejected with a reason. Output is RGBA, top row first, ready for
 * sharp(data, { raw: { width, height, channels: 4 } }).
 *
 * Why not a package (checked December 2026 against the ImageMagick fixtures in
 * test/fixtures/bmp; all MIT): none reads the 12-byte OS/2 core header (core24, core4), and none
 * checks a pixel limit before allocating width × height × 4 bytes from the header.
 * - bmp-ts 1.0.9 (jimp's fork of bmp-js): wrong colours for 1/4/8-bit palettes, RLE8 and
 *   16-bit bit fields; alpha 0 for opaque 24-bit and palette images. Only V5 ARGB32 matched.
 * - bmp-js 0.1.0 (its last release; allocates with the deprecated `new Buffer`): alpha 0 for
 *   every opaque image; wrong RLE8, 16-bit and 32-bit pixels.
 * - decode-bmp 0.2.1 (written for ICO entries): no RLE, no 16-bit, no bit fields, no top-down rows.
 * - fast-bmp 4.0.1 (image-js): 1/8/24/32 bits only, no RLE, no 4- or 16-bit pixels.
 */

export interface BmpImage {
  width: number;
  height: number;
  /** RGBA, 4 bytes per pixel, rows top to bottom. */
  data: Uint8Array;
  /** False when every pixel is opaque (then the alpha channel can be dropped). */
  hasAlpha: boolean;
  bitsPerPixel: number;
}

export class BmpError extends Error {
  override name = 'BmpError';
}

/**
 * An image whose header claims more pixels than the limit; thrown before anything is allocated.
 * decode-image turns it into the same reason as for every other format.
 */
export class BmpTooLargeError extends BmpError {
  override name = 'BmpTooLargeError';
  constructor(
    readonly width: number,
    readonly height: number,
    readonly maxPixels: number,
  ) {
    super(`BMP too large (${width}×${height} pixels; the limit is ${maxPixels} pixels)`);
  }
}

/**
 * The limit when decodeBmp is called without one: the same 100 megapixels as
 * DEFAULT_MAX_IMAGE_PIXELS in decode-image.ts (a test keeps them equal), which always passes its
 * limit in effect. This decoder holds the whole bitmap (4 bytes a pixel), so the limit is checked
 * from the header before any allocation: a 2 MB RLE file can claim 16383×16383 = 1 GB of RGBA.
 */
export const BMP_MAX_PIXELS = 100_000_000;

const BI_RGB = 0;
const BI_RLE8 = 1;
const BI_RLE4 = 2;
const BI_BITFIELDS = 3;
const BI_JPEG = 4;
const BI_PNG = 5;
const BI_ALPHABITFIELDS = 6;

const COMPRESSION_NAMES: Record<number, string> = {
  [BI_JPEG]: 'embedded JPEG (BI_JPEG)',
  [BI_PNG]: 'embedded PNG (BI_PNG)',
  11: 'CMYK (BI_CMYK)',
  12: 'CMYK RLE8 (BI_CMYKRLE8)',
  13: 'CMYK RLE4 (BI_CMYKRLE4)',
};

/** One channel of a bit-field pixel: where it sits and how to scale it to 0..255. */
interface Mask {
  mask: number;
  shift: number;
  bits: number;
  /** For fields of up to 8 bits: value → 8-bit value. */
  table: Uint8Array | null;
}

/**
 * Scales an n-bit value to 8 bits by repeating its bit pattern (5-bit 0b11100 → 0b11100111),
 * as libpng and ImageMagick do: 0 stays 0, the maximum becomes 255, and steps stay even.
 */
function replicate(value: number, bits: number): number {
  let out = 0;
  for (let shift = 8 - bits; shift > -bits; shift -= bits) out |= shift >= 0 ? value << shift : value >> -shift;
  return out & 0xff;
}

function makeMask(mask: number): Mask {
  mask >>>= 0;
  if (mask === 0) return { mask: 0, shift: 0, bits: 0, table: null };
  let shift = 0;
  while (((mask >>> shift) & 1) === 0) shift++;
  let bits = 0;
  while (shift + bits < 32 && ((mask >>> (shift + bits)) & 1) === 1) bits++;
  let table: Uint8Array | null = null;
  if (bits <= 8) {
    table = new Uint8Array(1 << bits);
    for (let v = 0; v < table.length; v++) table[v] = replicate(v, bits);
  }
  return { mask, shift, bits, table };
}

function channel(px: number, m: Mask): number {
  if (m.bits === 0) return 0;
  // Bits above a non-contiguous mask's first run are dropped by the table size / final shift.
  const value = (px & m.mask) >>> m.shift;
  return m.table ? m.table[value & (m.table.length - 1)]! : (value >>> (m.bits - 8)) & 0xff;
}

export function decodeBmp(bytes: Uint8Array, opts: { maxPixels?: number } = {}): BmpImage {
  const maxPixels = opts.maxPixels ?? BMP_MAX_PIXELS;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const need = (end: number, what: string): void => {
    if (bytes.length < end) throw new BmpError(`truncated BMP (${what} needs ${end} bytes, the file has ${bytes.length})`);
  };
  need(18, 'the file header');
  if (bytes[0] !== 0x42 || bytes[1] !== 0x4d) throw new BmpError('not a BMP file (no "BM" signature)');
  const dataOffset = view.getUint32(10, true);
  const headerSize = view.getUint32(14, true);
  if (![12, 40, 52, 56, 64, 108, 124].includes(headerSize)) {
    throw new BmpError(`unsupported BMP header size ${headerSize}`);
  }
  need(14 + headerSize, 'the bitmap header');

  let width: number;
  let height: number;
  let planes: number;
  let bpp: number;
  let compression = BI_RGB;
  let colorsUsed = 0;
  if (headerSize === 12) {
    width = view.getUint16(18, true);
    height = view.getUint16(20, true);
    planes = view.getUint16(22, true);
    bpp = view.getUint16(24, true);
  } else {
    width = view.getInt32(18, true);
    height = view.getInt32(22, true);
    planes = view.getUint16(26, true);
    bpp = view.getUint16(28, true);
    compression = view.getUint32(30, true);
    colorsUsed = view.getUint32(46, true);
  }
  const topDown = height < 0;
  height = Math.abs(height);
  if (planes !== 1) throw new BmpError(`invalid BMP (${planes} colour planes, expected 1)`);
  if (width <= 0 || height <= 0) throw new BmpError(`invalid BMP dimensions ${width}×${height}`);
  // Before anything whose size depends on the header is allocated (the palette is a fixed 768 bytes).
  if (width * height > maxPixels) throw new BmpTooLargeError(width, height, maxPixels);
  if (headerSize === 64 && compression > BI_RLE4) {
    throw new BmpError(`unsupported OS/2 2.x BMP compression ${compression}`);
  }
  const compressionName = COMPRESSION_NAMES[compression];
  if (compressionName) throw new BmpError(`unsupported BMP compression: ${compressionName}`);
  if (compression > BI_ALPHABITFIELDS) throw new BmpError(`unknown BMP compression ${compression}`);
  if (bpp === 64) throw new BmpError('unsupported BMP: 64 bits per pixel');
  if (![1, 4, 8, 16, 24, 32].includes(bpp)) throw new BmpError(`invalid BMP: ${bpp} bits per pixel`);
  if (compression === BI_RLE8 && bpp !== 8) throw new BmpError(`invalid BMP: RLE8 with ${bpp} bits per pixel`);
  if (compression === BI_RLE4 && bpp !== 4) throw new BmpError(`invalid BMP: RLE4 with ${bpp} bits per pixel`);
  const bitfields = compression === BI_BITFIELDS || compression === BI_ALPHABITFIELDS;
  if (bitfields && bpp !== 16 && bpp !== 32) throw new BmpError(`invalid BMP: bit fields with ${bpp} bits per pixel`);
  if ((compression === BI_RLE8 || compression === BI_RLE4) && topDown) {
    throw new BmpError('invalid BMP: RLE-compressed bitmaps cannot be top-down');
  }

  // Bit masks: in the header for V2+ headers, else right after a 40-byte header.
  let maskBytesAfterHeader = 0;
  let masks: [Mask, Mask, Mask, Mask] | null = null;
  if (bitfields) {
    let at: number;
    let withAlpha: boolean;
    if (headerSize >= 52) {
      at = 54;
      withAlpha = headerSize >= 56;
    } else {
      at = 14 + headerSize;
      withAlpha = compression === BI_ALPHABITFIELDS;
      maskBytesAfterHeader = withAlpha ? 16 : 12;
      need(at + maskBytesAfterHeader, 'the colour masks');
    }
    const r = view.getUint32(at, true);
    const g = view.getUint32(at + 4, true);
    const b = view.getUint32(at + 8, true);
    const a = withAlpha ? view.getUint32(at + 12, true) : 0;
    if (r === 0 && g === 0 && b === 0) masks = null; // empty masks: fall back to the defaults
    else masks = [makeMask(r), makeMask(g), makeMask(b), makeMask(a)];
  }
  if (!masks && bpp === 16) masks = [makeMask(0x7c00), makeMask(0x03e0), makeMask(0x001f), makeMask(0)];
  // 32-bit BI_RGB: the fourth byte is "reserved"; most writers leave it 0, so it is not alpha.
  if (!masks && bpp === 32) masks = [makeMask(0xff0000), makeMask(0xff00), makeMask(0xff), makeMask(0)];

  // Palette.
  let palette: Uint8Array | null = null; // RGB triples
  if (bpp <= 8) {
    const entrySize = headerSize === 12 ? 3 : 4;
    const paletteStart = 14 + headerSize + maskBytesAfterHeader;
    const wanted = colorsUsed > 0 ? Math.min(colorsUsed, 1 << bpp) : 1 << bpp;
    // Some writers store fewer entries than they declare; read what lies before the pixels.
    const room = Math.floor((Math.min(dataOffset, bytes.length) - paletteStart) / entrySize);
    const count = Math.min(wanted, room);
    if (count <= 0) throw new BmpError('invalid BMP: the colour palette is missing');
    palette = new Uint8Array(256 * 3); // indices past the palette read as black
    for (let i = 0; i < count; i++) {
      const p = paletteStart + i * entrySize;
      palette[i * 3] = bytes[p + 2]!;
      palette[i * 3 + 1] = bytes[p + 1]!;
      palette[i * 3 + 2] = bytes[p]!;
    }
  }

  if (dataOffset >= bytes.length) {
    throw new BmpError(`truncated BMP (pixel data should start at offset ${dataOffset}, the file has ${bytes.length} bytes)`);
  }
  const rle = compression === BI_RLE8 || compression === BI_RLE4;
  // Uncompressed pixels must all be in the file: check before allocating the output for them.
  if (!rle) checkUncompressedLength(bytes, dataOffset, width, height, bpp);
  const out = new Uint8Array(width * height * 4);
  let hasAlpha: boolean;
  if (rle) {
    hasAlpha = decodeRle(bytes, dataOffset, width, height, compression === BI_RLE4, palette!, out);
  } else {
    hasAlpha = decodeUncompressed(bytes, view, dataOffset, width, height, bpp, topDown, palette, masks, out);
  }
  return { width, height, data: out, hasAlpha, bitsPerPixel: bpp };
}

/** Bytes per row of uncompressed pixels, padded to 32 bits. */
const rowStride = (bpp: number, width: number): number => Math.floor((bpp * width + 31) / 32) * 4;

function checkUncompressedLength(bytes: Uint8Array, dataOffset: number, width: number, height: number, bpp: number): void {
  // Accept a last row without its padding: some writers leave it off, and no pixel is missing.
  const needed = rowStride(bpp, width) * (height - 1) + Math.ceil((bpp * width) / 8);
  if (dataOffset + needed > bytes.length) {
    throw new BmpError(
      `truncated BMP (pixel data needs ${needed} bytes from offset ${dataOffset}, the file has ${bytes.length - dataOffset})`,
    );
  }
}

function decodeUncompressed(
  bytes: Uint8Array,
  view: DataView,
  dataOffset: number,
  width: number,
  height: number,
  bpp: number,
  topDown: boolean,
  palette: Uint8Array | null,
  masks: [Mask, Mask, Mask, Mask] | null,
  out: Uint8Array,
): boolean {
  const stride = rowStride(bpp, width);
  const [rm, gm, bm, am] = masks ?? [];
  const alphaMask = am && am.bits > 0 ? am : null;
  let anyAlpha = false;
  for (let y = 0; y < height; y++) {
    const row = dataOffset + (topDown ? y : height - 1 - y) * stride;
    let o = y * width * 4;
    for (let x = 0; x < width; x++, o += 4) {
      if (bpp <= 8) {
        const bit = x * bpp;
        const byte = bytes[row + (bit >> 3)]!;
        const index = (byte >> (8 - bpp - (bit & 7))) & ((1 << bpp) - 1);
        out[o] = palette![index * 3]!;
        out[o + 1] = palette![index * 3 + 1]!;
        out[o + 2] = palette![index * 3 + 2]!;
        out[o + 3] = 255;
      } else if (bpp === 24) {
        const p = row + x * 3;
        out[o] = bytes[p + 2]!;
        out[o + 1] = bytes[p + 1]!;
        out[o + 2] = bytes[p]!;
        out[o + 3] = 255;
      } else {
        const px = bpp === 16 ? view.getUint16(row + x * 2, true) : view.getUint32(row + x * 4, true);
        out[o] = channel(px, rm!);
        out[o + 1] = channel(px, gm!);
        out[o + 2] = channel(px, bm!);
        if (alphaMask) {
          const a = channel(px, alphaMask);
          out[o + 3] = a;
          if (a !== 0) anyAlpha = true;
        } else {
          out[o + 3] = 255;
        }
      }
    }
  }
  if (!alphaMask) return false;
  // Many writers declare an alpha mask but leave every alpha byte 0; such images are opaque.
  if (!anyAlpha) {
    for (let o = 3; o < out.length; o += 4) out[o] = 255;
    return false;
  }
  for (let o = 3; o < out.length; o += 4) if (out[o] !== 255) return true;
  return false;
}

/**
 * RLE8/RLE4: pairs of (count, value) runs, and escapes 00 00 end of line, 00 01 end of bitmap,
 * 00 02 dx dy delta, 00 n absolute run of n indices padded to 16 bits. Pixels that the data skips
 * (by a delta or an early end of line) are left transparent, as browsers do.
 */
function decodeRle(
  bytes: Uint8Array,
  start: number,
  width: number,
  height: number,
  four: boolean,
  palette: Uint8Array,
  out: Uint8Array,
): boolean {
  let x = 0;
  let y = 0; // rows counted from the bottom
  let p = start;
  const end = bytes.length;
  const put = (index: number): void => {
    if (x < width && y < height) {
      const o = ((height - 1 - y) * width + x) * 4;
      out[o] = palette[index * 3]!;
      out[o + 1] = palette[index * 3 + 1]!;
      out[o + 2] = palette[index * 3 + 2]!;
      out[o + 3] = 255;
    }
    x++;
  };
  let finished = false;
  while (!finished && y < height) {
    if (p + 1 >= end) break;
    const count = bytes[p]!;
    const value = bytes[p + 1]!;
    p += 2;
    if (count > 0) {
      for (let i = 0; i < count; i++) put(four ? (i & 1 ? value & 0x0f : value >> 4) : value);
    } else if (value === 0) {
      x = 0;
      y++;
    } else if (value === 1) {
      finished = true;
    } else if (value === 2) {
      if (p + 1 >= end) break;
      x += bytes[p]!;
      y += bytes[p + 1]!;
      p += 2;
    } else {
      const n = value;
      const used = four ? Math.ceil(n / 2) : n;
      if (p + used > end) {
        throw new BmpError(`truncated BMP (an RLE run of ${n} pixels at offset ${p - 2} runs past the end of the file)`);
      }
      for (let i = 0; i < n; i++) {
        put(four ? (i & 1 ? bytes[p + (i >> 1)]! & 0x0f : bytes[p + (i >> 1)]! >> 4) : bytes[p + i]!);
      }
      p += used + (used & 1); // absolute runs are padded to a 16-bit boundary
    }
  }
  // A file cut short never reaches its end marker; one that filled every row may omit it.
  if (!finished && y < height) {
    throw new BmpError(`truncated BMP (RLE data ends at row ${y + 1} of ${height} without an end-of-bitmap marker)`);
  }
  for (let o = 3; o < out.length; o += 4) if (out[o] !== 255) return true;
  return false;
}
