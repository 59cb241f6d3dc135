import { describe, expect, it } from 'vitest';
import { detectFormat, extensionOf, sniffMagic, type Detection } from '../../../src-main/core/datasets/detect';
import { fixture } from './helpers';

/** The first 64 bytes, as the importer reads them. */
const head = (rel: string): Uint8Array => fixture(rel).subarray(0, 64);
const bytes = (...values: number[]): Uint8Array => new Uint8Array(values);
const text = (s: string): Uint8Array => new TextEncoder().encode(s);
/** A head padded to 64 bytes with a filler that is neither NUL nor a signature. */
const padded = (prefix: number[], filler = 0x41): Uint8Array => {
  const out = new Uint8Array(64).fill(filler);
  out.set(prefix);
  return out;
};

const supported = (format: string, modality: string, note?: string): Detection =>
  note === undefined
    ? { kind: 'supported', format: format as never, modality: modality as never }
    : { kind: 'supported', format: format as never, modality: modality as never, note };

describe('sniffMagic', () => {
  it.each([
    ['mixed/cats/tabby.png', 'png'],
    ['mixed/cats/ginger.jpg', 'jpeg'],
    ['mixed/cats/siamese.webp', 'webp'],
    ['mixed/dogs/beagle.gif', 'gif'],
    ['mixed/dogs/poodle.bmp', 'bmp'],
    ['bmp/core24.bmp', 'bmp'],
    ['bmp/v5-argb32.bmp', 'bmp'],
    ['mixed/tones/a440.wav', 'wav'],
    ['mixed/tones/chord.flac', 'flac'],
    ['mixed/tones/sweep.ogg', 'ogg'],
    ['mixed/tones/silence.mp3', 'mp3'],
  ])('recognises %s as %s from its first 64 bytes', (rel, format) => {
    expect(sniffMagic(head(rel))).toBe(format);
  });

  it('recognises both GIF versions and an ID3-tagged MP3', () => {
    expect(sniffMagic(padded([...text('GIF87a')]))).toBe('gif');
    expect(sniffMagic(padded([...text('GIF89a')]))).toBe('gif');
    expect(sniffMagic(padded([...text('ID3'), 3, 0, 0, 0, 0, 0x21]))).toBe('mp3');
  });

  it('accepts MPEG frame syncs only with valid version, Layer III, bitrate, sample rate and emphasis bits', () => {
    expect(sniffMagic(bytes(0xff, 0xfb, 0x90, 0x64))).toBe('mp3'); // MPEG-1 L3 128k 44.1k
    expect(sniffMagic(bytes(0xff, 0xf3, 0x48, 0xc4))).toBe('mp3'); // MPEG-2 L3
    expect(sniffMagic(bytes(0xff, 0xe3, 0x48, 0xc4))).toBe('mp3'); // MPEG-2.5 L3
    expect(sniffMagic(bytes(0xff, 0xeb, 0x90, 0x64))).toBeNull(); // version 01 is reserved
    expect(sniffMagic(bytes(0xff, 0xfd, 0x90, 0x64))).toBeNull(); // Layer II is not MP3
    expect(sniffMagic(bytes(0xff, 0xf9, 0x90, 0x64))).toBeNull(); // layer 00 reserved (AAC ADTS syncs like this)
    expect(sniffMagic(bytes(0xff, 0xfb, 0xf0, 0x64))).toBeNull(); // bitrate 1111 is forbidden
    expect(sniffMagic(bytes(0xff, 0xfb, 0x00, 0x64))).toBeNull(); // free bitrate: not accepted from a head
    expect(sniffMagic(bytes(0xff, 0xfb, 0x9c, 0x64))).toBeNull(); // sample rate 11 is reserved
    expect(sniffMagic(bytes(0xff, 0xfb, 0x90, 0x66))).toBeNull(); // emphasis 10 is reserved
    expect(sniffMagic(bytes(0xff, 0xfb, 0x90))).toBeNull(); // too short for a header
  });

  it('does not take a UTF-16 LE byte-order mark for an MPEG frame sync', () => {
    // FF FE then "H" would parse as an MPEG-1 Layer I header.
    expect(sniffMagic(new Uint8Array([0xff, 0xfe, 0x48, 0x00, 0x69, 0x00]))).toBeNull();
  });

  it('requires a plausible header after "BM", not just the two letters', () => {
    expect(sniffMagic(text('BMW owners club newsletter, issue 12, page 4: the road trip'))).toBeNull();
    const bmp = fixture('bmp/rgb24.bmp');
    const badPlanes = bmp.slice(0, 64);
    badPlanes[26] = 3;
    expect(sniffMagic(badPlanes)).toBeNull();
    const badHeaderSize = bmp.slice(0, 64);
    badHeaderSize[14] = 41;
    expect(sniffMagic(badHeaderSize)).toBeNull();
    const badBpp = bmp.slice(0, 64);
    badBpp[28] = 7;
    expect(sniffMagic(badBpp)).toBeNull();
  });

  it('checks the byte after fLaC and OggS, so prose that starts with them is not audio', () => {
    expect(sniffMagic(text('fLaC is how the FLAC format spells its signature'))).toBeNull();
    expect(sniffMagic(text('OggS and other containers'))).toBeNull();
  });

  it('needs the whole signature', () => {
    expect(sniffMagic(bytes(0x89, 0x50, 0x4e, 0x47))).toBeNull();
    expect(sniffMagic(text('RIFF'))).toBeNull();
    expect(sniffMagic(padded([...text('RIFF'), 0, 0, 0, 0, ...text('AVI ')]))).toBeNull();
  });
});

describe('extensionOf', () => {
  it('lower-cases, takes the last dot, ignores folders and leading dots', () => {
    expect(extensionOf('Photo.JPG')).toBe('jpg');
    expect(extensionOf('archive.tar.GZ')).toBe('gz');
    expect(extensionOf('cats/v1.2/README')).toBe('');
    expect(extensionOf('.bashrc')).toBe('');
    expect(extensionOf('dir\\file.Txt')).toBe('txt');
    expect(extensionOf('ends-with-dot.')).toBe('');
  });
});

describe('detectFormat', () => {
  it('accepts each media fixture by content and name without a note', () => {
    expect(detectFormat('cats/tabby.png', head('mixed/cats/tabby.png'))).toEqual(supported('png', 'image'));
    expect(detectFormat('cats/ginger.jpg', head('mixed/cats/ginger.jpg'))).toEqual(supported('jpeg', 'image'));
    expect(detectFormat('x.JPEG', head('mixed/cats/ginger.jpg'))).toEqual(supported('jpeg', 'image'));
    expect(detectFormat('dogs/poodle.bmp', head('mixed/dogs/poodle.bmp'))).toEqual(supported('bmp', 'image'));
    expect(detectFormat('tones/a440.wav', head('mixed/tones/a440.wav'))).toEqual(supported('wav', 'audio'));
    expect(detectFormat('tones/silence.mp3', head('mixed/tones/silence.mp3'))).toEqual(supported('mp3', 'audio'));
    expect(detectFormat('tones/chord.flac', head('mixed/tones/chord.flac'))).toEqual(supported('flac', 'audio'));
  });

  it('accepts .ogg, .oga and .opus for Ogg content, case-insensitively', () => {
    for (const name of ['a.ogg', 'a.OGA', 'a.opus']) {
      expect(detectFormat(name, head('mixed/tones/sweep.ogg'))).toEqual(supported('ogg', 'audio'));
    }
  });

  it('lets content win when the extension disagrees, with a note', () => {
    expect(detectFormat('bad/misnamed.jpg', head('bad/misnamed.jpg'))).toEqual(
      supported('png', 'image', 'content is PNG although the name ends in .jpg'),
    );
    expect(detectFormat('download.dat', head('mixed/cats/ginger.jpg'))).toEqual(
      supported('jpeg', 'image', 'content is JPEG although the name ends in .dat'),
    );
    expect(detectFormat('IMG_0001', head('mixed/cats/tabby.png'))).toEqual(
      supported('png', 'image', 'content is PNG although the name has no extension'),
    );
    expect(detectFormat('song.wav', head('mixed/tones/silence.mp3'))).toEqual(
      supported('mp3', 'audio', 'content is MP3 although the name ends in .wav'),
    );
    // Even a text extension: a PNG named .txt is still a picture.
    expect(detectFormat('notes.txt', head('mixed/cats/tabby.png'))).toEqual(
      supported('png', 'image', 'content is PNG although the name ends in .txt'),
    );
  });

  it('accepts text extensions whose content is text', () => {
    expect(detectFormat('a.txt', text('hello'))).toEqual(supported('txt', 'text'));
    expect(detectFormat('a.TXT', text('hello'))).toEqual(supported('txt', 'text'));
    expect(detectFormat('a.md', text('# hi'))).toEqual(supported('md', 'text'));
    expect(detectFormat('a.markdown', text('# hi'))).toEqual(supported('md', 'text'));
    expect(detectFormat('a.csv', text('text,label\n'))).toEqual(supported('csv', 'text'));
    expect(detectFormat('a.tsv', text('text\tlabel\n'))).toEqual(supported('tsv', 'text'));
    expect(detectFormat('a.jsonl', text('{"text":"x"}\n'))).toEqual(supported('jsonl', 'text'));
    expect(detectFormat('a.ndjson', text('{"text":"x"}\n'))).toEqual(supported('jsonl', 'text'));
    // Latin-1 has no NUL bytes: detection accepts it, strict decoding rejects it later.
    expect(detectFormat('bad/latin1.txt', head('bad/latin1.txt'))).toEqual(supported('txt', 'text'));
  });

  it('accepts UTF-16 text with a byte-order mark (its NUL high bytes are not binary)', () => {
    const le = new Uint8Array([0xff, 0xfe, ...[...'Hello'].flatMap((c) => [c.charCodeAt(0), 0])]);
    const be = new Uint8Array([0xfe, 0xff, ...[...'Hello'].flatMap((c) => [0, c.charCodeAt(0)])]);
    expect(detectFormat('a.txt', le)).toEqual(supported('txt', 'text'));
    expect(detectFormat('a.csv', be)).toEqual(supported('csv', 'text'));
    const nulChar = new Uint8Array([0xff, 0xfe, 0x48, 0x00, 0x00, 0x00]);
    expect(detectFormat('a.txt', nulChar)).toEqual({
      kind: 'unsupported',
      reason: 'binary data in a .txt file (NUL character at offset 4)',
    });
  });

  it('rejects binary data with a text extension, naming the NUL byte', () => {
    expect(detectFormat('bad/binary.txt', head('bad/binary.txt'))).toEqual({
      kind: 'unsupported',
      reason: 'binary data in a .txt file (NUL byte at offset 3)',
    });
    expect(detectFormat('x.md', bytes(0x23, 0x20, 0x00))).toEqual({
      kind: 'unsupported',
      reason: 'binary data in a .md file (NUL byte at offset 2)',
    });
  });

  it('explains UTF-16 text saved without a byte-order mark', () => {
    const le = new Uint8Array([...'Hello, world'].flatMap((c) => [c.charCodeAt(0), 0]));
    expect(detectFormat('a.txt', le)).toEqual({
      kind: 'unsupported',
      reason: 'looks like UTF-16 text without a byte-order mark (NUL byte at offset 1); save it as UTF-8',
    });
  });

  it('names well-known unsupported formats found behind a text extension', () => {
    expect(detectFormat('report.txt', text('%PDF-1.7\n%âãÏÓ'))).toEqual({
      kind: 'unsupported',
      reason: 'content is a PDF document, not text',
    });
    expect(detectFormat('data.csv', bytes(0x50, 0x4b, 0x03, 0x04, 0x14, 0x00))).toEqual({
      kind: 'unsupported',
      reason: 'content is a ZIP archive (or an Office document), not text',
    });
  });

  it('rejects a media extension whose content is something else', () => {
    expect(detectFormat('bad/fake.png', head('bad/fake.png'))).toEqual({
      kind: 'unsupported',
      reason: 'the name ends in .png but the content is not PNG (it starts with 74 68 69 73)',
    });
    expect(detectFormat('clip.mp3', padded([0x00, 0x00, 0x00, 0x20, ...text('ftypM4A ')]))).toEqual({
      kind: 'unsupported',
      reason: 'the name ends in .mp3 but the content is not MP3 (it is an M4A (AAC) audio file)',
    });
    expect(detectFormat('photo.jpg', padded([0x00, 0x00, 0x00, 0x18, ...text('ftypheic')]))).toEqual({
      kind: 'unsupported',
      reason: 'the name ends in .jpg but the content is not JPEG (it is a HEIC/HEIF image)',
    });
  });

  it('rejects unknown extensions and names without one', () => {
    expect(detectFormat('bad/notes.xyz', head('bad/notes.xyz'))).toEqual({
      kind: 'unsupported',
      reason: 'unsupported file type .xyz',
    });
    expect(detectFormat('README', text('read me'))).toEqual({ kind: 'unsupported', reason: 'no file extension' });
    expect(detectFormat('scan.tiff', bytes(0x49, 0x49, 0x2a, 0x00, 8, 0, 0, 0))).toEqual({
      kind: 'unsupported',
      reason: 'unsupported file type .tiff (content is a TIFF image)',
    });
    expect(detectFormat('program.exe', text('MZ not a dataset file'))).toEqual({
      kind: 'unsupported',
      reason: 'unsupported file type .exe',
    });
  });

  it('rejects an empty file before anything else', () => {
    expect(detectFormat('bad/empty.wav', new Uint8Array(0))).toEqual({ kind: 'unsupported', reason: 'empty file (0 bytes)' });
    expect(detectFormat('a.txt', new Uint8Array(0))).toEqual({ kind: 'unsupported', reason: 'empty file (0 bytes)' });
  });

  it('works on files shorter than 64 bytes (the whole file is the head)', () => {
    expect(detectFormat('tiny.txt', text('hi'))).toEqual(supported('txt', 'text'));
    expect(detectFormat('tiny.wav', text('hi'))).toEqual({
      kind: 'unsupported',
      reason: 'the name ends in .wav but the content is not WAV (it starts with 68 69)',
    });
  });
});
