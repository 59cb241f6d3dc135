/**
 * Streaming row readers for CSV, TSV and JSON Lines.
 *
 * CSV and TSV are parsed by csv-parse (its streaming parser, fed one chunk at a time); JSON Lines
 * is split at line feeds and each line given to JSON.parse. Memory stays bounded by the longest
 * record plus, while the text column is still being chosen, the first SAMPLE_ROWS records.
 *
 * Parsing is done on bytes, not on decoded text. Every structural character (quote, comma, tab,
 * CR, LF) is ASCII, and in UTF-8 ASCII bytes never occur inside a multi-byte character; in a
 * legacy 8-bit encoding such as Latin-1 they do not either. So records can be split before
 * decoding, and each field is then decoded on its own. csv-parse decodes leniently (a bad byte
 * becomes U+FFFD); a used field that holds U+FFFD or NUL is checked strictly against its bytes.
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
import { parse, type CsvError, type Options as CsvOptions, type Parser } from 'csv-parse';
import { parse as parseSync } from 'csv-parse/sync';
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
  /**
   * A single record (line break included) larger than this is an error (see the module comment).
   * Default 16 MiB.
   */
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
const SPACE = 0x20;

/**
 * Streams the rows of a csv, tsv or jsonl file. See the module comment for what throws and what
 * becomes an error row.
 */
export function readRows(filePath: string, format: TabularFormat, opts: ReadRowsOptions = {}): AsyncGenerator<TabularRow> {
  // The reader's own generator is returned rather than delegated to, which would cost every row
  // another async step. Nothing is opened until the first row is asked for.
  const source = openSource(filePath, opts.chunkBytes ?? DEFAULT_CHUNK_BYTES);
  const maxRecordBytes = opts.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES;
  if (format === 'jsonl') return readJsonl(source, filePath, opts, maxRecordBytes);
  return readDelimited(source, format === 'csv' ? ',' : '\t', filePath, opts, maxRecordBytes);
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
// CSV / TSV, parsed by csv-parse

/** One record as csv-parse returns it, placed in the stream of bytes it was parsed from. */
interface CsvRecord {
  /** Each field's text, quoting removed, as csv-parse decoded it (a bad byte is U+FFFD). */
  fields: string[];
  /**
   * Stream offsets (see `ByteWindow`) of the record's first byte and of the byte after its line
   * break; null where positions are not known (see csvRecords).
   */
  start: number | null;
  end: number | null;
  /** The record's raw bytes, copied only for records held in the sample; the others are read from the window. */
  raw: Uint8Array | null;
  /** The file ended inside a quoted field of this record. */
  unterminated: boolean;
  /** The 1-based line the record starts on, found only for the errors that name it. */
  line: number | null;
}

/**
 * csv-parse's options for both formats. Lenient where real files are sloppy, as this reader has
 * always been: a quote inside an unquoted field is literal, text after a closing quote is kept
 * (csv-parse keeps its quotes too: `"quoted"tail` reads as `"quoted"tail`), and any mix of LF, CRLF
 * and lone CR ends a record.
 */
function csvOptions(delimiter: string, maxRecordBytes: number): CsvOptions {
  return {
    delimiter,
    // Lenient decoding: decodeField checks each used field that holds U+FFFD against its bytes.
    encoding: 'utf8',
    // openSource has already removed a byte-order mark and transcoded UTF-16.
    bom: false,
    // Listed rather than auto-detected: detection keeps only the first line ending it meets.
    record_delimiter: ['\r\n', '\n', '\r'],
    relax_quotes: true,
    // A row with too many or too few fields becomes an error row, not a failed file.
    relax_column_count: true,
    // Blank lines come through as records (and are skipped by the caller), so that each record
    // starts where the previous one ended: that is how a record knows its byte offset.
    skip_empty_lines: false,
    // csv-parse counts characters of the fields; csvRecords checks the bytes of whole records.
    max_record_size: maxRecordBytes,
  };
}

/**
 * The bytes fed to the parser from the start of the oldest record still in use, so that an error
 * can name the exact file offset of a bad byte and the line of an unclosed quote. Line breaks in
 * what it lets go of are counted, so any offset it holds has a line number. Offsets here are
 * stream offsets: of the bytes given to the parser, after a BOM (and after transcoding UTF-16).
 */
class ByteWindow {
  private chunks: Uint8Array[] = [];
  /** Stream offset of chunks[0]. */
  private start = 0;
  /** Stream offset just past the last byte pushed. */
  end = 0;
  /** Line breaks before chunks[0], and whether the byte just before it was a CR. */
  private breaks = 0;
  private afterCr = false;
  /** False once record positions are lost: nothing is held from then on. */
  tracking = true;

  push(chunk: Uint8Array): void {
    if (!this.tracking) return;
    this.chunks.push(chunk);
    this.end += chunk.length;
  }

  stopTracking(): void {
    this.tracking = false;
    this.chunks = [];
  }

  /** Lets go of the chunks that lie wholly before `offset`. */
  release(offset: number): void {
    while (this.chunks.length > 0 && this.start + this.chunks[0]!.length <= offset) {
      const chunk = this.chunks.shift()!;
      const counted = countLineBreaks(chunk, chunk.length, this.afterCr);
      this.breaks += counted.breaks;
      this.afterCr = counted.afterCr;
      this.start += chunk.length;
    }
  }

  /** A copy of the bytes from `from` to `to`, or null when they are not known. */
  slice(from: number | null, to: number | null): Uint8Array | null {
    if (!this.tracking || from === null || to === null || from < this.start) return null;
    const out = new Uint8Array(to - from);
    let at = this.start;
    for (const chunk of this.chunks) {
      const lo = Math.max(from, at);
      const hi = Math.min(to, at + chunk.length);
      if (lo < hi) out.set(chunk.subarray(lo - at, hi - at), lo - from);
      at += chunk.length;
      if (at >= to) break;
    }
    return out;
  }

  /** The 1-based line of the byte at `offset` (LF, CR and CRLF are each one line break), if known. */
  lineAt(offset: number | null): number | null {
    if (!this.tracking || offset === null || offset < this.start) return null;
    let breaks = this.breaks;
    let afterCr = this.afterCr;
    let at = this.start;
    for (const chunk of this.chunks) {
      if (at >= offset) break;
      const counted = countLineBreaks(chunk, Math.min(chunk.length, offset - at), afterCr);
      breaks += counted.breaks;
      afterCr = counted.afterCr;
      at += chunk.length;
    }
    return breaks + 1;
  }
}

/** Line breaks in `bytes[0, length)`, LF, CR and CRLF counting one each, and whether the last byte was a CR. */
function countLineBreaks(bytes: Uint8Array, length: number, afterCr: boolean): { breaks: number; afterCr: boolean } {
  const view = length === bytes.length ? bytes : bytes.subarray(0, length);
  let breaks = 0;
  for (let i = view.indexOf(LF); i >= 0; i = view.indexOf(LF, i + 1)) breaks++;
  for (let i = view.indexOf(CR); i >= 0; i = view.indexOf(CR, i + 1)) {
    // A CR followed by an LF was counted with the LF.
    if (i + 1 >= length || view[i + 1] !== LF) breaks++;
  }
  if (afterCr && view[0] === LF) breaks--;
  return { breaks, afterCr: length > 0 ? view[length - 1] === CR : afterCr };
}

function formatMiB(bytes: number): string {
  const mib = bytes / (1024 * 1024);
  return mib >= 1 ? `${Number.isInteger(mib) ? mib : mib.toFixed(1)} MiB` : `${bytes} bytes`;
}

function recordTooLarge(line: number | null, maxRecordBytes: number): Error {
  const starting = line === null ? '' : ` starting on line ${line}`;
  return new Error(`a record${starting} is larger than ${formatMiB(maxRecordBytes)}; is a quote left open?`);
}

/** Gives csv-parse one chunk (null: the end of the file) and resolves, to its error if any, once it is parsed. */
function feed(parser: Parser, chunk: Uint8Array | null): Promise<Error | null> {
  return new Promise((resolve) => {
    const done = (error?: Error | null): void => resolve(error ?? null);
    if (chunk === null) parser.end(done);
    else parser.write(chunk, done);
  });
}

/**
 * The file's records in batches, one per chunk read, from csv-parse's streaming parser fed one
 * chunk at a time (awaited, so at most one chunk is in flight).
 *
 * Each record is placed by reading `parser.info` in the 'data' listener: Node emits a record there
 * from inside the push that parsed it, so `info.bytes` is where that record ends. That is checked,
 * not assumed (`info.records` must count this record as the last one): should records ever arrive
 * late, positions are dropped for the rest of the file and errors just name no offset or line.
 * csv-parse's own per-record hooks (`on_record`, `info: true`) would give the same, but build a
 * context object per record, which made reading two to three times slower.
 */
async function* csvRecords(
  source: Source,
  delimiter: string,
  maxRecordBytes: number,
  window: ByteWindow,
): AsyncGenerator<CsvRecord[]> {
  let batch: CsvRecord[] = [];
  let received = 0;
  /** Stream offset where the last record ended: where the next one starts (null once lost). */
  let recordStart: number | null = 0;
  let tooLarge: Error | null = null;
  const parser = parse(csvOptions(delimiter, maxRecordBytes));
  parser.on('data', (fields: string[]) => {
    received++;
    const start = recordStart;
    const end = window.tracking && parser.info.records === received ? parser.info.bytes : null;
    if (end === null && window.tracking) window.stopTracking();
    if (start !== null && end !== null && end - start > maxRecordBytes) {
      tooLarge ??= recordTooLarge(window.lineAt(start), maxRecordBytes);
    }
    if (tooLarge === null) batch.push({ fields, start, end, raw: null, unterminated: false, line: null });
    recordStart = end;
  });
  // Errors are taken from the write callbacks; without a listener the stream would also throw them.
  parser.on('error', () => {});
  const check = (error: Error | null): void => {
    if (tooLarge !== null) throw tooLarge;
    if (error === null) return;
    if ((error as CsvError).code === 'CSV_MAX_RECORD_SIZE') throw recordTooLarge(window.lineAt(recordStart), maxRecordBytes);
    throw error;
  };
  try {
    for await (const chunk of source.chunks) {
      window.push(chunk);
      const error = await feed(parser, chunk);
      if (batch.length > 0) {
        yield batch;
        batch = [];
      }
      check(error);
      if (recordStart !== null) {
        // Bytes past the last record all belong to the next one: keep the memory bound promised.
        if (window.end - recordStart > maxRecordBytes) throw recordTooLarge(window.lineAt(recordStart), maxRecordBytes);
        window.release(recordStart);
      }
    }
    const error = await feed(parser, null);
    if (batch.length > 0) yield batch;
    if (error !== null && (error as CsvError).code === 'CSV_QUOTE_NOT_CLOSED') {
      const line = window.lineAt(recordStart);
      yield [{ fields: [], start: recordStart, end: null, raw: null, unterminated: true, line }];
      return;
    }
    check(error);
  } finally {
    parser.destroy();
  }
}

/**
 * Where each field lies in a record's raw bytes, found by parsing the record again with csv-parse
 * (its `cast` hook is told where each field ends). Used only to give an error its file offset.
 */
function fieldRanges(raw: Uint8Array, delimiter: string): { start: number; end: number }[] {
  const ranges: { start: number; end: number }[] = [];
  parseSync(raw, {
    ...csvOptions(delimiter, 0),
    cast: (value, context) => {
      const start = ranges.length === 0 ? 0 : ranges[ranges.length - 1]!.end + delimiter.length;
      ranges.push({ start, end: context.bytes });
      return value;
    },
  });
  return ranges;
}

type FieldValue = { ok: true; text: string } | { ok: false; reason: string };

/** How fields are decoded, and how an error finds its file offset. */
interface FieldContext {
  delimiter: string;
  window: ByteWindow;
  /** File offset of stream offset 0 (the BOM's length), or null when offsets mean nothing (UTF-16). */
  base: number | null;
}

function rawBytes(record: CsvRecord, ctx: FieldContext): Uint8Array | null {
  return record.raw ?? ctx.window.slice(record.start, record.end);
}

/**
 * A field's text, checked. csv-parse's text is exact unless it holds U+FFFD (also what a bad byte
 * becomes) or NUL; only then is the field found in the record's raw bytes (quoting removes only
 * ASCII quotes, so a bad byte is the same there, and raw bytes map 1:1 to file offsets) and
 * decoded strictly, which names the offset of the first bad byte or confirms the text.
 */
function decodeField(record: CsvRecord, index: number, ctx: FieldContext): FieldValue {
  const text = record.fields[index]!;
  if (!text.includes('\uFFFD') && !text.includes('\0')) return { ok: true, text };
  // UTF-16 was transcoded to valid UTF-8 (an unpaired surrogate is already a U+FFFD).
  if (ctx.base === null) return text.includes('\0') ? { ok: false, reason: 'binary data (NUL character)' } : { ok: true, text };
  const raw = record.start === null ? null : rawBytes(record, ctx);
  if (raw === null || record.start === null) {
    // Positions are not known (see csvRecords): no offset to name, and U+FFFD cannot be confirmed.
    return { ok: false, reason: text.includes('\0') ? 'binary data (NUL character)' : 'not valid UTF-8' };
  }
  const range = fieldRanges(raw, ctx.delimiter)[index] ?? { start: 0, end: raw.length };
  const base = ctx.base + record.start;
  const nul = raw.indexOf(0, range.start);
  if (nul >= 0 && nul < range.end) return { ok: false, reason: `binary data (NUL byte at offset ${base + nul})` };
  const strict = decodeUtf8Strict(raw, range.start, range.end, base);
  return strict.ok ? { ok: true, text } : strict;
}

/** A line of nothing but spaces and tabs (a quoted `""` is a value, not a blank line). */
function isBlankRecord(record: CsvRecord, ctx: FieldContext): boolean {
  if (record.unterminated || record.fields.length !== 1) return false;
  if (!/^[ \t]*$/.test(record.fields[0]!)) return false;
  return !(rawBytes(record, ctx)?.includes(QUOTE) ?? false);
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
  delimiter: string,
  filePath: string,
  opts: ReadRowsOptions,
  maxRecordBytes: number,
): AsyncGenerator<TabularRow> {
  const file = basename(filePath);
  const window = new ByteWindow();
  const ctx: FieldContext = { delimiter, window, base: 0 };
  let header: string[] | null = null;
  let plan: Plan | null = null;
  let sample: CsvRecord[] = [];
  let row = 0;

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
    const plan = planByLength(header!, (c) => {
      let total = 0;
      for (const r of sample) if (c < r.fields.length) total += r.fields[c]!.length;
      return sample.length === 0 ? 0 : total / sample.length;
    });
    return choose(plan, 'length');
  };

  for await (const batch of csvRecords(source, delimiter, maxRecordBytes, window)) {
    // The source knows the encoding once it has produced its first chunk.
    ctx.base = source.info.encoding === 'utf-8' ? source.info.bomBytes : null;
    for (const record of batch) {
      if (isBlankRecord(record, ctx)) continue;
      if (header === null) {
        header = readHeader(record, ctx);
        const named = planByName(header, opts, file, 'column');
        if (named) plan = choose(named.plan, named.chosenBy);
        continue;
      }
      if (plan === null) {
        // Choosing by length: hold the first SAMPLE_ROWS records, then decide and release them.
        // Their raw bytes go with them, as the window moves on meanwhile.
        record.raw = rawBytes(record, ctx);
        sample.push(record);
        if (sample.length < SAMPLE_ROWS) continue;
        plan = decideByLength();
        for (const r of sample) yield toRow(r, ++row, header, plan, ctx);
        sample = [];
        continue;
      }
      yield toRow(record, ++row, header, plan, ctx);
    }
  }
  if (header === null) throw new Error(`no header row in ${file} (the file is blank)`);
  if (plan === null && sample.length > 0) {
    plan = decideByLength();
    for (const r of sample) yield toRow(r, ++row, header, plan, ctx);
  }
}

function readHeader(record: CsvRecord, ctx: FieldContext): string[] {
  if (record.unterminated) throw new Error('the header row has a quote that is never closed');
  const names: string[] = [];
  for (let i = 0; i < record.fields.length; i++) {
    const value = decodeField(record, i, ctx);
    if (!value.ok) throw new Error(`header row is ${value.reason}`);
    names.push(value.text.trim() || `column ${i + 1}`);
  }
  return names;
}

function failedRow(row: number, error: string): TabularRow {
  return { row, text: null, label: null, error: `row ${row}: ${error}` };
}

function toRow(record: CsvRecord, row: number, header: readonly string[], plan: Plan, ctx: FieldContext): TabularRow {
  if (record.unterminated) {
    return failedRow(row, record.line === null ? 'a quote is never closed' : `a quote opened on line ${record.line} is never closed`);
  }
  const count = record.fields.length;
  if (count !== header.length) {
    // Trailing empty fields (a stray delimiter at the end of the line) are harmless.
    let extraNonEmpty = count < header.length;
    for (let i = header.length; i < count && !extraNonEmpty; i++) extraNonEmpty = record.fields[i]!.length > 0;
    if (extraNonEmpty) {
      const hint = count > header.length ? ' (an unquoted delimiter inside a field?)' : '';
      return failedRow(row, `${count} field${count === 1 ? '' : 's'} but the header has ${header.length} columns${hint}`);
    }
  }
  const textName = header[plan.text]!;
  const text = decodeField(record, plan.text, ctx);
  if (!text.ok) return failedRow(row, `${text.reason} in column '${textName}'`);
  if (text.text.trim() === '') return failedRow(row, `empty text in column '${textName}'`);
  let label: string | null = null;
  if (plan.label !== null) {
    const value = decodeField(record, plan.label, ctx);
    if (!value.ok) return failedRow(row, `${value.reason} in column '${header[plan.label]!}'`);
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
