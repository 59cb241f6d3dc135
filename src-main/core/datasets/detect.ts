/**
 * File type detection from content (magic bytes) and name together.
 *
 * Extensions lie: phones save HEIC as .jpg, downloads arrive as .dat, and text editors will happily
 * name anything .txt. So a recognised binary signature always decides the format, and the name only
 * adds a note when it disagrees. Text formats have no signature, so for them the extension decides
 * and the content only has to not look binary.
 *
 * Pure and synchronous: the caller reads the head of the file (the first 64 bytes or more, or the
 * whole file when it is smaller) and passes it here.
 */
import type { Modality } from '../../contract';

export type FileFormat =
  | 'png'
  | 'jpeg'
  | 'gif'
  | 'webp'
  | 'bmp'
  | 'wav'
  | 'mp3'
  | 'flac'
  | 'ogg'
  | 'txt'
  | 'md'
  | 'csv'
  | 'tsv'
  | 'jsonl';

export type Detection =
  | { kind: 'supported'; format: FileFormat; modality: Modality; note?: string }
  | { kind: 'unsupported'; reason: string };

/** Which modality each format's items belong to (table rows are text items). */
export const FORMAT_MODALITY: Readonly<Record<FileFormat, Modality>> = {
  png: 'image',
  jpeg: 'image',
  gif: 'image',
  webp: 'image',
  bmp: 'image',
  wav: 'audio',
  mp3: 'audio',
  flac: 'audio',
  ogg: 'audio',
  txt: 'text',
  md: 'text',
  csv: 'text',
  tsv: 'text',
  jsonl: 'text',
};

/** Human names used in notes and reasons. */
export const FORMAT_NAME: Readonly<Record<FileFormat, string>> = {
  png: 'PNG',
  jpeg: 'JPEG',
  gif: 'GIF',
  webp: 'WebP',
  bmp: 'BMP',
  wav: 'WAV',
  mp3: 'MP3',
  flac: 'FLAC',
  ogg: 'Ogg',
  txt: 'plain text',
  md: 'Markdown',
  csv: 'CSV',
  tsv: 'TSV',
  jsonl: 'JSON Lines',
};

/** Extensions (lower case, without the dot) and the format each one claims. */
export const EXTENSION_FORMAT: Readonly<Record<string, FileFormat>> = {
  png: 'png',
  jpg: 'jpeg',
  jpeg: 'jpeg',
  jpe: 'jpeg',
  jfif: 'jpeg',
  gif: 'gif',
  webp: 'webp',
  bmp: 'bmp',
  dib: 'bmp',
  wav: 'wav',
  wave: 'wav',
  mp3: 'mp3',
  flac: 'flac',
  ogg: 'ogg',
  oga: 'ogg',
  opus: 'ogg',
  txt: 'txt',
  text: 'txt',
  md: 'md',
  markdown: 'md',
  csv: 'csv',
  tsv: 'tsv',
  tab: 'tsv',
  jsonl: 'jsonl',
  ndjson: 'jsonl',
};

const TEXT_FORMATS: ReadonlySet<FileFormat> = new Set(['txt', 'md', 'csv', 'tsv', 'jsonl']);

export function isTextFormat(format: FileFormat): boolean {
  return TEXT_FORMATS.has(format);
}

/**
 * The extension of a file name or relative path: lower case, without the dot, '' when there is none.
 * A leading dot is part of the name, not an extension (".bashrc" has none).
 */
export function extensionOf(name: string): string {
  const base = name.slice(Math.max(name.lastIndexOf('/'), name.lastIndexOf('\\')) + 1);
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(dot + 1).toLowerCase() : '';
}

function startsWith(head: Uint8Array, bytes: readonly number[], at = 0): boolean {
  if (head.length < at + bytes.length) return false;
  for (let i = 0; i < bytes.length; i++) if (head[at + i] !== bytes[i]) return false;
  return true;
}

function ascii(head: Uint8Array, at: number, text: string): boolean {
  if (head.length < at + text.length) return false;
  for (let i = 0; i < text.length; i++) if (head[at + i] !== text.charCodeAt(i)) return false;
  return true;
}

function u16le(head: Uint8Array, at: number): number {
  return (head[at] ?? 0) | ((head[at + 1] ?? 0) << 8);
}

function u32le(head: Uint8Array, at: number): number {
  return ((head[at] ?? 0) | ((head[at + 1] ?? 0) << 8) | ((head[at + 2] ?? 0) << 16) | ((head[at + 3] ?? 0) << 24)) >>> 0;
}

/**
 * "BM" is only two letters, and plenty of text starts with them, so a BMP also needs a DIB header
 * of a size some writer actually uses, one colour plane, and a bit depth that exists.
 */
function looksLikeBmp(head: Uint8Array): boolean {
  if (!ascii(head, 0, 'BM') || head.length < 26) return false;
  const headerSize = u32le(head, 14);
  const dataOffset = u32le(head, 10);
  if (headerSize === 12) {
    // BITMAPCOREHEADER (OS/2 1.x): 16-bit width and height.
    const planes = u16le(head, 22);
    const bpp = u16le(head, 24);
    return planes === 1 && [1, 4, 8, 24].includes(bpp) && dataOffset >= 26;
  }
  if (![40, 52, 56, 64, 108, 124].includes(headerSize) || head.length < 30) return false;
  const planes = u16le(head, 26);
  const bpp = u16le(head, 28);
  return planes === 1 && [0, 1, 2, 4, 8, 16, 24, 32, 64].includes(bpp) && dataOffset >= 14 + headerSize;
}

/**
 * An MPEG audio frame header: 11 sync bits, then version (01 is reserved), layer (only Layer III is
 * MP3; 00 is reserved, and requiring Layer III also keeps a UTF-16 LE byte-order mark FF FE, which
 * reads as Layer I, from passing for MP3), a bitrate index that is neither free (0000, rare and
 * unbounded) nor forbidden (1111), a sample-rate index other than the reserved 11, and an emphasis
 * other than the reserved 10.
 */
function isMpegLayer3Frame(head: Uint8Array, at = 0): boolean {
  if (head.length < at + 4) return false;
  const b1 = head[at + 1] ?? 0;
  const b2 = head[at + 2] ?? 0;
  const b3 = head[at + 3] ?? 0;
  if (head[at] !== 0xff || (b1 & 0xe0) !== 0xe0) return false;
  const version = (b1 >> 3) & 0b11;
  const layer = (b1 >> 1) & 0b11;
  const bitrate = b2 >> 4;
  const sampleRate = (b2 >> 2) & 0b11;
  const emphasis = b3 & 0b11;
  return version !== 0b01 && layer === 0b01 && bitrate !== 0 && bitrate !== 0b1111 && sampleRate !== 0b11 && emphasis !== 0b10;
}

/** The format a file's first bytes prove, or null when they match no supported signature. */
export function sniffMagic(head: Uint8Array): FileFormat | null {
  if (startsWith(head, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'png';
  if (startsWith(head, [0xff, 0xd8, 0xff])) return 'jpeg';
  if (ascii(head, 0, 'GIF87a') || ascii(head, 0, 'GIF89a')) return 'gif';
  if (ascii(head, 0, 'RIFF') && ascii(head, 8, 'WEBP')) return 'webp';
  if (ascii(head, 0, 'RIFF') && ascii(head, 8, 'WAVE')) return 'wav';
  // Four letters alone could start a text file, so check the byte after them too: FLAC's first
  // metadata block must be STREAMINFO (type 0), and an Ogg page header's version is 0.
  if (ascii(head, 0, 'fLaC') && head.length >= 5 && ((head[4] ?? 0) & 0x7f) === 0) return 'flac';
  if (ascii(head, 0, 'OggS') && head.length >= 5 && head[4] === 0) return 'ogg';
  // ID3v2 tag: "ID3", a major version 2..4, a revision below 0xFF.
  if (ascii(head, 0, 'ID3') && head.length >= 5 && (head[3] ?? 0) >= 2 && (head[3] ?? 0) <= 4 && head[4] !== 0xff) return 'mp3';
  if (isMpegLayer3Frame(head)) return 'mp3';
  if (looksLikeBmp(head)) return 'bmp';
  return null;
}

/**
 * Signatures of common formats Pretext does not import, so a reason can say what the file is
 * ("content is a PDF document") instead of only what it is not.
 */
export function describeOtherBinary(head: Uint8Array): string | null {
  if (ascii(head, 0, '%PDF-')) return 'a PDF document';
  if (startsWith(head, [0x50, 0x4b, 0x03, 0x04]) || startsWith(head, [0x50, 0x4b, 0x05, 0x06])) return 'a ZIP archive (or an Office document)';
  if (startsWith(head, [0x1f, 0x8b])) return 'gzip-compressed data';
  if (startsWith(head, [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c])) return 'a 7-Zip archive';
  if (ascii(head, 0, 'Rar!')) return 'a RAR archive';
  if (startsWith(head, [0x49, 0x49, 0x2a, 0x00]) || startsWith(head, [0x4d, 0x4d, 0x00, 0x2a])) return 'a TIFF image';
  if (ascii(head, 4, 'ftyp')) {
    const brand = String.fromCharCode(...head.subarray(8, 12)).trim();
    if (['heic', 'heix', 'hevc', 'mif1', 'msf1'].includes(brand)) return 'a HEIC/HEIF image';
    if (brand === 'avif' || brand === 'avis') return 'an AVIF image';
    if (brand === 'M4A' || brand === 'M4B') return 'an M4A (AAC) audio file';
    return `an MP4/QuickTime container (brand "${brand}")`;
  }
  if (ascii(head, 0, 'FORM') && (ascii(head, 8, 'AIFF') || ascii(head, 8, 'AIFC'))) return 'an AIFF audio file';
  if (ascii(head, 0, 'RIFF') && ascii(head, 8, 'AVI ')) return 'an AVI video';
  if (startsWith(head, [0x1a, 0x45, 0xdf, 0xa3])) return 'a Matroska/WebM video';
  if (startsWith(head, [0x7f, 0x45, 0x4c, 0x46])) return 'an ELF executable';
  if (ascii(head, 0, 'SQLite format 3')) return 'an SQLite database';
  return null;
}

function hex(head: Uint8Array, count = 4): string {
  return Array.from(head.subarray(0, count), (b) => b.toString(16).toUpperCase().padStart(2, '0')).join(' ');
}

function nameEnding(ext: string): string {
  return ext === '' ? 'the name has no extension' : `the name ends in .${ext}`;
}

/**
 * Why a head that should be text looks binary, or null when it looks like text.
 * A NUL byte never occurs in UTF-8 text, but it is in every other ASCII character of UTF-16 text,
 * so a byte-order mark switches the check to 16-bit units, and NULs at every other offset get a
 * hint that the file is probably UTF-16 saved without one.
 */
export function binaryTextReason(head: Uint8Array, ext: string): string | null {
  const where = ext === '' ? 'a file' : `a .${ext} file`;
  if (startsWith(head, [0xff, 0xfe]) || startsWith(head, [0xfe, 0xff])) {
    for (let i = 2; i + 1 < head.length; i += 2) {
      if (head[i] === 0 && head[i + 1] === 0) return `binary data in ${where} (NUL character at offset ${i})`;
    }
    return null;
  }
  const nul = head.indexOf(0);
  if (nul < 0) return null;
  if (looksLikeUtf16WithoutBom(head)) {
    return `looks like UTF-16 text without a byte-order mark (NUL byte at offset ${nul}); save it as UTF-8`;
  }
  return `binary data in ${where} (NUL byte at offset ${nul})`;
}

/** ASCII text in UTF-16: every other byte is NUL and the bytes between are printable. */
function looksLikeUtf16WithoutBom(head: Uint8Array): boolean {
  const n = head.length - (head.length % 2);
  if (n < 4) return false;
  for (const zeroAt of [0, 1]) {
    let ok = true;
    for (let i = 0; i < n && ok; i += 2) {
      const zero = head[i + zeroAt];
      const other = head[i + 1 - zeroAt] ?? 0;
      ok = zero === 0 && other !== 0 && (other >= 0x20 || other === 0x09 || other === 0x0a || other === 0x0d);
    }
    if (ok) return true;
  }
  return false;
}

/**
 * Decides what a file is. `name` may be a bare name or a relative path; `head` is the start of the
 * file (at least 64 bytes, or the whole file when it is smaller — so an empty head is an empty file).
 */
export function detectFormat(name: string, head: Uint8Array): Detection {
  if (head.length === 0) return { kind: 'unsupported', reason: 'empty file (0 bytes)' };
  const ext = extensionOf(name);
  const claimed = EXTENSION_FORMAT[ext];
  const sniffed = sniffMagic(head);

  if (sniffed) {
    // Content wins: a PNG named .jpg, .dat or even .txt is still a PNG.
    const detection: Detection = { kind: 'supported', format: sniffed, modality: FORMAT_MODALITY[sniffed] };
    if (claimed !== sniffed) detection.note = `content is ${FORMAT_NAME[sniffed]} although ${nameEnding(ext)}`;
    return detection;
  }

  if (claimed && isTextFormat(claimed)) {
    const other = describeOtherBinary(head);
    if (other) return { kind: 'unsupported', reason: `content is ${other}, not text` };
    const binary = binaryTextReason(head, ext);
    if (binary) return { kind: 'unsupported', reason: binary };
    return { kind: 'supported', format: claimed, modality: 'text' };
  }

  if (claimed) {
    // A media extension whose content has none of that format's signatures.
    const other = describeOtherBinary(head);
    const what = other ? `it is ${other}` : `it starts with ${hex(head)}`;
    return {
      kind: 'unsupported',
      reason: `the name ends in .${ext} but the content is not ${FORMAT_NAME[claimed]} (${what})`,
    };
  }

  const other = describeOtherBinary(head);
  const suffix = other ? ` (content is ${other})` : '';
  if (ext === '') return { kind: 'unsupported', reason: `no file extension${suffix}` };
  return { kind: 'unsupported', reason: `unsupported file type .${ext}${suffix}` };
}
