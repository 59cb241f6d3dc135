import { describe, expect, it } from 'vitest';
import {
  SNIPPET_CHARS,
  decodeUtf8,
  findInvalidUtf8,
  textMeta,
} from '../../../src-main/core/datasets/decode-text';
import { fixture } from './helpers';

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
const bytes = (...values: number[]): Uint8Array => new Uint8Array(values);
const utf16 = (s: string, littleEndian: boolean): Uint8Array => {
  const out = new Uint8Array(2 + s.length * 2);
  out.set(littleEndian ? [0xff, 0xfe] : [0xfe, 0xff]);
  for (let i = 0; i < s.length; i++) {
    const u = s.charCodeAt(i);
    out[2 + i * 2] = littleEndian ? u & 0xff : u >> 8;
    out[3 + i * 2] = littleEndian ? u >> 8 : u & 0xff;
  }
  return out;
};

describe('decodeUtf8', () => {
  it('decodes UTF-8, keeping every character', () => {
    expect(decodeUtf8(utf8('Grüße, 世界 🐈\n'))).toEqual({ ok: true, text: 'Grüße, 世界 🐈\n' });
    expect(decodeUtf8(fixture('bad/good.txt'))).toEqual({ ok: true, text: 'A perfectly ordinary sentence.\n' });
  });

  it('strips a UTF-8 byte-order mark', () => {
    expect(decodeUtf8(bytes(0xef, 0xbb, 0xbf, ...utf8('hi')))).toEqual({ ok: true, text: 'hi' });
  });

  it('decodes UTF-16 LE and BE when a byte-order mark says so, surrogate pairs included', () => {
    expect(decodeUtf16Both('Ünïcödé 🐈 text')).toEqual([
      { ok: true, text: 'Ünïcödé 🐈 text' },
      { ok: true, text: 'Ünïcödé 🐈 text' },
    ]);
  });

  it('rejects broken UTF-16 with the offset', () => {
    const odd = utf16('ab', true).subarray(0, 5);
    expect(decodeUtf8(odd)).toEqual({ ok: false, reason: 'not valid UTF-16LE (odd number of bytes: 5)' });
    const lone = utf16('a\ud83d', true); // a high surrogate with nothing after it
    expect(decodeUtf8(lone)).toEqual({ ok: false, reason: 'not valid UTF-16LE (unpaired surrogate 0xD83D at offset 4)' });
    const lowFirst = utf16('\udc00a', false);
    expect(decodeUtf8(lowFirst)).toEqual({ ok: false, reason: 'not valid UTF-16BE (unpaired surrogate 0xDC00 at offset 2)' });
    expect(decodeUtf8(utf16('a\0b', true))).toEqual({ ok: false, reason: 'binary data (NUL character at offset 4)' });
  });

  it('rejects Latin-1 with the offset of the first invalid byte', () => {
    // "Café crème brûlée": é is 0xE9 at offset 3.
    expect(decodeUtf8(fixture('bad/latin1.txt'))).toEqual({ ok: false, reason: 'not valid UTF-8 (invalid byte 0xE9 at offset 3)' });
    const later = new Uint8Array([...utf8('the first line is fine\nbut not '), 0xe9, 0x74, 0xe9]);
    expect(decodeUtf8(later)).toEqual({ ok: false, reason: 'not valid UTF-8 (invalid byte 0xE9 at offset 31)' });
  });

  it('counts offsets in the file, BOM included', () => {
    expect(decodeUtf8(bytes(0xef, 0xbb, 0xbf, 0x61, 0xff))).toEqual({ ok: false, reason: 'not valid UTF-8 (invalid byte 0xFF at offset 4)' });
  });

  it('reports a character cut off at the end of the file', () => {
    const cut = utf8('ok 世').subarray(0, 5); // 世 is E4 B8 96; keep only E4 B8
    expect(decodeUtf8(cut)).toEqual({ ok: false, reason: 'not valid UTF-8 (incomplete character 0xE4 at the end, offset 3)' });
  });

  it('rejects NUL bytes as binary data', () => {
    expect(decodeUtf8(fixture('bad/binary.txt'))).toEqual({ ok: false, reason: 'binary data (NUL byte at offset 3)' });
    expect(decodeUtf8(bytes(0x61, 0x62, 0x00))).toEqual({ ok: false, reason: 'binary data (NUL byte at offset 2)' });
  });

  it('rejects text that is empty or only whitespace', () => {
    expect(decodeUtf8(new Uint8Array(0))).toEqual({ ok: false, reason: 'empty text' });
    expect(decodeUtf8(utf8(' \n\t\r\n\u00a0'))).toEqual({ ok: false, reason: 'empty text' });
    expect(decodeUtf8(bytes(0xef, 0xbb, 0xbf))).toEqual({ ok: false, reason: 'empty text' });
    expect(decodeUtf8(utf16('  ', true))).toEqual({ ok: false, reason: 'empty text' });
  });
});

function decodeUtf16Both(s: string): unknown[] {
  return [decodeUtf8(utf16(s, true)), decodeUtf8(utf16(s, false))];
}

describe('findInvalidUtf8', () => {
  // Each case must agree with the WHATWG decoder, which is what decodeUtf8 uses to accept text.
  const fatal = new TextDecoder('utf-8', { fatal: true });
  const valid = (b: Uint8Array): boolean => {
    try {
      fatal.decode(b);
      return true;
    } catch {
      return false;
    }
  };

  it.each([
    ['overlong 2-byte', [0xc0, 0xaf], 0],
    ['overlong 3-byte', [0x61, 0xe0, 0x80, 0xaf], 1],
    ['overlong 4-byte', [0xf0, 0x80, 0x80, 0xaf], 0],
    ['UTF-16 surrogate', [0xed, 0xa0, 0x80], 0],
    ['above U+10FFFF', [0xf4, 0x90, 0x80, 0x80], 0],
    ['invalid lead F5', [0x61, 0x62, 0xf5, 0x80, 0x80, 0x80], 2],
    ['stray continuation', [0x61, 0x80], 1],
    ['lead without continuation', [0xc3, 0x61], 0],
  ])('finds %s at the right offset', (_name, input, offset) => {
    const b = new Uint8Array(input);
    expect(valid(b)).toBe(false);
    expect(findInvalidUtf8(b)?.offset).toBe(offset);
  });

  it('accepts the boundary code points a fatal TextDecoder accepts', () => {
    for (const s of ['\u0080', '\u07ff', '\u0800', '\uffff', '\u{10000}', '\u{10ffff}', '\ud7ff', '\ue000']) {
      const b = utf8(s);
      expect(valid(b)).toBe(true);
      expect(findInvalidUtf8(b)).toBeNull();
    }
  });

  it('agrees with TextDecoder on random bytes', () => {
    let seed = 12345;
    const rand = (): number => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 24;
    for (let n = 0; n < 2000; n++) {
      const b = new Uint8Array(1 + (n % 7));
      for (let i = 0; i < b.length; i++) b[i] = n % 3 === 0 ? 0x80 | (rand() & 0x7f) : rand();
      expect(findInvalidUtf8(b) === null).toBe(valid(b));
    }
  });
});

describe('textMeta', () => {
  it('counts code points, not UTF-16 units', () => {
    expect(textMeta('héllo 🐈').chars).toBe(7);
    expect(textMeta('').chars).toBe(0);
  });

  it('collapses whitespace and control characters in the snippet, keeping one line break per run that had one', () => {
    expect(textMeta('  # Title\n\n\tSome   text\r\nhere.\u0007 ').snippet).toBe('# Title\nSome text\nhere.');
    expect(textMeta('a \t b').snippet).toBe('a b');
  });

  it('keeps a short text whole, without an ellipsis', () => {
    const t = 'x'.repeat(SNIPPET_CHARS);
    expect(textMeta(t).snippet).toBe(t);
    expect(textMeta(`${t}   \n`).snippet).toBe(t);
  });

  it('cuts long text at SNIPPET_CHARS code points with an ellipsis, never inside a surrogate pair', () => {
    const long = '🐈'.repeat(SNIPPET_CHARS + 50);
    const { snippet, chars } = textMeta(long);
    expect(chars).toBe(SNIPPET_CHARS + 50);
    expect(snippet).toBe('🐈'.repeat(SNIPPET_CHARS) + '…');
    const words = Array.from({ length: 200 }, (_, i) => `w${i}`).join('   ');
    const cut = textMeta(words).snippet;
    expect([...cut].length).toBeLessThanOrEqual(SNIPPET_CHARS + 1);
    expect(cut.endsWith('…')).toBe(true);
    expect(cut).not.toMatch(/\s…$/);
    expect(words.replace(/\s+/g, ' ').startsWith(cut.slice(0, -1))).toBe(true);
  });
});
