/**
 * Decompression bombs: small files whose headers claim huge images or audio must be refused from
 * the header, quickly, with a reason that names the size and the limit, and without allocating
 * memory in proportion to what they claim.
 */
import sharp from 'sharp';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { decodeAudioMono, probeAudio, wavSizeProblem } from '../../../src-main/core/datasets/decode-audio';
import { BMP_MAX_PIXELS, BmpTooLargeError, decodeBmp } from '../../../src-main/core/datasets/decode-bmp';
import {
  DEFAULT_MAX_IMAGE_PIXELS,
  decodeImageRaw,
  maxImagePixels,
  parseMaxImagePixels,
  probeImage,
  thumbnail,
} from '../../../src-main/core/datasets/decode-image';
import { pngHeaderBomb, rgbBmp, rleBmp, wav } from './bombs';
import { fixture } from './helpers';

const MB = 1024 * 1024;

/** Runs `work` and reports how long it took and how far RSS rose (sampled every 5 ms and at the end). */
async function measure<T>(work: () => Promise<T>): Promise<{ result: T; ms: number; rssRise: number }> {
  const before = process.memoryUsage().rss;
  let peak = before;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
  const started = performance.now();
  try {
    const result = await work();
    const ms = performance.now() - started;
    peak = Math.max(peak, process.memoryUsage().rss);
    return { result, ms, rssRise: peak - before };
  } finally {
    clearInterval(sampler);
  }
}

const BMP_REASON =
  'image too large (16383×16383 = 268.4 megapixels; the limit is 100.0 megapixels, set PRETEXT_MAX_IMAGE_PIXELS to raise it)';
const PNG_REASON =
  'image too large (100000×100000 = 10000.0 megapixels; the limit is 100.0 megapixels, set PRETEXT_MAX_IMAGE_PIXELS to raise it)';

describe('image bombs', () => {
  it('refuses a 2 MB RLE8 BMP claiming 16383×16383 from its header, before allocating 1 GB', async () => {
    const bomb = rleBmp(16383, 16383); // real RLE data: every row, end-of-line codes, end-of-bitmap
    expect(bomb.length).toBeGreaterThan(2 * MB);
    expect(bomb.length).toBeLessThan(3 * MB);
    const { result, ms, rssRise } = await measure(() => probeImage(bomb, 'bmp'));
    expect(result).toEqual({ ok: false, reason: BMP_REASON });
    expect(ms).toBeLessThan(500);
    expect(rssRise).toBeLessThan(100 * MB);
  });

  it('refuses a tiny RLE BMP header claiming 16383×16383 in thumbnail and decodeImageRaw too', async () => {
    const bomb = rleBmp(16383, 16383, 1);
    expect(bomb.length).toBeLessThan(300);
    const { rssRise } = await measure(async () => {
      await expect(thumbnail(bomb, 'bmp')).rejects.toThrow(BMP_REASON);
      await expect(decodeImageRaw(bomb, 'bmp', 32)).rejects.toThrow(BMP_REASON);
    });
    expect(rssRise).toBeLessThan(100 * MB);
  });

  it('refuses a PNG whose IHDR says 100000×100000, with the numbers, without decoding it', async () => {
    const bomb = pngHeaderBomb(100000, 100000);
    expect(bomb.length).toBeLessThan(200);
    // The header is valid: sharp reads the size from it.
    expect(await sharp(bomb, { limitInputPixels: false }).metadata()).toMatchObject({ format: 'png', width: 100000, height: 100000 });
    const { result, ms, rssRise } = await measure(() => probeImage(bomb, 'png'));
    expect(result).toEqual({ ok: false, reason: PNG_REASON });
    expect(ms).toBeLessThan(500);
    expect(rssRise).toBeLessThan(100 * MB);
    await expect(thumbnail(bomb, 'png')).rejects.toThrow(PNG_REASON);
    await expect(decodeImageRaw(bomb, 'png', 32)).rejects.toThrow(PNG_REASON);
  });

  it('refuses a PNG over the limit but under sharp default (12000×12000 = 144 MP)', async () => {
    expect(await probeImage(pngHeaderBomb(12000, 12000), 'png')).toEqual({
      ok: false,
      reason: 'image too large (12000×12000 = 144.0 megapixels; the limit is 100.0 megapixels, set PRETEXT_MAX_IMAGE_PIXELS to raise it)',
    });
  });

  it('checks an uncompressed BMP length before allocating the bitmap it claims', async () => {
    // 10000×10000 is exactly 100 MP (allowed), 400 MB decoded; the file has 70 bytes.
    const { result, rssRise } = await measure(() => probeImage(rgbBmp(10000, 10000, true), 'bmp'));
    expect(result).toEqual({ ok: false, reason: 'truncated BMP (pixel data needs 300000000 bytes from offset 54, the file has 16)' });
    expect(rssRise).toBeLessThan(100 * MB);
  });

  it('decodeBmp has the same default limit and says so with a typed error', () => {
    expect(BMP_MAX_PIXELS).toBe(DEFAULT_MAX_IMAGE_PIXELS);
    expect(DEFAULT_MAX_IMAGE_PIXELS).toBe(100_000_000);
    let caught: unknown;
    try {
      decodeBmp(rleBmp(16383, 16383, 1));
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(BmpTooLargeError);
    expect(caught).toMatchObject({ width: 16383, height: 16383, maxPixels: 100_000_000 });
  });
});

describe('the image pixel limit', () => {
  it('is settable per call: a 64×64 BMP is refused with maxPixels 1000 and accepted by default', async () => {
    const small = rgbBmp(64, 64);
    expect(await probeImage(small, 'bmp')).toEqual({ ok: true, width: 64, height: 64, channels: 3, hasColour: true });
    const reason = 'image too large (64×64 = 4,096 pixels; the limit is 1,000 pixels)';
    expect(await probeImage(small, 'bmp', { maxPixels: 1000 })).toEqual({ ok: false, reason });
    await expect(thumbnail(small, 'bmp', 16, { maxPixels: 1000 })).rejects.toThrow(reason);
    await expect(decodeImageRaw(small, 'bmp', 16, { maxPixels: 1000 })).rejects.toThrow(reason);
    expect(await probeImage(small, 'bmp', { maxPixels: 4096 })).toMatchObject({ ok: true });
  });

  it('applies to sharp formats per call, and can be lifted', async () => {
    const png = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#336699' } }).png().toBuffer();
    expect(await probeImage(png, 'png', { maxPixels: 1000 })).toEqual({
      ok: false,
      reason: 'image too large (64×64 = 4,096 pixels; the limit is 1,000 pixels)',
    });
    expect(await probeImage(png, 'png', { maxPixels: 4096 })).toMatchObject({ ok: true, width: 64, height: 64 });
    expect(await probeImage(png, 'png', { maxPixels: Infinity })).toMatchObject({ ok: true });
    // Raised past 144 MP, the 12000×12000 header is no longer refused by size; it is decoded and found truncated.
    expect(await probeImage(pngHeaderBomb(12000, 12000), 'png', { maxPixels: 200_000_000 })).toEqual({
      ok: false,
      reason: expect.stringMatching(/^corrupt or truncated PNG/),
    });
    await expect(probeImage(png, 'png', { maxPixels: 0 })).rejects.toThrow(RangeError);
  });

  it('leaves normal images alone', async () => {
    expect(await probeImage(fixture('mixed/cats/tabby.png'), 'png')).toMatchObject({ ok: true, width: 32, height: 32 });
    expect(await probeImage(fixture('mixed/dogs/poodle.bmp'), 'bmp')).toMatchObject({ ok: true, width: 32, height: 32 });
    expect(await probeImage(fixture('bmp/rle8.bmp'), 'bmp')).toMatchObject({ ok: true, width: 13, height: 7 });
    const photo = await sharp({ create: { width: 4000, height: 3000, channels: 3, background: '#884422' } }).jpeg().toBuffer();
    expect(await probeImage(photo, 'jpeg')).toMatchObject({ ok: true, width: 4000, height: 3000 });
  });

  it('parses PRETEXT_MAX_IMAGE_PIXELS strictly', () => {
    expect(parseMaxImagePixels('1000')).toBe(1000);
    expect(parseMaxImagePixels(' 250_000_000 ')).toBe(250_000_000);
    expect(parseMaxImagePixels('300,000,000')).toBe(300_000_000);
    for (const bad of [undefined, '', '0', '-5', '1.5', '1e9', 'lots', '99999999999999999999']) {
      expect(parseMaxImagePixels(bad)).toBeNull();
    }
    expect(maxImagePixels()).toBe(DEFAULT_MAX_IMAGE_PIXELS);
  });
});

describe('PRETEXT_MAX_IMAGE_PIXELS', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.resetModules();
    vi.restoreAllMocks();
  });

  it('sets the limit for the whole process, read once', async () => {
    vi.stubEnv('PRETEXT_MAX_IMAGE_PIXELS', '1000');
    vi.resetModules();
    const image = await import('../../../src-main/core/datasets/decode-image');
    expect(image.maxImagePixels()).toBe(1000);
    expect(await image.probeImage(rgbBmp(64, 64), 'bmp')).toEqual({
      ok: false,
      reason: 'image too large (64×64 = 4,096 pixels; the limit is 1,000 pixels, set PRETEXT_MAX_IMAGE_PIXELS to raise it)',
    });
    vi.stubEnv('PRETEXT_MAX_IMAGE_PIXELS', '5'); // read once: a later change has no effect
    expect(image.maxImagePixels()).toBe(1000);
    expect(await image.probeImage(rgbBmp(64, 64), 'bmp', { maxPixels: 10_000 })).toMatchObject({ ok: true });
  });

  it('can raise the limit above the default', async () => {
    vi.stubEnv('PRETEXT_MAX_IMAGE_PIXELS', '300000000');
    vi.resetModules();
    const image = await import('../../../src-main/core/datasets/decode-image');
    // Over our old and sharp's default limit: sharp's check gets the raised limit as well.
    const reason = (await image.probeImage(pngHeaderBomb(16384, 16384), 'png')) as { ok: false; reason: string };
    expect(reason.ok).toBe(false);
    expect(reason.reason).not.toMatch(/too large/); // decoded (and found truncated), not refused by size
  });

  it('ignores an invalid value with a warning, without crashing', async () => {
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    vi.stubEnv('PRETEXT_MAX_IMAGE_PIXELS', 'a lot');
    vi.resetModules();
    const image = await import('../../../src-main/core/datasets/decode-image');
    expect(await image.probeImage(rgbBmp(64, 64), 'bmp')).toMatchObject({ ok: true });
    expect(image.maxImagePixels()).toBe(image.DEFAULT_MAX_IMAGE_PIXELS);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]![0])).toContain('PRETEXT_MAX_IMAGE_PIXELS="a lot" is not a positive integer');
  });
});

describe('WAV sizes against the file', () => {
  it('refuses a WAV whose data chunk claims 4 GB with a few hundred bytes present', async () => {
    const bomb = wav(200, { dataSize: 0xfffffff0 });
    expect(bomb.length).toBe(444);
    const reason = 'WAV header claims 4.0 GB of audio data but the file has 444 bytes (truncated, or the header is wrong)';
    const { result, ms, rssRise } = await measure(() => probeAudio(bomb, 'wav'));
    expect(result).toEqual({ ok: false, reason });
    expect(ms).toBeLessThan(500);
    expect(rssRise).toBeLessThan(100 * MB);
    await expect(decodeAudioMono(bomb, 'wav')).rejects.toThrow(reason);
  });

  it('names the size of a truncated file in KB', async () => {
    const good = fixture('mixed/tones/a440.wav');
    expect(await probeAudio(good.subarray(0, 1234), 'wav')).toEqual({
      ok: false,
      reason: 'WAV header claims 15.6 KB of audio data but the file has 1.2 KB (truncated, or the header is wrong)',
    });
  });

  it('refuses a RIFF size beyond the file even when the data chunk fits', () => {
    expect(wavSizeProblem(wav(200, { riffSize: 0xfffffff0 }))).toBe(
      'WAV header claims a file of 4.0 GB but the file has 444 bytes (truncated, or the header is wrong)',
    );
  });

  it('explains the 0xFFFFFFFF sizes of a WAV written to a pipe', () => {
    expect(wavSizeProblem(wav(200, { riffSize: 0xffffffff, dataSize: 0xffffffff }))).toBe(
      'WAV header claims 4.0 GB of audio data but the file has 444 bytes ' +
        '(the size was never filled in, as when a WAV is written to a pipe; rewriting it with ffmpeg or sox fixes that)',
    );
  });

  it('accepts exact sizes, a missing pad byte, and data claiming less than is there', async () => {
    expect(await probeAudio(wav(200), 'wav')).toMatchObject({ ok: true, durationSec: 200 / 8000 });
    // 8-bit-style odd data length: the chunk says one byte more than the file has (the pad byte).
    expect(wavSizeProblem(wav(200, { dataSize: 401 }))).toBeNull();
    expect(wavSizeProblem(wav(200, { dataSize: 402 }))).toMatch(/^WAV header claims 402 bytes of audio data but the file has 444 bytes/);
    expect(await probeAudio(wav(200, { dataSize: 100 }), 'wav')).toMatchObject({ ok: true, durationSec: 50 / 8000 });
    for (const rel of ['mixed/tones/a440.wav', 'mixed/speech/hello.wav', 'bad/good.wav', 'bad/header-only.wav']) {
      expect(wavSizeProblem(fixture(rel))).toBeNull();
    }
  });

  it('walks past other chunks to the data chunk', () => {
    const plain = Buffer.from(wav(100));
    const list = Buffer.concat([Buffer.from('LIST', 'ascii'), Buffer.from([3, 0, 0, 0]), Buffer.from('abc'), Buffer.alloc(1)]);
    const withList = Buffer.concat([plain.subarray(0, 36), list, plain.subarray(36)]);
    withList.writeUInt32LE(withList.length - 8, 4);
    expect(wavSizeProblem(new Uint8Array(withList))).toBeNull();
    withList.writeUInt32LE(0xfffffff0, 36 + list.length + 4);
    expect(wavSizeProblem(new Uint8Array(withList))).toMatch(/^WAV header claims 4\.0 GB of audio data/);
  });

  it('leaves other formats and non-RIFF bytes to the decoders', async () => {
    expect(wavSizeProblem(fixture('mixed/tones/chord.flac'))).toBeNull();
    expect(wavSizeProblem(new Uint8Array(0))).toBeNull();
    expect(await probeAudio(fixture('mixed/tones/chord.flac'), 'flac')).toMatchObject({ ok: true });
  });
});
