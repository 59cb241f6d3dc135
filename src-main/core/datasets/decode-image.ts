/**
 * Image probing, thumbnails and raw pixels, on top of sharp (libvips), plus our own BMP decoder.
 *
 * Probing decodes every pixel: reading the header alone would accept a PNG cut in half, which then
 * fails (or shows grey) only when a thumbnail or training batch touches it. sharp only notices
 * truncation while decoding, and only when `failOn` is at least 'truncated'. We use 'error', which
 * also catches corrupt data but, unlike the default 'warning', does not reject the many camera and
 * editor JPEGs that carry harmless warnings such as "extraneous bytes before marker".
 *
 * The decode for probing is resized to PROBE_SIZE, so JPEG and WebP use shrink-on-load (the codec
 * decodes at 1/2..1/8 scale while still reading every scan), and big PNGs are streamed through
 * libvips instead of being held at full size.
 */
import sharp, { type Sharp } from 'sharp';
import { BmpError, decodeBmp } from './decode-bmp';
import { FORMAT_NAME, type FileFormat } from './detect';

export type ImageProbe =
  | { ok: true; width: number; height: number; channels: number; hasColour: boolean }
  | { ok: false; reason: string };

export interface RawImage {
  /** Interleaved 8-bit pixels, rows top to bottom. */
  data: Uint8Array;
  width: number;
  height: number;
  channels: number;
}

export interface RawImageOptions {
  /**
   * 'cover' (default): exactly size×size, centre-cropped, as training batches need.
   * 'inside': the whole image fitting inside size×size, aspect ratio kept.
   */
  fit?: 'cover' | 'inside';
  /** 3 (default): RGB with transparency flattened onto white. 4: RGBA. */
  channels?: 3 | 4;
}

/** Longest side of the decode used for probing and the colour check. */
const PROBE_SIZE = 128;
/** A pixel whose R, G, B differ by more than this is coloured (JPEG rounding stays well below). */
const COLOUR_TOLERANCE = 10;
const FAIL_ON = 'error' as const;

const IMAGE_FORMATS: ReadonlySet<FileFormat> = new Set(['png', 'jpeg', 'gif', 'webp', 'bmp']);

class ImageDecodeError extends Error {}

/** sharp's messages repeat lines and carry newlines; keep each distinct line once. */
function cleanMessage(message: string): string {
  const lines = [...new Set(message.split('\n').map((l) => l.trim()).filter(Boolean))];
  return lines.join('; ');
}

function reasonFor(error: unknown, format: FileFormat): string {
  if (error instanceof ImageDecodeError) return error.message;
  const name = FORMAT_NAME[format];
  if (error instanceof BmpError) return error.message;
  const message = cleanMessage(error instanceof Error ? error.message : String(error));
  if (/exceeds pixel limit/i.test(message)) return `image too large (${message})`;
  return `corrupt or truncated ${name} (${message})`;
}

interface Opened {
  image: Sharp;
  width: number;
  height: number;
  channels: number;
  /** The source is single-channel (or grey + alpha), so it has no colour whatever its pixels. */
  grey: boolean;
}

/**
 * Opens the first frame of an image in a sharp pipeline, with its displayed size (after EXIF
 * orientation). BMP goes through decodeBmp and enters sharp as raw RGBA.
 */
async function open(bytes: Uint8Array, format: FileFormat): Promise<Opened> {
  if (!IMAGE_FORMATS.has(format)) throw new ImageDecodeError(`${format} is not an image format`);
  if (format === 'bmp') {
    const bmp = decodeBmp(bytes);
    let image = sharp(bmp.data, { raw: { width: bmp.width, height: bmp.height, channels: 4 } });
    if (!bmp.hasAlpha) image = image.removeAlpha();
    return { image, width: bmp.width, height: bmp.height, channels: bmp.hasAlpha ? 4 : 3, grey: false };
  }
  // Animated GIF/WebP: sharp reads only the first frame unless `pages` says otherwise.
  const image = sharp(bytes, { failOn: FAIL_ON, autoOrient: true, pages: 1 });
  const meta = await image.metadata();
  const width = meta.autoOrient?.width ?? meta.width;
  const height = meta.autoOrient?.height ?? meta.height;
  if (!width || !height) throw new ImageDecodeError(`corrupt ${FORMAT_NAME[format]} (no image size in the header)`);
  return { image, width, height, channels: meta.channels, grey: meta.channels <= 2 };
}

function hasColourPixels(data: Uint8Array, channels: number): boolean {
  if (channels < 3) return false;
  for (let i = 0; i + 2 < data.length; i += channels) {
    if (channels === 4 && data[i + 3] === 0) continue; // invisible pixels have no colour
    const r = data[i]!;
    const g = data[i + 1]!;
    const b = data[i + 2]!;
    if (Math.abs(r - g) > COLOUR_TOLERANCE || Math.abs(g - b) > COLOUR_TOLERANCE || Math.abs(r - b) > COLOUR_TOLERANCE) {
      return true;
    }
  }
  return false;
}

/**
 * Fully decodes an image (first frame) to check it is intact, and reports its displayed size,
 * its channel count as stored (1 grey, 2 grey+alpha, 3 RGB, 4 RGBA) and whether any pixel has
 * colour (an RGB file of a black-and-white photo has none).
 */
export async function probeImage(bytes: Uint8Array, format: FileFormat): Promise<ImageProbe> {
  try {
    const opened = await open(bytes, format);
    const { data, info } = await opened.image
      .resize(PROBE_SIZE, PROBE_SIZE, { fit: 'inside', withoutEnlargement: true })
      .raw()
      .toBuffer({ resolveWithObject: true });
    const hasColour = !opened.grey && hasColourPixels(data, info.channels);
    return { ok: true, width: opened.width, height: opened.height, channels: opened.channels, hasColour };
  } catch (error) {
    return { ok: false, reason: reasonFor(error, format) };
  }
}

/**
 * A WebP thumbnail fitting inside size×size (never enlarged), first frame only, EXIF-rotated.
 * Throws an Error whose message is the same reason probeImage would give.
 */
export async function thumbnail(bytes: Uint8Array, format: FileFormat, size = 128): Promise<Buffer> {
  try {
    const { image } = await open(bytes, format);
    return await image.resize(size, size, { fit: 'inside', withoutEnlargement: true }).webp({ quality: 80 }).toBuffer();
  } catch (error) {
    throw new Error(reasonFor(error, format), { cause: error });
  }
}

/**
 * Resized 8-bit sRGB pixels for training (see RawImageOptions for the fit and channels).
 * Throws an Error whose message is the same reason probeImage would give.
 */
export async function decodeImageRaw(
  bytes: Uint8Array,
  format: FileFormat,
  size: number,
  opts: RawImageOptions = {},
): Promise<RawImage> {
  const channels = opts.channels ?? 3;
  try {
    const { image } = await open(bytes, format);
    let pipeline = image.resize(size, size, { fit: opts.fit ?? 'cover', position: 'centre' }).toColourspace('srgb');
    pipeline = channels === 3 ? pipeline.flatten({ background: '#ffffff' }) : pipeline.ensureAlpha();
    const { data, info } = await pipeline.raw().toBuffer({ resolveWithObject: true });
    return {
      data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
      width: info.width,
      height: info.height,
      channels: info.channels,
    };
  } catch (error) {
    throw new Error(reasonFor(error, format), { cause: error });
  }
}
