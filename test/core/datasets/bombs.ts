/**
 * Decompression bombs, built byte by byte so no big file is committed: small files whose headers
 * claim huge images or audio. Shared by decode-bombs.test.ts and bench/bomb-bench.ts (not a test
 * file itself).
 */
import { crc32, deflateSync } from 'node:zlib';

/**
 * An 8-bit RLE (BI_RLE8) BMP of width×height whose data is real: every row is runs of up to 255
 * pixels of palette colour `row % 4` and an end-of-line code, then end-of-bitmap. 16383×16383 is
 * about 2.2 MB and would decode to 1 GB of RGBA. With `rows`, only that many rows are written and
 * the bitmap ends early (valid RLE: the rest is left transparent), for a tiny file.
 */
export function rleBmp(width: number, height: number, rows = height): Uint8Array {
  const runsPerRow = Math.ceil(width / 255);
  const rowBytes = runsPerRow * 2 + 2;
  const palette = [
    [255, 0, 0],
    [0, 255, 0],
    [0, 0, 255],
    [255, 255, 255],
  ];
  const dataOffset = 14 + 40 + palette.length * 4;
  const out = Buffer.alloc(dataOffset + rows * rowBytes + 2);
  out.write('BM', 0, 'ascii');
  out.writeUInt32LE(out.length, 2);
  out.writeUInt32LE(dataOffset, 10);
  out.writeUInt32LE(40, 14);
  out.writeInt32LE(width, 18);
  out.writeInt32LE(height, 22);
  out.writeUInt16LE(1, 26); // planes
  out.writeUInt16LE(8, 28); // bits per pixel
  out.writeUInt32LE(1, 30); // BI_RLE8
  out.writeUInt32LE(out.length - dataOffset, 34);
  out.writeUInt32LE(palette.length, 46);
  palette.forEach(([r, g, b], i) => {
    out[54 + i * 4] = b!;
    out[54 + i * 4 + 1] = g!;
    out[54 + i * 4 + 2] = r!;
  });
  let p = dataOffset;
  for (let y = 0; y < rows; y++) {
    for (let left = width; left > 0; left -= 255) {
      out[p++] = Math.min(255, left);
      out[p++] = y % palette.length;
    }
    out[p++] = 0; // end of line
    out[p++] = 0;
  }
  out[p++] = 0; // end of bitmap
  out[p++] = 1;
  return new Uint8Array(out);
}

/** An uncompressed 24-bit BMP of width×height (a colour gradient), or only its header with `headerOnly`. */
export function rgbBmp(width: number, height: number, headerOnly = false): Uint8Array {
  const stride = Math.floor((24 * width + 31) / 32) * 4;
  const pixelBytes = headerOnly ? 0 : stride * height;
  const out = Buffer.alloc(54 + pixelBytes);
  out.write('BM', 0, 'ascii');
  out.writeUInt32LE(54 + stride * height, 2);
  out.writeUInt32LE(54, 10);
  out.writeUInt32LE(40, 14);
  out.writeInt32LE(width, 18);
  out.writeInt32LE(height, 22);
  out.writeUInt16LE(1, 26);
  out.writeUInt16LE(24, 28);
  out.writeUInt32LE(stride * height, 34);
  if (headerOnly) return new Uint8Array(Buffer.concat([out, Buffer.alloc(16)])); // a few pixels, far too few
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = 54 + y * stride + x * 3;
      out[p] = (x * 4) & 0xff; // blue
      out[p + 1] = (y * 4) & 0xff; // green
      out[p + 2] = 200; // red
    }
  }
  return new Uint8Array(out);
}

function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/**
 * A well-formed PNG whose IHDR says width×height (8-bit RGB) with a tiny IDAT (one scanline's
 * worth of zeros) and IEND: about 80 bytes claiming, at 100000×100000, 30 GB of pixels.
 */
export function pngHeaderBomb(width: number, height: number): Uint8Array {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // colour type: RGB
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const idat = deflateSync(Buffer.alloc(1 + Math.min(width, 1000) * 3));
  return new Uint8Array(Buffer.concat([signature, pngChunk('IHDR', ihdr), pngChunk('IDAT', idat), pngChunk('IEND', Buffer.alloc(0))]));
}

/**
 * A 16-bit mono PCM WAV at 8 kHz with `frames` real samples (a quiet sawtooth) whose `data` chunk
 * claims `dataSize` bytes (default: the truth) and whose RIFF size claims `riffSize` (default: the
 * truth, the file's length − 8).
 */
export function wav(frames: number, opts: { dataSize?: number; riffSize?: number } = {}): Uint8Array {
  const out = Buffer.alloc(44 + frames * 2);
  out.write('RIFF', 0, 'ascii');
  out.writeUInt32LE(opts.riffSize ?? out.length - 8, 4);
  out.write('WAVEfmt ', 8, 'ascii');
  out.writeUInt32LE(16, 16);
  out.writeUInt16LE(1, 20); // PCM
  out.writeUInt16LE(1, 22); // mono
  out.writeUInt32LE(8000, 24);
  out.writeUInt32LE(16000, 28);
  out.writeUInt16LE(2, 32);
  out.writeUInt16LE(16, 34);
  out.write('data', 36, 'ascii');
  out.writeUInt32LE(opts.dataSize ?? frames * 2, 40);
  for (let i = 0; i < frames; i++) out.writeInt16LE(((i % 64) - 32) * 100, 44 + i * 2);
  return new Uint8Array(out);
}
