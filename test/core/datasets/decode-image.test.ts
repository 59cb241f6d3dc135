import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { decodeImageRaw, probeImage, thumbnail } from '../../../src-main/core/datasets/decode-image';
import { fixture } from './helpers';

const solid = (width: number, height: number, background: string, channels: 3 | 4 = 3) =>
  sharp({ create: { width, height, channels, background } });

/** A single-channel (greyscale) PNG. */
const greyOneChannel = (size: number, level: number): Promise<Buffer> =>
  sharp(Buffer.alloc(size * size, level), { raw: { width: size, height: size, channels: 1 } }).toColourspace('b-w').png().toBuffer();

describe('probeImage', () => {
  it.each([
    ['mixed/cats/tabby.png', 'png', 4],
    ['mixed/cats/ginger.jpg', 'jpeg', 3],
    ['mixed/cats/siamese.webp', 'webp', 3],
    ['mixed/dogs/poodle.bmp', 'bmp', 3],
    ['mixed/dogs/husky.png', 'png', 4],
  ] as const)('reads %s fully: 32×32, %s, %i channels, coloured', async (rel, format, channels) => {
    expect(await probeImage(fixture(rel), format)).toEqual({ ok: true, width: 32, height: 32, channels, hasColour: true });
  });

  it('uses the first frame of an animated GIF (32×32, not the 32×64 strip of both frames)', async () => {
    expect(await probeImage(fixture('mixed/dogs/beagle.gif'), 'gif')).toEqual({ ok: true, width: 32, height: 32, channels: 4, hasColour: true });
  });

  it('reports the displayed size of an EXIF-rotated JPEG', async () => {
    const rotated = await solid(40, 20, '#c04020').jpeg().withMetadata({ orientation: 6 }).toBuffer();
    expect(await probeImage(rotated, 'jpeg')).toMatchObject({ ok: true, width: 20, height: 40 });
  });

  it('tells grey images from coloured ones, whatever their channel count', async () => {
    const greyRgbJpeg = await solid(16, 16, '#777777').jpeg().toBuffer();
    expect(await probeImage(greyRgbJpeg, 'jpeg')).toEqual({ ok: true, width: 16, height: 16, channels: 3, hasColour: false });
    const greyPng = await greyOneChannel(16, 0x77);
    expect((await sharp(greyPng).metadata()).channels).toBe(1);
    expect(await probeImage(greyPng, 'png')).toEqual({ ok: true, width: 16, height: 16, channels: 1, hasColour: false });
    // One coloured square on grey is colour.
    const dot = await solid(16, 16, '#777777')
      .composite([{ input: await solid(2, 2, '#ff0000').png().toBuffer(), left: 7, top: 7 }])
      .png()
      .toBuffer();
    expect(await probeImage(dot, 'png')).toMatchObject({ ok: true, hasColour: true });
  });

  it('rejects a truncated PNG, which its header alone would not reveal', async () => {
    const truncated = fixture('bad/truncated.png');
    expect((await sharp(truncated).metadata()).width).toBe(24); // the header is intact
    expect(await probeImage(truncated, 'png')).toEqual({ ok: false, reason: 'corrupt or truncated PNG (vipspng: libpng read error)' });
  });

  it('rejects a truncated JPEG', async () => {
    expect(await probeImage(fixture('bad/truncated.jpg'), 'jpeg')).toEqual({
      ok: false,
      reason: 'corrupt or truncated JPEG (VipsJpeg: premature end of JPEG image)',
    });
  });

  it('rejects truncated WebP and GIF, and a truncated BMP with its own reason', async () => {
    const webp = fixture('mixed/cats/siamese.webp');
    expect(await probeImage(webp.subarray(0, webp.length - 40), 'webp')).toEqual({
      ok: false,
      reason: 'corrupt or truncated WebP (Input buffer has corrupt header: webp: unable to parse image)',
    });
    const gif = fixture('mixed/dogs/beagle.gif');
    const gifProbe = await probeImage(gif.subarray(0, 200), 'gif');
    expect(gifProbe.ok).toBe(false);
    expect(!gifProbe.ok && gifProbe.reason).toMatch(/^corrupt or truncated GIF \(.*Unexpected end of GIF source data.*\)$/);
    const bmp = fixture('mixed/dogs/poodle.bmp');
    expect(await probeImage(bmp.subarray(0, 1000), 'bmp')).toEqual({
      ok: false,
      reason: 'truncated BMP (pixel data needs 3072 bytes from offset 54, the file has 946)',
    });
  });

  it('accepts a JPEG with a harmless warning (extraneous bytes before a marker)', async () => {
    const jpeg = await solid(40, 20, '#c04020').jpeg().toBuffer();
    const sos = jpeg.indexOf(Buffer.from([0xff, 0xda]));
    const warned = Buffer.concat([jpeg.subarray(0, sos), Buffer.from([0, 0]), jpeg.subarray(sos)]);
    // sharp's default (failOn 'warning') would reject this file; it displays fine everywhere.
    await expect(sharp(warned).raw().toBuffer()).rejects.toThrow(/extraneous bytes before marker/);
    expect(await probeImage(warned, 'jpeg')).toEqual({ ok: true, width: 40, height: 20, channels: 3, hasColour: true });
  });

  it('rejects random bytes and non-image formats with a reason', async () => {
    const junk = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3, 4, 5]);
    const probe = await probeImage(junk, 'png');
    expect(probe.ok).toBe(false);
    expect(!probe.ok && probe.reason).toMatch(/^corrupt or truncated PNG \(.+\)$/);
    expect(await probeImage(fixture('bad/good.txt'), 'txt')).toEqual({ ok: false, reason: 'txt is not an image format' });
  });

  it('reports the full size of a large image while decoding it at a reduced size', async () => {
    const big = await solid(3000, 2000, '#2080c0').jpeg().toBuffer();
    expect(await probeImage(big, 'jpeg')).toEqual({ ok: true, width: 3000, height: 2000, channels: 3, hasColour: true });
  });
});

describe('thumbnail', () => {
  it('makes a WebP fitting inside the box, keeping the aspect ratio', async () => {
    const wide = await solid(400, 100, '#20c040').png().toBuffer();
    const thumb = await thumbnail(wide, 'png', 128);
    expect(thumb.subarray(0, 4).toString('ascii')).toBe('RIFF');
    expect(thumb.subarray(8, 12).toString('ascii')).toBe('WEBP');
    const meta = await sharp(thumb).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['webp', 128, 32]);
  });

  it('defaults to 128 and never enlarges a small picture', async () => {
    const big = await thumbnail(await solid(300, 600, '#123456').jpeg().toBuffer(), 'jpeg');
    expect(await sharp(big).metadata()).toMatchObject({ width: 64, height: 128 });
    const small = await thumbnail(fixture('mixed/cats/tabby.png'), 'png', 128);
    expect(await sharp(small).metadata()).toMatchObject({ width: 32, height: 32 });
  });

  it('thumbnails BMP through the own decoder, and only the first frame of an animated GIF', async () => {
    const bmp = await thumbnail(fixture('mixed/dogs/poodle.bmp'), 'bmp', 16);
    expect(await sharp(bmp).metadata()).toMatchObject({ format: 'webp', width: 16, height: 16 });
    const gif = await thumbnail(fixture('mixed/dogs/beagle.gif'), 'gif', 64);
    const meta = await sharp(gif, { animated: true }).metadata();
    expect([meta.width, meta.height, meta.pages ?? 1]).toEqual([32, 32, 1]);
  });

  it('throws the probe reason for a broken image', async () => {
    await expect(thumbnail(fixture('bad/truncated.png'), 'png')).rejects.toThrow('corrupt or truncated PNG (vipspng: libpng read error)');
  });
});

describe('decodeImageRaw', () => {
  it('defaults to size×size RGB, centre-cropped', async () => {
    // Left half red, right half blue, 200×100: the centre crop keeps both halves equally.
    const img = await solid(200, 100, '#ff0000')
      .composite([{ input: await solid(100, 100, '#0000ff').png().toBuffer(), left: 100, top: 0 }])
      .png()
      .toBuffer();
    const raw = await decodeImageRaw(img, 'png', 8);
    expect([raw.width, raw.height, raw.channels, raw.data.length]).toEqual([8, 8, 3, 8 * 8 * 3]);
    expect([...raw.data.subarray(0, 3)]).toEqual([255, 0, 0]); // top-left is red
    expect([...raw.data.subarray(7 * 3, 8 * 3)]).toEqual([0, 0, 255]); // top-right is blue
  });

  it("fits inside the box with fit: 'inside'", async () => {
    const raw = await decodeImageRaw(await solid(200, 100, '#ff0000').png().toBuffer(), 'png', 8, { fit: 'inside' });
    expect([raw.width, raw.height, raw.data.length]).toEqual([8, 4, 8 * 4 * 3]);
  });

  it('flattens transparency onto white for RGB, and keeps it for RGBA', async () => {
    const clear = await solid(4, 4, '#ff000000', 4).png().toBuffer();
    const rgb = await decodeImageRaw(clear, 'png', 4);
    expect([...rgb.data.subarray(0, 3)]).toEqual([255, 255, 255]);
    const rgba = await decodeImageRaw(clear, 'png', 4, { channels: 4 });
    expect(rgba.channels).toBe(4);
    expect(rgba.data[3]).toBe(0);
  });

  it('expands grey images to three channels and decodes BMP', async () => {
    const grey = await decodeImageRaw(await greyOneChannel(8, 128), 'png', 4);
    expect(grey.channels).toBe(3);
    expect([...grey.data.subarray(0, 3)]).toEqual([128, 128, 128]);
    const bmp = await decodeImageRaw(fixture('mixed/dogs/poodle.bmp'), 'bmp', 32);
    expect([bmp.width, bmp.height, bmp.channels]).toEqual([32, 32, 3]);
    // The poodle picture's corner is its light-blue background (#9ac0e0).
    expect([...bmp.data.subarray(0, 3)]).toEqual([0x9a, 0xc0, 0xe0]);
  });

  it('throws the probe reason for a broken image', async () => {
    await expect(decodeImageRaw(fixture('bad/truncated.jpg'), 'jpeg', 8)).rejects.toThrow('corrupt or truncated JPEG');
  });
});
