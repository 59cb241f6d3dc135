/**
 * Strict text decoding for .txt/.md files: UTF-8 (with or without a BOM), or UTF-16 when a
 * byte-order mark says so. Anything else is rejected with the offset of the first bad byte, because
 * silently decoding Latin-1 as UTF-8 fills a dataset with U+FFFD and mojibake that nobody notices
 * until the embeddings are wrong.
 */

export type DecodedText = { ok: true; text: string } | { ok: false; reason: string };

export interface TextMeta {
  /** Length in Unicode code points (an emoji counts once). */
  chars: number;
  /** The start of the text for previews: each run of whitespace becomes one line break (if it held one) or one space. */
  snippet: string;
}

/** How many code points a snippet keeps before it is cut with an ellipsis. */
export const SNIPPET_CHARS = 300;

export interface InvalidUtf8 {
  /** Offset of the first byte of the ill-formed sequence. */
  offset: number;
  /** The byte at that offset. */
  byte: number;
  /** True when the sequence was well-formed so far but the data ended in the middle of it. */
  truncated: boolean;
}

const utf8Fatal = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Finds the first ill-formed UTF-8 sequence in bytes[start, end), per the Unicode standard's
 * table of well-formed byte sequences (so overlong forms, surrogates and code points above
 * U+10FFFF are all errors, exactly as a fatal TextDecoder sees them). Returns null when valid.
 * TextDecoder only says "invalid"; this says where, which is what a user needs to fix the file.
 */
export function findInvalidUtf8(bytes: Uint8Array, start = 0, end = bytes.length): InvalidUtf8 | null {
  let i = start;
  while (i < end) {
    const b = bytes[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) need = 1;
    else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      if (b === 0xe0) lo = 0xa0; // overlong
      if (b === 0xed) hi = 0x9f; // UTF-16 surrogates
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      if (b === 0xf0) lo = 0x90; // overlong
      if (b === 0xf4) hi = 0x8f; // above U+10FFFF
    } else {
      return { offset: i, byte: b, truncated: false };
    }
    for (let k = 1; k <= need; k++) {
      if (i + k >= end) return { offset: i, byte: b, truncated: true };
      const c = bytes[i + k]!;
      const min = k === 1 ? lo : 0x80;
      const max = k === 1 ? hi : 0xbf;
      if (c < min || c > max) return { offset: i, byte: b, truncated: false };
    }
    i += need + 1;
  }
  return null;
}

/** The reason text for an invalid UTF-8 finding; `base` shifts offsets to be file-relative. */
export function describeInvalidUtf8(bad: InvalidUtf8, base = 0): string {
  const byte = `0x${bad.byte.toString(16).toUpperCase().padStart(2, '0')}`;
  if (bad.truncated) return `not valid UTF-8 (incomplete character ${byte} at the end, offset ${bad.offset + base})`;
  return `not valid UTF-8 (invalid byte ${byte} at offset ${bad.offset + base})`;
}

/**
 * Decodes bytes[start, end) as strict UTF-8. Returns the text, or the reason naming the offset
 * (relative to `base`, so table readers can report positions in the whole file).
 */
export function decodeUtf8Strict(
  bytes: Uint8Array,
  start = 0,
  end = bytes.length,
  base = 0,
): DecodedText {
  const view = start === 0 && end === bytes.length ? bytes : bytes.subarray(start, end);
  try {
    return { ok: true, text: utf8Fatal.decode(view) };
  } catch {
    const bad = findInvalidUtf8(view);
    // TextDecoder and findInvalidUtf8 implement the same table, so `bad` is never null here; the
    // fallback only keeps the message honest if they ever disagree.
    return { ok: false, reason: bad ? describeInvalidUtf8(bad, base + start) : 'not valid UTF-8' };
  }
}

function decodeUtf16(bytes: Uint8Array, littleEndian: boolean): DecodedText {
  const name = littleEndian ? 'UTF-16LE' : 'UTF-16BE';
  if (bytes.length % 2 !== 0) return { ok: false, reason: `not valid ${name} (odd number of bytes: ${bytes.length})` };
  // Copy into native little-endian units (swapping for BE) and validate surrogate pairs ourselves,
  // so the reason can name the offset, as for UTF-8.
  const units = new Uint16Array((bytes.length - 2) / 2);
  for (let i = 0, o = 2; i < units.length; i++, o += 2) {
    units[i] = littleEndian ? bytes[o]! | (bytes[o + 1]! << 8) : (bytes[o]! << 8) | bytes[o + 1]!;
  }
  for (let i = 0; i < units.length; i++) {
    const u = units[i]!;
    const offset = 2 + i * 2;
    if (u === 0) return { ok: false, reason: `binary data (NUL character at offset ${offset})` };
    if (u >= 0xd800 && u <= 0xdbff) {
      const next = units[i + 1];
      if (next === undefined || next < 0xdc00 || next > 0xdfff) {
        return { ok: false, reason: `not valid ${name} (unpaired surrogate 0x${u.toString(16).toUpperCase()} at offset ${offset})` };
      }
      i++;
    } else if (u >= 0xdc00 && u <= 0xdfff) {
      return { ok: false, reason: `not valid ${name} (unpaired surrogate 0x${u.toString(16).toUpperCase()} at offset ${offset})` };
    }
  }
  // Build the string from code units directly, in chunks small enough for an argument list, so
  // nothing depends on the platform's byte order.
  let text = '';
  for (let i = 0; i < units.length; i += 8192) text += String.fromCharCode(...units.subarray(i, i + 8192));
  return { ok: true, text };
}

/**
 * Decodes a whole text file. UTF-8 is the default (a BOM is stripped); UTF-16 LE/BE is accepted
 * only with its byte-order mark, since without one it cannot be told apart reliably. NUL bytes are
 * rejected (they mean binary data), and so is text that is only whitespace.
 */
export function decodeUtf8(bytes: Uint8Array): DecodedText {
  let result: DecodedText;
  if (bytes[0] === 0xff && bytes[1] === 0xfe) result = decodeUtf16(bytes, true);
  else if (bytes[0] === 0xfe && bytes[1] === 0xff) result = decodeUtf16(bytes, false);
  else {
    const start = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
    // NUL is valid UTF-8, so look for it first: it means binary data, not text.
    const nul = bytes.indexOf(0, start);
    if (nul >= 0) return { ok: false, reason: `binary data (NUL byte at offset ${nul})` };
    result = decodeUtf8Strict(bytes, start);
  }
  if (result.ok && result.text.trim() === '') return { ok: false, reason: 'empty text' };
  return result;
}

/** Whitespace for snippets: Unicode spaces plus control characters, which previews cannot show. */
function isSnippetSpace(code: number): boolean {
  if (code < 0x21 || code === 0x7f) return true;
  if (code < 0x80) return false;
  return /\s/.test(String.fromCharCode(code));
}

/** Counts code points and builds a preview snippet without copying the whole (maybe huge) text. */
export function textMeta(text: string): TextMeta {
  let chars = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    // A high surrogate followed by a low one is one code point.
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
    chars++;
  }

  let snippet = '';
  let kept = 0;
  // Whitespace runs collapse to one character: a line break if the run held one, else a space.
  let pending: '' | ' ' | '\n' = '';
  let truncated = false;
  for (let i = 0; i < text.length; i++) {
    const code = text.codePointAt(i)!;
    const width = code > 0xffff ? 2 : 1;
    if (isSnippetSpace(code)) {
      if (kept > 0 && code === 0x0a) pending = '\n';
      else if (kept > 0 && pending === '') pending = ' ';
    } else {
      if (kept >= SNIPPET_CHARS) {
        truncated = true;
        break;
      }
      if (pending !== '') {
        snippet += pending;
        kept++;
        pending = '';
        if (kept >= SNIPPET_CHARS) {
          truncated = true;
          break;
        }
      }
      snippet += text.slice(i, i + width);
      kept++;
    }
    i += width - 1;
  }
  if (truncated) snippet = snippet.trimEnd() + '…';
  return { chars, snippet };
}
