/**
 * Streaming row readers for CSV, TSV and JSON Lines.
 *
 * The file is read in chunks and parsed incrementally, so memory stays bounded by the longest
 * record plus, while the text column is still being chosen, the first SAMPLE_ROWS records.
 *
 * Parsing is done on bytes, not on decoded text. Every structural character (quote, comma, tab,
 * CR, LF) is ASCII, and in UTF-8 ASCII bytes never occur inside a multi-byte character; in a
 * legacy 8-bit encoding such as Latin-1 they do not either. So records can be split before
 * decoding, and each field that is used is then decoded strictly on its own.
 *
 * Encoding errors are therefore reported per row, not for the whole file: a Latin-1 CSV yields an
 * error row "row 3: not valid UTF-8 (invalid byte 0xE9 at offset 57) in column 'text'" for each
 * row with an accented letter (offsets are from the start of the file), and its pure-ASCII rows
 * still import. This keeps the reader streaming (an error may sit past rows already yielded) and
 * never produces mojibake. The reader throws only for whole-file problems: a missing `textColumn`,
 * a header that is not UTF-8, no header at all, or a record larger than `maxRecordBytes` in CSV/TSV
 * (which almost always means a quote was never closed, so nothing after it can be trusted).
 *
 * A byte-order mark is honoured: UTF-8's is skipped, and UTF-16 LE/BE files (as Excel's "Unicode
 * text" export writes them) are transcoded to UTF-8 on the fly before parsing.
 */
import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import { decodeUtf8Strict } from './decode-text';

export type TabularFormat = 'csv' | 'tsv' | 'jsonl';

export interface TabularRow {
  /** 1-based data row (header excluded); for jsonl, the line's number among non-blank lines. */
  row: number;
  text: string | null;
  label: string | null;
  /** Why this row cannot be used; text and label are null when set. */
  error: string | null;
}

/** How the text and label columns were chosen, reported once per file through `onColumns`. */
export interface ColumnChoice {
  /** Header names (csv/tsv), or the keys seen in the first objects (jsonl), in order. */
  columns: string[];
  textColumn: string;
  labelColumn: string | null;
  /** 'option': given by the caller; 'name': a conventional name; 'length': longest values. */
  chosenBy: 'option' | 'name' | 'length';
}

export interface ReadRowsOptions {
  /** The column (csv/tsv) or field (jsonl) holding the text; chosen automatically when omitted. */
  textColumn?: string;
  /** Told which columns were chosen, before the first row is yielded. */
  onColumns?: (choice: ColumnChoice) => void;
  /** A single record larger than this is an error (see the module comment). Default 16 MiB. */
  maxRecordBytes?: number;
  /** Read size. Default 64 KiB. */
  chunkBytes?: number;
}

/** Column names that are taken as the text, in the order the columns appear (case-insensitive). */
export const TEXT_COLUMN_NAMES: readonly string[] = ['text', 'content', 'body', 'sentence', 'review', 'quote', 'message'];
/** Column names that are taken as the label (case-insensitive). */
export const LABEL_COLUMN_NAMES: readonly string[] = ['label', 'class', 'category', 'target'];
/** How many data rows are looked at to choose the text column by length. */
export const SAMPLE_ROWS = 50;

const DEFAULT_MAX_RECORD_BYTES = 16 * 1024 * 1024;
const DEFAULT_CHUNK_BYTES = 64 * 1024;

const QUOTE = 0x22;
const CR = 0x0d;
const LF = 0x0a;
const TAB = 0x09;
const COMMA = 0x2c;
const SPACE = 0x20;

/**
 * Streams the rows of a csv, tsv or jsonl file. See the module comment for what throws and what
 * becomes an error row.
 */
export async function* readRows(
  filePath: string,
  format: TabularFormat,
  opts: ReadRowsOptions = {},
): AsyncGenerator<TabularRow> {
  const source = openSource(filePath, opts.chunkBytes ?? DEFAULT_CHUNK_BYTES);
  const maxRecordBytes = opts.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES;
  if (format === 'jsonl') yield* readJsonl(source, filePath, opts, maxRecordBytes);
  else yield* readDelimited(source, format === 'csv' ? COMMA : TAB, filePath, opts, maxRecordBytes);
}

// ---------------------------------------------------------------------------------------------
// Byte source: chunks of the file, BOM handled.

interface Source {
  chunks: AsyncGenerator<Uint8Array>;
  /** Set once the first chunk has been produced: how the file was encoded. */
  info: { encoding: 'utf-8' | 'utf-16le' | 'utf-16be'; bomBytes: number };
}

function openSource(filePath: string, chunkBytes: number): Source {
  const info: Source['info'] = { encoding: 'utf-8', bomBytes: 0 };
  async function* chunks(): AsyncGenerator<Uint8Array> {
    const stream = createReadStream(filePath, { highWaterMark: chunkBytes });
    let prefix: Uint8Array | null = new Uint8Array(0);
    let transcoder: TextDecoder | null = null;
    const encoder = new TextEncoder();
    // `for await` destroys the stream when the consumer stops early, so no file handle leaks.
    for await (const piece of stream as AsyncIterable<Buffer>) {
      let bytes: Uint8Array = piece;
      if (prefix !== null) {
        // Hold back the first bytes until a byte-order mark can be recognised.
        bytes = concat(prefix, bytes);
        if (bytes.length < 3) {
          prefix = bytes;
          continue;
        }
        prefix = null;
        ({ bytes, transcoder } = startOfFile(bytes, info));
      }
      if (transcoder) bytes = encoder.encode(transcoder.decode(bytes, { stream: true }));
      if (bytes.length > 0) yield bytes;
    }
    if (prefix !== null && prefix.length > 0) {
      let bytes: Uint8Array;
      ({ bytes, transcoder } = startOfFile(prefix, info));
      if (transcoder) bytes = encoder.encode(transcoder.decode(bytes, { stream: true }));
      if (bytes.length > 0) yield bytes;
    }
    if (transcoder) {
      const tail = encoder.encode(transcoder.decode());
      if (tail.length > 0) yield tail;
    }
  }
  return { chunks: chunks(), info };
}

function startOfFile(bytes: Uint8Array, info: Source['info']): { bytes: Uint8Array; transcoder: TextDecoder | null } {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
    info.bomBytes = 3;
    return { bytes: bytes.subarray(3), transcoder: null };
  }
  const le = bytes[0] === 0xff && bytes[1] === 0xfe;
  const be = bytes[0] === 0xfe && bytes[1] === 0xff;
  if (le || be) {
    info.encoding = le ? 'utf-16le' : 'utf-16be';
    info.bomBytes = 2;
    // Not fatal: an unpaired surrogate becomes one U+FFFD, which is not mojibake, and there is no
    // byte offset in the transcoded stream that could be reported meaningfully anyway.
    return { bytes: bytes.subarray(2), transcoder: new TextDecoder(info.encoding, { ignoreBOM: true }) };
  }
  return { bytes, transcoder: null };
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

// ---------------------------------------------------------------------------------------------
// CSV / TSV

/** One record as raw bytes with the byte ranges of its fields. */
interface RawRecord {
  raw: Uint8Array;
  /** Per field: start and end in `raw`, and whether it began with a quote. */
  starts: number[];
  ends: number[];
  quoted: boolean[];
  /** Byte offset of the record in the file (after a UTF-8 BOM; meaningless for UTF-16). */
  offset: number;
  /** 1-based line on which the record starts. */
  line: number;
  /** EOF was reached inside a quoted field. */
  unterminated: boolean;
}

const enum State {
  FieldStart,
  Unquoted,
  Quoted,
  QuoteInQuoted,
  /** After a closing quote, bytes before the delimiter are kept literally (lenient, like Python's csv). */
  AfterQuoted,
}

/**
 * An incremental RFC 4180 parser over bytes. Lenient where real files are sloppy: a quote inside
 * an unquoted field is literal, text after a closing quote is kept, a lone CR ends a line.
 *
 * A record keeps its raw bytes (quotes and delimiters included, line terminators not), so byte
 * i of `raw` is byte `offset + i` of the file, which lets errors name exact file offsets.
 */
class DelimitedParser {
  private buf = new Uint8Array(4096);
  private len = 0;
  private starts: number[] = [];
  private ends: number[] = [];
  private quoted: boolean[] = [];
  private fieldStart = 0;
  private fieldQuoted = false;
  private state = State.FieldStart;
  /** The previous byte was a CR that ended a record; a following LF belongs to it. */
  private skipLf = false;
  /** The previous byte was a CR (for counting CRLF as one line break). */
  private prevCr = false;
  /** File offset of the next byte. */
  private offset: number;
  /** Current 1-based line. */
  private line = 1;
  private recordOffset: number;
  private recordLine = 1;

  constructor(
    private readonly delim: number,
    private readonly maxRecordBytes: number,
    startOffset: number,
  ) {
    this.offset = startOffset;
    this.recordOffset = startOffset;
  }

  /**
   * Parses a chunk, appending complete records to `out`. Runs of ordinary bytes (inside quotes up
   * to the next quote, outside quotes up to the next delimiter or line break) are copied in one
   * go; only structural bytes go through the state machine.
   */
  push(chunk: Uint8Array, out: RawRecord[]): void {
    const delim = this.delim;
    const n = chunk.length;
    let i = 0;
    while (i < n) {
      if (this.skipLf) {
        this.skipLf = false;
        if (chunk[i] === LF) {
          // The LF of a CRLF that ended a record: not part of the next record.
          this.prevCr = false;
          this.offset++;
          this.recordOffset = this.offset;
          i++;
          continue;
        }
      }
      const state = this.state;
      if (state === State.Quoted) {
        let j = chunk.indexOf(QUOTE, i);
        if (j < 0) j = n;
        this.countLines(chunk, i, j);
        this.appendRange(chunk, i, j);
        if (j === n) return;
        this.prevCr = false;
        this.offset++;
        this.append(QUOTE);
        this.state = State.QuoteInQuoted;
        i = j + 1;
        continue;
      }
      if (state === State.Unquoted || state === State.AfterQuoted) {
        let j = i;
        while (j < n) {
          const c = chunk[j]!;
          if (c === delim || c === CR || c === LF) break;
          j++;
        }
        if (j > i) {
          this.prevCr = false;
          this.appendRange(chunk, i, j);
        }
        i = j;
        if (i === n) return;
      }
      // One structural byte (or the first byte of a field) through the state machine.
      const b = chunk[i++]!;
      this.offset++;
      if (b === LF) {
        if (!this.prevCr) this.line++;
        this.prevCr = false;
      } else if (b === CR) {
        this.line++;
        this.prevCr = true;
      } else {
        this.prevCr = false;
      }
      switch (this.state) {
        case State.FieldStart:
          if (b === QUOTE) {
            this.fieldQuoted = true;
            this.state = State.Quoted;
            this.append(b);
          } else if (b === delim) {
            this.endField(true);
          } else if (b === CR || b === LF) {
            this.endRecord(out, b);
          } else {
            this.state = State.Unquoted;
            this.append(b);
          }
          break;
        case State.Unquoted:
        case State.AfterQuoted:
          if (b === delim) this.endField(true);
          else this.endRecord(out, b); // the scan above stops only at delimiters and line breaks
          break;
        case State.QuoteInQuoted:
          if (b === QUOTE) {
            this.state = State.Quoted; // a doubled quote: one literal quote
            this.append(b);
          } else if (b === delim) this.endField(true);
          else if (b === CR || b === LF) this.endRecord(out, b);
          else {
            this.state = State.AfterQuoted;
            this.append(b);
          }
          break;
        case State.Quoted:
          break; // handled above
      }
    }
  }

  /** Line counting inside a quoted run: LF, CR and CRLF are each one line break. */
  private countLines(chunk: Uint8Array, from: number, to: number): void {
    let line = this.line;
    let prevCr = this.prevCr;
    for (let k = from; k < to; k++) {
      const c = chunk[k]!;
      if (c === LF) {
        if (!prevCr) line++;
        prevCr = false;
      } else if (c === CR) {
        line++;
        prevCr = true;
      } else {
        prevCr = false;
      }
    }
    this.line = line;
    this.prevCr = prevCr;
  }

  private appendRange(chunk: Uint8Array, from: number, to: number): void {
    const count = to - from;
    if (count === 0) return;
    this.offset += count;
    if (this.len + count > this.maxRecordBytes) {
      throw new Error(
        `a record starting on line ${this.recordLine} is larger than ${formatMiB(this.maxRecordBytes)}; is a quote left open?`,
      );
    }
    if (this.len + count > this.buf.length) {
      let size = this.buf.length * 2;
      while (size < this.len + count) size *= 2;
      const bigger = new Uint8Array(Math.min(size, this.maxRecordBytes + 1));
      bigger.set(this.buf.subarray(0, this.len));
      this.buf = bigger;
    }
    if (count < 32) {
      const buf = this.buf;
      let at = this.len;
      for (let k = from; k < to; k++) buf[at++] = chunk[k]!;
    } else {
      this.buf.set(chunk.subarray(from, to), this.len);
    }
    this.len += count;
  }

  /** Flushes the last record at end of file. */
  end(out: RawRecord[]): void {
    if (this.len === 0 && this.starts.length === 0 && this.state === State.FieldStart) return;
    const unterminated = this.state === State.Quoted;
    this.endField(false);
    this.emit(out, unterminated);
  }

  private append(b: number): void {
    if (this.len >= this.maxRecordBytes) {
      throw new Error(
        `a record starting on line ${this.recordLine} is larger than ${formatMiB(this.maxRecordBytes)}; is a quote left open?`,
      );
    }
    if (this.len === this.buf.length) {
      const bigger = new Uint8Array(Math.min(this.buf.length * 2, this.maxRecordBytes + 1));
      bigger.set(this.buf);
      this.buf = bigger;
    }
    this.buf[this.len++] = b;
  }

  /** Ends the current field; `byDelimiter` keeps the delimiter byte in `raw` (between fields). */
  private endField(byDelimiter: boolean): void {
    this.starts.push(this.fieldStart);
    this.ends.push(this.len);
    this.quoted.push(this.fieldQuoted);
    if (byDelimiter) this.append(this.delim);
    this.fieldStart = this.len;
    this.fieldQuoted = false;
    this.state = State.FieldStart;
  }

  private endRecord(out: RawRecord[], terminator: number): void {
    this.endField(false);
    this.emit(out, false);
    if (terminator === CR) this.skipLf = true;
    this.recordOffset = this.offset;
    this.recordLine = this.line;
  }

  private emit(out: RawRecord[], unterminated: boolean): void {
    out.push({
      raw: this.buf.slice(0, this.len),
      starts: this.starts,
      ends: this.ends,
      quoted: this.quoted,
      offset: this.recordOffset,
      line: this.recordLine,
      unterminated,
    });
    this.len = 0;
    this.fieldStart = 0;
    this.starts = [];
    this.ends = [];
    this.quoted = [];
    this.state = State.FieldStart;
    // Do not keep a buffer grown for one huge record.
    if (this.buf.length > 1 << 20) this.buf = new Uint8Array(4096);
  }
}

function formatMiB(bytes: number): string {
  const mib = bytes / (1024 * 1024);
  return mib >= 1 ? `${Number.isInteger(mib) ? mib : mib.toFixed(1)} MiB` : `${bytes} bytes`;
}

/** Records in batches (one per chunk read): one async step per chunk, not per record. */
async function* rawRecords(source: Source, delim: number, maxRecordBytes: number): AsyncGenerator<RawRecord[]> {
  let parser: DelimitedParser | null = null;
  for await (const chunk of source.chunks) {
    parser ??= new DelimitedParser(delim, maxRecordBytes, source.info.bomBytes);
    const out: RawRecord[] = [];
    parser.push(chunk, out);
    if (out.length > 0) yield out;
  }
  if (parser) {
    const out: RawRecord[] = [];
    parser.end(out);
    if (out.length > 0) yield out;
  }
}

/** The bytes of a field with its quoting removed. */
function fieldBytes(record: RawRecord, index: number): { bytes: Uint8Array; rawStart: number } {
  const start = record.starts[index]!;
  const end = record.ends[index]!;
  if (!record.quoted[index]) return { bytes: record.raw.subarray(start, end), rawStart: start };
  // The usual case: the only other quote is the closing one at the very end.
  const next = record.raw.indexOf(QUOTE, start + 1);
  if (next === end - 1) return { bytes: record.raw.subarray(start + 1, end - 1), rawStart: start };
  const out = new Uint8Array(end - start);
  let n = 0;
  let inQuotes = true;
  for (let i = start + 1; i < end; i++) {
    const b = record.raw[i]!;
    if (inQuotes && b === QUOTE) {
      if (record.raw[i + 1] === QUOTE && i + 1 < end) {
        out[n++] = QUOTE;
        i++;
      } else {
        inQuotes = false; // the closing quote; anything after it is literal
      }
    } else {
      out[n++] = b;
    }
  }
  return { bytes: out.subarray(0, n), rawStart: start };
}

type FieldValue = { ok: true; text: string } | { ok: false; reason: string };

/**
 * Decodes one field strictly. Offsets in reasons are file offsets: quoting removes only ASCII
 * quote bytes, so the first invalid byte is found in the raw bytes, which map 1:1 to the file.
 */
function decodeField(record: RawRecord, index: number, offsetsValid: boolean): FieldValue {
  const start = record.starts[index]!;
  const end = record.ends[index]!;
  const raw = record.raw;
  const nul = raw.indexOf(0, start);
  if (nul >= 0 && nul < end) {
    return { ok: false, reason: offsetsValid ? `binary data (NUL byte at offset ${record.offset + nul})` : 'binary data (NUL character)' };
  }
  const bytes = record.quoted[index] ? fieldBytes(record, index).bytes : raw.subarray(start, end);
  const decoded = decodeUtf8Strict(bytes);
  if (decoded.ok) return decoded;
  // Find the offset in the raw bytes instead: unquoting removed only ASCII quotes, so the first
  // invalid byte is the same, and raw bytes map 1:1 to file offsets.
  return decodeUtf8Strict(raw, start, end, record.offset);
}

function isBlankRecord(record: RawRecord): boolean {
  if (record.starts.length !== 1 || record.quoted[0]) return false;
  for (const b of record.raw) if (b !== SPACE && b !== TAB) return false;
  return true;
}

interface Plan {
  text: number;
  label: number | null;
}

function quoteList(names: readonly string[]): string {
  return names.map((n) => `'${n}'`).join(', ');
}

/** Finds a column by exact name, else case-insensitively; -1 when missing. */
function findColumn(names: readonly string[], wanted: string): number {
  const exact = names.indexOf(wanted);
  if (exact >= 0) return exact;
  const lower = wanted.trim().toLowerCase();
  return names.findIndex((n) => n.toLowerCase() === lower);
}

function findNamed(names: readonly string[], candidates: readonly string[], except: number | null): number | null {
  const index = names.findIndex((n, i) => i !== except && candidates.includes(n.trim().toLowerCase()));
  return index >= 0 ? index : null;
}

/**
 * Chooses by name when it can: the given column, else a conventional text name.
 * Returns null when the text column must be chosen by length over sampled rows.
 */
function planByName(
  names: readonly string[],
  opts: ReadRowsOptions,
  file: string,
  what: 'column' | 'field',
): { plan: Plan; chosenBy: ColumnChoice['chosenBy'] } | null {
  if (opts.textColumn !== undefined) {
    const text = findColumn(names, opts.textColumn);
    if (text < 0) {
      const available = names.length > 0 ? `available ${what}s: ${quoteList(names)}` : `no ${what}s found`;
      throw new Error(`no ${what} named '${opts.textColumn}' in ${file}; ${available}`);
    }
    return { plan: { text, label: findNamed(names, LABEL_COLUMN_NAMES, text) }, chosenBy: 'option' };
  }
  const text = findNamed(names, TEXT_COLUMN_NAMES, null);
  if (text === null) return null;
  return { plan: { text, label: findNamed(names, LABEL_COLUMN_NAMES, text) }, chosenBy: 'name' };
}

/**
 * Picks the column with the longest average value over the sample (ties: the leftmost), leaving
 * out the label column unless it is the only one.
 */
function planByLength(names: readonly string[], averageLength: (column: number) => number): Plan {
  const label = findNamed(names, LABEL_COLUMN_NAMES, null);
  let best = -1;
  let bestLength = -1;
  for (let c = 0; c < names.length; c++) {
    if (c === label && names.length > 1) continue;
    const length = averageLength(c);
    if (length > bestLength) {
      best = c;
      bestLength = length;
    }
  }
  return { text: best, label: label === best ? null : label };
}

async function* readDelimited(
  source: Source,
  delim: number,
  filePath: string,
  opts: ReadRowsOptions,
  maxRecordBytes: number,
): AsyncGenerator<TabularRow> {
  const file = basename(filePath);
  let header: string[] | null = null;
  let plan: Plan | null = null;
  let sample: RawRecord[] = [];
  let row = 0;
  const offsetsValid = (): boolean => source.info.encoding === 'utf-8';

  const choose = (next: Plan, chosenBy: ColumnChoice['chosenBy']): Plan => {
    opts.onColumns?.({
      columns: header!,
      textColumn: header![next.text]!,
      labelColumn: next.label === null ? null : header![next.label]!,
      chosenBy,
    });
    return next;
  };
  const decideByLength = (): Plan => {
    const looseDecoder = new TextDecoder();
    const plan = planByLength(header!, (c) => {
      let total = 0;
      for (const r of sample) if (c < r.starts.length) total += looseDecoder.decode(fieldBytes(r, c).bytes).length;
      return sample.length === 0 ? 0 : total / sample.length;
    });
    return choose(plan, 'length');
  };

  for await (const batch of rawRecords(source, delim, maxRecordBytes)) {
    for (const record of batch) {
      if (isBlankRecord(record)) continue;
      if (header === null) {
        header = readHeader(record, offsetsValid());
        const named = planByName(header, opts, file, 'column');
        if (named) plan = choose(named.plan, named.chosenBy);
        continue;
      }
      if (plan === null) {
        // Choosing by length: hold the first SAMPLE_ROWS records, then decide and release them.
        sample.push(record);
        if (sample.length < SAMPLE_ROWS) continue;
        plan = decideByLength();
        for (const r of sample) yield toRow(r, ++row, header, plan, offsetsValid());
        sample = [];
        continue;
      }
      yield toRow(record, ++row, header, plan, offsetsValid());
    }
  }
  if (header === null) throw new Error(`no header row in ${file} (the file is blank)`);
  if (plan === null && sample.length > 0) {
    plan = decideByLength();
    for (const r of sample) yield toRow(r, ++row, header, plan, offsetsValid());
  }
}

function readHeader(record: RawRecord, offsetsValid: boolean): string[] {
  if (record.unterminated) throw new Error('the header row has a quote that is never closed');
  const names: string[] = [];
  for (let i = 0; i < record.starts.length; i++) {
    const value = decodeField(record, i, offsetsValid);
    if (!value.ok) throw new Error(`header row is ${value.reason}`);
    names.push(value.text.trim() || `column ${i + 1}`);
  }
  return names;
}

function toRow(record: RawRecord, row: number, header: readonly string[], plan: Plan, offsetsValid: boolean): TabularRow {
  const fail = (error: string): TabularRow => ({ row, text: null, label: null, error: `row ${row}: ${error}` });
  if (record.unterminated) return fail(`a quote opened on line ${record.line} is never closed`);
  const count = record.starts.length;
  if (count !== header.length) {
    // Trailing empty fields (a stray delimiter at the end of the line) are harmless.
    let extraNonEmpty = count < header.length;
    for (let i = header.length; i < count && !extraNonEmpty; i++) extraNonEmpty = record.ends[i]! > record.starts[i]!;
    if (extraNonEmpty) {
      const hint = count > header.length ? ' (an unquoted delimiter inside a field?)' : '';
      return fail(`${count} field${count === 1 ? '' : 's'} but the header has ${header.length} columns${hint}`);
    }
  }
  const textName = header[plan.text]!;
  const text = decodeField(record, plan.text, offsetsValid);
  if (!text.ok) return fail(`${text.reason} in column '${textName}'`);
  if (text.text.trim() === '') return fail(`empty text in column '${textName}'`);
  let label: string | null = null;
  if (plan.label !== null) {
    const value = decodeField(record, plan.label, offsetsValid);
    if (!value.ok) return fail(`${value.reason} in column '${header[plan.label]!}'`);
    label = value.text.trim() || null;
  }
  return { row, text: text.text, label, error: null };
}

// ---------------------------------------------------------------------------------------------
// JSON Lines

interface RawLine {
  bytes: Uint8Array;
  /** 1-based physical line number. */
  line: number;
  /** Byte offset of the line in the file. */
  offset: number;
  /** The line exceeded maxRecordBytes and was dropped. */
  tooLong: boolean;
}

async function* rawLines(source: Source, maxRecordBytes: number): AsyncGenerator<RawLine> {
  let parts: Uint8Array[] = [];
  let partsLength = 0;
  /** The current line grew past maxRecordBytes: its bytes are dropped until it ends. */
  let dropping = false;
  let line = 1;
  let fileOffset = -1; // offset of the current chunk's first byte
  let lineOffset = 0;
  const take = (last: Uint8Array): RawLine => {
    let bytes: Uint8Array = new Uint8Array(0);
    if (!dropping) {
      bytes = partsLength === 0 ? last : concat(parts.length === 1 ? parts[0]! : concatAll(parts, partsLength), last);
      if (bytes[bytes.length - 1] === CR) bytes = bytes.subarray(0, bytes.length - 1);
    }
    const result: RawLine = { bytes, line, offset: lineOffset, tooLong: dropping };
    parts = [];
    partsLength = 0;
    dropping = false;
    return result;
  };
  for await (const chunk of source.chunks) {
    if (fileOffset < 0) fileOffset = lineOffset = source.info.bomBytes;
    let start = 0;
    for (let nl = chunk.indexOf(LF, start); nl >= 0; nl = chunk.indexOf(LF, start)) {
      const piece = chunk.subarray(start, nl);
      if (partsLength + piece.length > maxRecordBytes) dropping = true;
      yield take(piece);
      line++;
      lineOffset = fileOffset + nl + 1;
      start = nl + 1;
    }
    const rest = chunk.subarray(start);
    fileOffset += chunk.length;
    if (dropping || rest.length === 0) continue;
    if (partsLength + rest.length > maxRecordBytes) {
      // Keep memory bounded: forget this line's bytes and report it when it ends.
      dropping = true;
      parts = [];
      partsLength = 0;
    } else {
      parts.push(rest);
      partsLength += rest.length;
    }
  }
  if (partsLength > 0 || dropping) yield take(new Uint8Array(0));
}

function concatAll(parts: readonly Uint8Array[], length: number): Uint8Array {
  const out = new Uint8Array(length);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function isBlankLine(bytes: Uint8Array): boolean {
  for (const b of bytes) if (b !== SPACE && b !== TAB && b !== CR) return false;
  return true;
}

/** A parsed line: the object, or an error naming the line. */
interface JsonLine {
  row: number;
  line: number;
  value: Record<string, unknown> | null;
  error: string | null;
}

function describeJsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}

function parseLine(raw: RawLine, row: number, maxRecordBytes: number, offsetsValid: boolean): JsonLine {
  const at = `line ${raw.line}`;
  if (raw.tooLong) return { row, line: raw.line, value: null, error: `${at}: longer than ${formatMiB(maxRecordBytes)}` };
  const decoded = decodeUtf8Strict(raw.bytes, 0, raw.bytes.length, offsetsValid ? raw.offset : 0);
  if (!decoded.ok) {
    const reason = offsetsValid ? decoded.reason : decoded.reason.replace(/ at offset \d+/, '');
    return { row, line: raw.line, value: null, error: `${at}: ${reason}` };
  }
  let value: unknown;
  try {
    value = JSON.parse(decoded.text);
  } catch (error) {
    return { row, line: raw.line, value: null, error: `${at}: invalid JSON (${(error as Error).message})` };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { row, line: raw.line, value: null, error: `${at}: expected a JSON object, got ${describeJsonType(value)}` };
  }
  return { row, line: raw.line, value: value as Record<string, unknown>, error: null };
}

function jsonRow(parsed: JsonLine, keys: { text: string; label: string | null }): TabularRow {
  const fail = (error: string): TabularRow => ({ row: parsed.row, text: null, label: null, error });
  if (parsed.error !== null || parsed.value === null) return fail(parsed.error ?? `line ${parsed.line}: no value`);
  const at = `line ${parsed.line}`;
  const textValue = parsed.value[keys.text];
  let text: string;
  if (typeof textValue === 'string') text = textValue;
  else if (typeof textValue === 'number' || typeof textValue === 'boolean') text = String(textValue);
  else if (textValue === undefined || textValue === null) return fail(`${at}: empty text in field '${keys.text}'`);
  else return fail(`${at}: field '${keys.text}' is ${describeJsonType(textValue)}, not text`);
  if (text.trim() === '') return fail(`${at}: empty text in field '${keys.text}'`);
  if (text.includes('\0')) return fail(`${at}: binary data (NUL character) in field '${keys.text}'`);
  let label: string | null = null;
  if (keys.label !== null) {
    const labelValue = parsed.value[keys.label];
    if (typeof labelValue === 'string') label = labelValue.trim() || null;
    else if (typeof labelValue === 'number' || typeof labelValue === 'boolean') label = String(labelValue);
    else if (labelValue !== undefined && labelValue !== null) {
      return fail(`${at}: field '${keys.label}' is ${describeJsonType(labelValue)}, not a label`);
    }
  }
  return { row: parsed.row, text, label, error: null };
}

/** Rows buffered while choosing the text field: SAMPLE_ROWS objects, or this many lines in all. */
const MAX_SAMPLE_LINES = 1000;

async function* readJsonl(
  source: Source,
  filePath: string,
  opts: ReadRowsOptions,
  maxRecordBytes: number,
): AsyncGenerator<TabularRow> {
  let keys: { text: string; label: string | null } | null = null;
  let sample: JsonLine[] = [];
  let objects = 0;
  let row = 0;
  const file = basename(filePath);

  const decide = (): { text: string; label: string | null } => {
    // Keys in order of first appearance across the sampled objects.
    const seen: string[] = [];
    const seenSet = new Set<string>();
    for (const s of sample) {
      if (!s.value) continue;
      for (const k of Object.keys(s.value)) {
        if (!seenSet.has(k)) {
          seenSet.add(k);
          seen.push(k);
        }
      }
    }
    const named = planByName(seen, opts, file, 'field');
    let plan: Plan;
    let chosenBy: ColumnChoice['chosenBy'];
    if (named) {
      plan = named.plan;
      chosenBy = named.chosenBy;
    } else {
      const candidates = seen.filter((k) => sample.some((s) => typeof s.value?.[k] === 'string'));
      if (candidates.length === 0) {
        const fields = seen.length > 0 ? `fields seen: ${quoteList(seen)}` : 'no JSON objects found';
        throw new Error(`no text field: none of the first ${objects} objects has a string value (${fields})`);
      }
      const strings = (k: string): number => {
        let total = 0;
        for (const s of sample) {
          const v = s.value?.[k];
          if (typeof v === 'string') total += v.length;
        }
        return total / Math.max(1, objects);
      };
      // Only fields with string values compete; a label-named field is left out unless alone.
      const chosen = planByLength(candidates, (c) => strings(candidates[c]!));
      const text = candidates[chosen.text]!;
      const labelIndex = findNamed(seen, LABEL_COLUMN_NAMES, seen.indexOf(text));
      plan = { text: seen.indexOf(text), label: labelIndex };
      chosenBy = 'length';
    }
    const result = { text: seen[plan.text]!, label: plan.label === null ? null : seen[plan.label]! };
    opts.onColumns?.({ columns: seen, textColumn: result.text, labelColumn: result.label, chosenBy });
    return result;
  };

  for await (const raw of rawLines(source, maxRecordBytes)) {
    if (!raw.tooLong && isBlankLine(raw.bytes)) continue;
    const parsed = parseLine(raw, ++row, maxRecordBytes, source.info.encoding === 'utf-8');
    if (keys !== null) {
      yield jsonRow(parsed, keys);
      continue;
    }
    if (parsed.value === null && sample.length === 0) {
      // An error row needs no field choice, and nothing is buffered ahead of it: yield it now,
      // so a file of nothing but broken lines streams instead of piling up in the sample.
      yield jsonRow(parsed, { text: '', label: null });
      continue;
    }
    sample.push(parsed);
    if (parsed.value) objects++;
    if (objects < SAMPLE_ROWS && sample.length < MAX_SAMPLE_LINES) continue;
    keys = decide();
    for (const s of sample) yield jsonRow(s, keys);
    sample = [];
  }
  if (keys === null && sample.length > 0) {
    // The sample starts with an object (error rows before it were yielded at once).
    keys = decide();
    for (const s of sample) yield jsonRow(s, keys);
  }
}
