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
 *
 * Every decoder has the same pixel limit (see DEFAULT_MAX_IMAGE_PIXELS), checked from the header
 * before anything is decoded or allocated, so a few kilobytes claiming a gigapixel are refused in
 * microseconds with a reason that names the size and the limit.
 */
import sharp, { type Sharp } from 'sharp';
import { BmpError, BmpTooLargeError, decodeBmp } from './decode-bmp';
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

/**
 * The most pixels (width × height, first frame) any image may have: 100 megapixels. That covers
 * phone photos at their default resolutions and every full-frame DSLR or mirrorless camera (up to
 * about 61 MP); the "100 MP" medium-format bodies (Fujifilm GFX100: 11648×8736 = 101.8 MP) and the
 * 200 MP modes of some phones are just over it, which is what PRETEXT_MAX_IMAGE_PIXELS is for.
 * The limit exists because the cost of an image is its pixel count, not its file size: a 2 MB
 * RLE-compressed BMP or an 80-byte PNG header can claim 16383×16383 or 100000×100000. A decoded
 * image of 100 MP is 400 MB as RGBA, and our own BMP decoder must hold the whole bitmap at once
 * (sharp streams PNG and JPEG, but still spends seconds on them), so this is about the most one
 * decode should cost. sharp's own default (16383², 268 MP, also the old BMP limit) let such
 * bombs through.
 *
 * Override it per call with the `maxPixels` option, or for the whole process with the
 * environment variable PRETEXT_MAX_IMAGE_PIXELS (a positive integer; see maxImagePixels()).
 */
export const DEFAULT_MAX_IMAGE_PIXELS = 100_000_000;
/** The environment variable that replaces DEFAULT_MAX_IMAGE_PIXELS for the whole process. */
export const MAX_IMAGE_PIXELS_ENV = 'PRETEXT_MAX_IMAGE_PIXELS';

export interface ImageLimitOptions {
  /**
   * Refuse images with more pixels than this (width × height, checked from the header before
   * decoding). Default: maxImagePixels(). Infinity turns the limit off.
   */
  maxPixels?: number;
}

let processLimit: number | undefined;

/**
 * Parses a PRETEXT_MAX_IMAGE_PIXELS value: a positive integer (digits, optionally with `_` or `,`
 * between groups), else null. Exported for tests.
 */
export function parseMaxImagePixels(value: string | undefined): number | null {
  if (value === undefined) return null;
  const text = value.trim().replace(/[_,]/g, '');
  if (!/^\d+$/.test(text)) return null;
  const n = Number(text);
  return Number.isSafeInteger(n) && n > 0 ? n : null;
}

/**
 * The pixel limit in effect when a call gives none: PRETEXT_MAX_IMAGE_PIXELS if it is set to a
 * positive integer, else DEFAULT_MAX_IMAGE_PIXELS. The variable is read once, on first use; an
 * invalid value is ignored, with one warning.
 */
export function maxImagePixels(): number {
  if (processLimit === undefined) {
    const raw = process.env[MAX_IMAGE_PIXELS_ENV];
    const parsed = parseMaxImagePixels(raw);
    if (raw !== undefined && raw.trim() !== '' && parsed === null) {
      process.emitWarning(
        `${MAX_IMAGE_PIXELS_ENV}=${JSON.stringify(raw)} is not a positive integer; using the default image limit of ${DEFAULT_MAX_IMAGE_PIXELS} pixels`,
      );
    }
    processLimit = parsed ?? DEFAULT_MAX_IMAGE_PIXELS;
  }
  return processLimit;
}

/** The limit for one call, and whether it is the process-wide one (then the env var can raise it). */
interface Limit {
  maxPixels: number;
  global: boolean;
}

function limitFor(opts: ImageLimitOptions): Limit {
  if (opts.maxPixels === undefined) return { maxPixels: maxImagePixels(), global: true };
  if (!(opts.maxPixels > 0)) throw new RangeError(`maxPixels must be a positive number, not ${opts.maxPixels}`);
  return { maxPixels: opts.maxPixels, global: false };
}

/** 268402689 → "268.4 megapixels"; small counts stay exact ("4,096 pixels"). */
function pixelCount(n: number, exact = false): string {
  if (n >= 1_000_000 && !exact) return `${(n / 1_000_000).toFixed(1)} megapixels`;
  return `${n.toLocaleString('en-US')} pixels`;
}

/** "image too large (16383×16383 = 268.4 megapixels; the limit is 100.0 megapixels, set … to raise it)" */
function tooLargeReason(width: number, height: number, limit: Limit): string {
  let size = pixelCount(width * height);
  let max = pixelCount(limit.maxPixels);
  if (size === max) {
    size = pixelCount(width * height, true);
    max = pixelCount(limit.maxPixels, true);
  }
  const raise = limit.global ? `, set ${MAX_IMAGE_PIXELS_ENV} to raise it` : '';
  return `image too large (${width}×${height} = ${size}; the limit is ${max}${raise})`;
}

export interface RawImageOptions extends ImageLimitOptions {
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

function reasonFor(error: unknown, format: FileFormat, limit: Limit): string {
  if (error instanceof ImageDecodeError) return error.message;
  const name = FORMAT_NAME[format];
  if (error instanceof BmpTooLargeError) return tooLargeReason(error.width, error.height, limit);
  if (error instanceof BmpError) return error.message;
  const message = cleanMessage(error instanceof Error ? error.message : String(error));
  // open() compares the header's size first, so sharp's own check is only a backstop.
  if (/exceeds pixel limit/i.test(message)) {
    const raise = limit.global ? `, set ${MAX_IMAGE_PIXELS_ENV} to raise it` : '';
    return `image too large (more than the limit of ${pixelCount(limit.maxPixels)}${raise})`;
  }
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
 * orientation). BMP goes through decodeBmp and enters sharp as raw RGBA. An image over the pixel
 * limit is refused from its header, before any pixel is decoded.
 */
async function open(bytes: Uint8Array, format: FileFormat, limit: Limit): Promise<Opened> {
  if (!IMAGE_FORMATS.has(format)) throw new ImageDecodeError(`${format} is not an image format`);
  // sharp wants an integer or false (no limit); ours may be Infinity or fractional.
  const limitInputPixels = Number.isFinite(limit.maxPixels) ? Math.max(1, Math.floor(limit.maxPixels)) : false;
  if (format === 'bmp') {
    // decodeBmp compares width × height with the limit before it allocates anything.
    const bmp = decodeBmp(bytes, { maxPixels: limit.maxPixels });
    let image = sharp(bmp.data, { raw: { width: bmp.width, height: bmp.height, channels: 4 }, limitInputPixels });
    if (!bmp.hasAlpha) image = image.removeAlpha();
    return { image, width: bmp.width, height: bmp.height, channels: bmp.hasAlpha ? 4 : 3, grey: false };
  }
  // Animated GIF/WebP: sharp reads only the first frame unless `pages` says otherwise.
  const options = { failOn: FAIL_ON, autoOrient: true, pages: 1 } as const;
  // metadata() reads only the header. With a limit, sharp would refuse there too, but without the
  // numbers, so the header is read unlimited and compared here; the decode keeps sharp's check.
  const meta = await sharp(bytes, { ...options, limitInputPixels: false }).metadata();
  const width = meta.autoOrient?.width ?? meta.width;
  const height = meta.autoOrient?.height ?? meta.height;
  if (!width || !height) throw new ImageDecodeError(`corrupt ${FORMAT_NAME[format]} (no image size in the header)`);
  if (width * height > limit.maxPixels) throw new ImageDecodeError(tooLargeReason(width, height, limit));
  const image = sharp(bytes, { ...options, limitInputPixels });
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
export async function probeImage(bytes: Uint8Array, format: FileFormat, opts: ImageLimitOptions = {}): Promise<ImageProbe> {
  const limit = limitFor(opts);
  try {
    const opened = await open(bytes, format, limit);
    const { data, info } = await opened.image
      .resize(PROBE_SIZE, PROBE_SIZE, { fit: 'inside', withoutEnlargement: true })
      .raw()
      .toBuffer({ resolveWithObject: true });
    const hasColour = !opened.grey && hasColourPixels(data, info.channels);
    return { ok: true, width: opened.width, height: opened.height, channels: opened.channels, hasColour };
  } catch (error) {
    return { ok: false, reason: reasonFor(error, format, limit) };
  }
}

/**
 * A WebP thumbnail fitting inside size×size (never enlarged), first frame only, EXIF-rotated.
 * Throws an Error whose message is the same reason probeImage would give.
 */
export async function thumbnail(
  bytes: Uint8Array,
  format: FileFormat,
  size = 128,
  opts: ImageLimitOptions = {},
): Promise<Buffer> {
  const limit = limitFor(opts);
  try {
    const { image } = await open(bytes, format, limit);
    return await image.resize(size, size, { fit: 'inside', withoutEnlargement: true }).webp({ quality: 80 }).toBuffer();
  } catch (error) {
    throw new Error(reasonFor(error, format, limit), { cause: error });
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
  const limit = limitFor(opts);
  try {
    const { image } = await open(bytes, format, limit);
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
    throw new Error(reasonFor(error, format, limit), { cause: error });
  }
}
