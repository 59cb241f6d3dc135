import { createWriteStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  readRows,
  type ColumnChoice,
  type ReadRowsOptions,
  type TabularFormat,
  type TabularRow,
} from '../../../src-main/core/datasets/tabular';
import { fixturePath } from './helpers';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'pretext-tabular-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

let fileCounter = 0;
function file(content: string | Uint8Array, ext = 'csv'): string {
  const path = join(dir, `f${fileCounter++}.${ext}`);
  writeFileSync(path, content);
  return path;
}

async function rows(path: string, format: TabularFormat, opts: ReadRowsOptions = {}): Promise<TabularRow[]> {
  const out: TabularRow[] = [];
  for await (const row of readRows(path, format, opts)) out.push(row);
  return out;
}

async function choice(path: string, format: TabularFormat, opts: ReadRowsOptions = {}): Promise<ColumnChoice | null> {
  let chosen: ColumnChoice | null = null;
  await rows(path, format, { ...opts, onColumns: (c) => (chosen = c) });
  return chosen;
}

const ok = (row: number, text: string, label: string | null = null): TabularRow => ({ row, text, label, error: null });
const bad = (row: number, error: string): TabularRow => ({ row, text: null, label: null, error });

describe('readRows: csv', () => {
  it('reads the fixture: CRLF, quoted commas, a newline inside quotes, doubled quotes, a label column', async () => {
    expect(await rows(fixturePath('mixed/quotes.csv'), 'csv')).toEqual([
      ok(1, 'Simplicity is prerequisite for reliability.', 'wisdom'),
      ok(2, 'Talk is cheap, show me the code.', 'wisdom'),
      ok(
        3,
        'I have always wished for my computer to be as easy to use as my telephone;\nmy wish has come true because I can no longer figure out how to use my telephone.',
        'humour',
      ),
      ok(4, 'There are 10 kinds of people: those who read "binary" and those who don\'t.', 'humour'),
    ]);
    expect(await choice(fixturePath('mixed/quotes.csv'), 'csv')).toEqual({
      columns: ['text', 'author', 'label'],
      textColumn: 'text',
      labelColumn: 'label',
      chosenBy: 'name',
    });
  });

  it('skips a UTF-8 byte-order mark before the header', async () => {
    const path = file(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('Text,Category\nhello,greeting\n')]));
    expect(await rows(path, 'csv')).toEqual([ok(1, 'hello', 'greeting')]);
  });

  it('numbers data rows from 1, skipping blank lines, with multi-line fields counting once', async () => {
    const path = file('text\n\nfirst\n"second\nstill second"\n   \nthird');
    expect(await rows(path, 'csv')).toEqual([ok(1, 'first'), ok(2, 'second\nstill second'), ok(3, 'third')]);
  });

  it('accepts lone CR line endings (classic Mac)', async () => {
    expect(await rows(file('text,label\rone,a\rtwo,b\r'), 'csv')).toEqual([ok(1, 'one', 'a'), ok(2, 'two', 'b')]);
  });

  it('is lenient with stray quotes, keeping a quote that does not close its field as written', async () => {
    // csv-parse's relax_quotes keeps `"quoted"tail` verbatim, where Python's csv would drop both
    // quotes: an unquoted value that merely starts with a quoted word keeps its text.
    const path = file('text\nsay "hi" now\n"quoted"tail\n""\n"a ""b"" c"\n');
    expect(await rows(path, 'csv')).toEqual([
      ok(1, 'say "hi" now'),
      ok(2, '"quoted"tail'),
      bad(3, "row 3: empty text in column 'text'"),
      ok(4, 'a "b" c'),
    ]);
    const tsv = file('text\tlabel\n"Hello" she said, and left\tstory\n', 'tsv');
    expect(await rows(tsv, 'tsv')).toEqual([ok(1, '"Hello" she said, and left', 'story')]);
  });

  it('accepts LF, CRLF and lone CR mixed in one file', async () => {
    expect(await rows(file('text,label\r\none,a\ntwo,b\rthree,c\r\n'), 'csv')).toEqual([
      ok(1, 'one', 'a'),
      ok(2, 'two', 'b'),
      ok(3, 'three', 'c'),
    ]);
  });

  it('chooses a conventionally named text column by column order, case-insensitively', async () => {
    const path = file('id,Review,body\n1,great,long long long long\n');
    expect(await rows(path, 'csv')).toEqual([ok(1, 'great')]);
    expect((await choice(path, 'csv'))?.textColumn).toBe('Review');
  });

  it('uses the textColumn option, exact or case-insensitive, and finds the label next to it', async () => {
    const path = file('title,summary,class\nShort,A longer summary,news\n');
    expect(await rows(path, 'csv', { textColumn: 'title' })).toEqual([ok(1, 'Short', 'news')]);
    expect(await rows(path, 'csv', { textColumn: 'SUMMARY' })).toEqual([ok(1, 'A longer summary', 'news')]);
    expect(await choice(path, 'csv', { textColumn: 'title' })).toEqual({
      columns: ['title', 'summary', 'class'],
      textColumn: 'title',
      labelColumn: 'class',
      chosenBy: 'option',
    });
  });

  it('throws for a textColumn that does not exist, listing the available columns', async () => {
    const path = file('title,summary,class\nShort,A longer summary,news\n');
    await expect(rows(path, 'csv', { textColumn: 'text' })).rejects.toThrow(
      /^no column named 'text' in f\d+\.csv; available columns: 'title', 'summary', 'class'$/,
    );
  });

  it('otherwise picks the column with the longest average value, leaving the label column out', async () => {
    const path = file('id,headline,target,url\n1,Cats are great pets,a-very-long-label-value-indeed-yes,x.io\n2,Dogs too,b-very-long-label-value-indeed-yes,y.io\n');
    expect(await rows(path, 'csv')).toEqual([
      ok(1, 'Cats are great pets', 'a-very-long-label-value-indeed-yes'),
      ok(2, 'Dogs too', 'b-very-long-label-value-indeed-yes'),
    ]);
    expect(await choice(path, 'csv')).toMatchObject({ textColumn: 'headline', labelColumn: 'target', chosenBy: 'length' });
  });

  it('decides by length over the first 50 rows only, then streams the rest with the same choice', async () => {
    const lines = ['a,b'];
    for (let i = 0; i < 50; i++) lines.push(`long value number ${i},x`);
    for (let i = 0; i < 100; i++) lines.push(`s,a much much much longer value ${i}`);
    const result = await rows(file(lines.join('\n')), 'csv');
    expect(result).toHaveLength(150);
    expect(result[0]).toEqual(ok(1, 'long value number 0'));
    expect(result[149]).toEqual(ok(150, 's'));
    // Fewer than 50 rows: the decision is made at the end of the file.
    expect(await rows(file('a,b\nx,longer\n'), 'csv')).toEqual([ok(1, 'longer')]);
  });

  it('reports rows whose field count does not match the header, but allows trailing empty fields', async () => {
    const path = file('text,label\nfine,a\ntoo,many,fields\nalone\ntrailing,b,,\n');
    expect(await rows(path, 'csv')).toEqual([
      ok(1, 'fine', 'a'),
      bad(2, 'row 2: 3 fields but the header has 2 columns (an unquoted delimiter inside a field?)'),
      bad(3, 'row 3: 1 field but the header has 2 columns'),
      ok(4, 'trailing', 'b'),
    ]);
  });

  it('reports empty text and treats an empty label as no label', async () => {
    const path = file('text,label\n,a\n   ,b\nhello,\n');
    expect(await rows(path, 'csv')).toEqual([
      bad(1, "row 1: empty text in column 'text'"),
      bad(2, "row 2: empty text in column 'text'"),
      ok(3, 'hello', null),
    ]);
  });

  it('reports a quote that is never closed', async () => {
    const path = file('text\nfine\n"never closed\nmore\n');
    expect(await rows(path, 'csv')).toEqual([ok(1, 'fine'), bad(2, 'row 2: a quote opened on line 3 is never closed')]);
    // A CRLF inside an earlier quoted field is one line break, whatever the chunk boundaries.
    const crlf = file('text\r\n"two\r\nlines"\r\n\r\n"never closed\r\nmore\r\n');
    for (const chunkBytes of [1, 4, 65536]) {
      expect(await rows(crlf, 'csv', { chunkBytes })).toEqual([
        ok(1, 'two\r\nlines'),
        bad(2, 'row 2: a quote opened on line 5 is never closed'),
      ]);
    }
  });

  it('gives each non-UTF-8 row an error with the file offset, and still yields the good rows', async () => {
    // text,label\n = 11 bytes; "plain ascii row,a\n" = 18 bytes; "un caf" = 6 bytes → é at 35.
    expect(await rows(fixturePath('bad/latin1.csv'), 'csv')).toEqual([
      ok(1, 'plain ascii row', 'a'),
      bad(2, "row 2: not valid UTF-8 (invalid byte 0xE9 at offset 35) in column 'text'"),
      ok(3, 'another fine row', 'a'),
    ]);
  });

  it('counts offsets in raw bytes, through quotes, doubled quotes and a BOM', async () => {
    // BOM (3 bytes) + 'text,label\n' (11) + '"say ""' (7): the é is at offset 21. After it,
    // '"" ok",x\n' (9) + 'fine,y\n' (7) + '"a",' (4) put the 0xFF at offset 42.
    const head = Buffer.from('\ufefftext,label\n"say ""');
    const path = file(Buffer.concat([head, Buffer.from([0xe9]), Buffer.from('"" ok",x\nfine,y\n"a",\xff\n', 'latin1')]));
    expect(await rows(path, 'csv')).toEqual([
      bad(1, "row 1: not valid UTF-8 (invalid byte 0xE9 at offset 21) in column 'text'"),
      ok(2, 'fine', 'y'),
      bad(3, "row 3: not valid UTF-8 (invalid byte 0xFF at offset 42) in column 'label'"),
    ]);
  });

  it('rejects NUL bytes in the text column', async () => {
    expect(await rows(file('text\nab\0c\n'), 'csv')).toEqual([bad(1, "row 1: binary data (NUL byte at offset 7) in column 'text'")]);
  });

  it('keeps a real U+FFFD character, which is valid UTF-8, apart from an invalid byte', async () => {
    // 'text,label\n' (11) + '"a \ufffd b",x\n' (12: the character is 3 bytes) + '"c ' (3): 0xFF at 26.
    const path = file(Buffer.concat([Buffer.from('text,label\n"a \ufffd b",x\n"c '), Buffer.from([0xff]), Buffer.from(' \ufffd",y\n')]));
    expect(await rows(path, 'csv')).toEqual([
      ok(1, 'a \ufffd b', 'x'),
      bad(2, "row 2: not valid UTF-8 (invalid byte 0xFF at offset 26) in column 'text'"),
    ]);
  });

  it('throws for a header that is not UTF-8, a blank file, and a header-only file yields nothing', async () => {
    await expect(rows(file(Buffer.from('t\xe9xt,label\nx,y\n', 'latin1')), 'csv')).rejects.toThrow(
      'header row is not valid UTF-8 (invalid byte 0xE9 at offset 1)',
    );
    await expect(rows(file('\n  \n'), 'csv')).rejects.toThrow(/^no header row in f\d+\.csv \(the file is blank\)$/);
    expect(await rows(file('text,label\n'), 'csv')).toEqual([]);
  });

  it('throws when a record grows past maxRecordBytes (an unclosed quote swallowing the file)', async () => {
    const path = file(`text\nok\n"${'x'.repeat(5000)}\n`);
    await expect(rows(path, 'csv', { maxRecordBytes: 1024 })).rejects.toThrow(
      'a record starting on line 3 is larger than 1024 bytes; is a quote left open?',
    );
    // The whole record counts, not only its largest field, in one chunk or across many.
    const wide = file(`a,b\nok,ok\n${Array.from({ length: 400 }, () => 'xxxx').join(',')}\nok,ok\n`);
    for (const chunkBytes of [100, 65536]) {
      await expect(rows(wide, 'csv', { maxRecordBytes: 1024, chunkBytes })).rejects.toThrow(
        'a record starting on line 3 is larger than 1024 bytes; is a quote left open?',
      );
    }
  });

  it('gives the same rows whatever the chunk boundaries (CRLF, quotes and UTF-8 split across chunks)', async () => {
    const content = '\ufefftext,label\r\n"a, ""b""\r\nc",x\r\nnaïve café 🐈,y\r\n\r\n"end"\r\n';
    const path = file(content);
    const expected = [ok(1, 'a, "b"\r\nc', 'x'), ok(2, 'naïve café 🐈', 'y'), bad(3, 'row 3: 1 field but the header has 2 columns')];
    expect(await rows(path, 'csv')).toEqual(expected);
    for (const chunkBytes of [1, 2, 3, 5, 7]) expect(await rows(path, 'csv', { chunkBytes })).toEqual(expected);
  });
});

describe('readRows: tsv', () => {
  it('splits on tabs, keeps commas, and accepts quoted fields with tabs and newlines', async () => {
    const path = file('sentence\tlabel\nHello, world\tgreet\n"tab\there\nand newline"\tmisc\n', 'tsv');
    expect(await rows(path, 'tsv')).toEqual([ok(1, 'Hello, world', 'greet'), ok(2, 'tab\there\nand newline', 'misc')]);
  });

  it("reads Excel's UTF-16 LE \"Unicode text\" export", async () => {
    const content = 'text\tlabel\r\ncafé 🐈\tcats\r\n';
    const body = Buffer.from(content, 'utf16le');
    const path = file(Buffer.concat([Buffer.from([0xff, 0xfe]), body]), 'tsv');
    expect(await rows(path, 'tsv')).toEqual([ok(1, 'café 🐈', 'cats')]);
    // And big-endian, fed one byte at a time so code units split across chunks.
    const be = Buffer.from(body);
    be.swap16();
    const bePath = file(Buffer.concat([Buffer.from([0xfe, 0xff]), be]), 'tsv');
    expect(await rows(bePath, 'tsv', { chunkBytes: 1 })).toEqual([ok(1, 'café 🐈', 'cats')]);
  });
});

describe('readRows: jsonl', () => {
  it('reads the fixture', async () => {
    expect(await rows(fixturePath('mixed/notes.jsonl'), 'jsonl')).toEqual([
      ok(1, 'Buy oat milk and coffee beans.', 'todo'),
      ok(2, 'Call the plumber about the leaking tap.', 'todo'),
      ok(3, 'An app that tags photos by the sounds recorded with them.', 'idea'),
    ]);
  });

  it('reports invalid JSON and empty text by line, numbering rows among non-blank lines', async () => {
    const result = await rows(fixturePath('bad/broken.jsonl'), 'jsonl');
    expect(result).toHaveLength(4);
    expect(result[0]).toEqual(ok(1, 'fine', 'x'));
    expect(result[1]).toMatchObject({ row: 2, text: null, label: null });
    expect(result[1]!.error).toMatch(/^line 2: invalid JSON \(.+\)$/);
    // Line 3 is blank: not a row. Line 4 is row 3.
    expect(result[2]).toEqual(bad(3, "line 4: empty text in field 'text'"));
    expect(result[3]).toEqual(ok(4, 'also fine'));
  });

  it('yields broken lines before the first object at once and keeps the order', async () => {
    const path = file(['not json', '{"oops"', '{"text": "first", "label": "a"}', 'bad again', '{"text": "second"}'].join('\n'), 'jsonl');
    const result = await rows(path, 'jsonl');
    expect(result.map((r) => [r.row, r.text, r.error?.replace(/ \(.*\)$/, '') ?? null])).toEqual([
      [1, null, 'line 1: invalid JSON'],
      [2, null, 'line 2: invalid JSON'],
      [3, 'first', null],
      [4, null, 'line 4: invalid JSON'],
      [5, 'second', null],
    ]);
    // A file with no object at all streams its errors without throwing.
    const junk = file('a\nb\nc\n', 'jsonl');
    expect((await rows(junk, 'jsonl')).map((r) => r.error?.slice(0, 20))).toEqual(['line 1: invalid JSON', 'line 2: invalid JSON', 'line 3: invalid JSON']);
  });

  it('includes the parser message for invalid JSON', async () => {
    const [row] = await rows(file('{"text": }\n', 'jsonl'), 'jsonl');
    let message = '';
    try {
      JSON.parse('{"text": }');
    } catch (error) {
      message = (error as Error).message;
    }
    expect(row).toEqual(bad(1, `line 1: invalid JSON (${message})`));
  });

  it('chooses the field by name, by option, or by longest string value', async () => {
    const named = file('{"id": 1, "content": "short", "notes": "much longer notes here"}\n', 'jsonl');
    expect(await rows(named, 'jsonl')).toEqual([ok(1, 'short')]);
    expect(await rows(named, 'jsonl', { textColumn: 'notes' })).toEqual([ok(1, 'much longer notes here')]);
    const unnamed = file('{"id": 1, "title": "A", "abstract": "A long abstract", "category": "physics-and-astronomy"}\n', 'jsonl');
    expect(await rows(unnamed, 'jsonl')).toEqual([ok(1, 'A long abstract', 'physics-and-astronomy')]);
    expect(await choice(unnamed, 'jsonl')).toEqual({
      columns: ['id', 'title', 'abstract', 'category'],
      textColumn: 'abstract',
      labelColumn: 'category',
      chosenBy: 'length',
    });
  });

  it('throws for a missing textColumn, listing the fields seen', async () => {
    const path = file('{"a": "x"}\n{"b": "y"}\n', 'jsonl');
    await expect(rows(path, 'jsonl', { textColumn: 'text' })).rejects.toThrow(
      /^no field named 'text' in f\d+\.jsonl; available fields: 'a', 'b'$/,
    );
  });

  it('throws when no field has string values', async () => {
    await expect(rows(file('{"a": 1}\n{"a": 2}\n', 'jsonl'), 'jsonl')).rejects.toThrow(
      "no text field: none of the first 2 objects has a string value (fields seen: 'a')",
    );
  });

  it('converts numeric and boolean labels and texts, and rejects other shapes', async () => {
    const path = file(
      [
        '{"text": "a", "label": 3}',
        '{"text": 42, "label": true}',
        '[1, 2]',
        '"just a string"',
        '{"text": {"nested": 1}}',
        '{"text": "b", "label": ["x"]}',
        '{"text": null}',
        '{"label": "no text"}',
      ].join('\n'),
      'jsonl',
    );
    expect(await rows(path, 'jsonl')).toEqual([
      ok(1, 'a', '3'),
      ok(2, '42', 'true'),
      bad(3, 'line 3: expected a JSON object, got an array'),
      bad(4, 'line 4: expected a JSON object, got a string'),
      bad(5, "line 5: field 'text' is an object, not text"),
      bad(6, "line 6: field 'label' is an array, not a label"),
      bad(7, "line 7: empty text in field 'text'"),
      bad(8, "line 8: empty text in field 'text'"),
    ]);
  });

  it('reports a non-UTF-8 line with its file offset, and handles CRLF', async () => {
    const path = file(Buffer.from('{"text": "ok"}\r\n{"text": "caf\xe9"}\r\n{"text": "fine"}', 'latin1'), 'jsonl');
    expect(await rows(path, 'jsonl')).toEqual([
      ok(1, 'ok'),
      bad(2, 'line 2: not valid UTF-8 (invalid byte 0xE9 at offset 29)'),
      ok(3, 'fine'),
    ]);
  });

  it('skips an over-long line with an error and carries on after it', async () => {
    const path = file(`{"text": "a"}\n{"text": "${'x'.repeat(3000)}"}\n{"text": "b"}\n`, 'jsonl');
    for (const chunkBytes of [64, 1000, 65536]) {
      expect(await rows(path, 'jsonl', { maxRecordBytes: 1024, chunkBytes })).toEqual([
        ok(1, 'a'),
        bad(2, 'line 2: longer than 1024 bytes'),
        ok(3, 'b'),
      ]);
    }
  });

  it('gives the same rows whatever the chunk boundaries', async () => {
    const path = file('\ufeff{"text": "naïve 🐈", "label": "x"}\r\n\n{"text": "b"}', 'jsonl');
    for (const chunkBytes of [1, 2, 3, 64]) {
      expect(await rows(path, 'jsonl', { chunkBytes })).toEqual([ok(1, 'naïve 🐈', 'x'), ok(2, 'b')]);
    }
  });
});

describe('readRows: streaming', () => {
  const ROWS = 200_000;
  let bigCsv: string;
  let bigJsonl: string;

  beforeAll(async () => {
    // ~14 MB each, written in pieces so the test itself never holds the whole file.
    bigCsv = join(dir, 'big.csv');
    bigJsonl = join(dir, 'big.jsonl');
    const write = async (path: string, header: string, line: (i: number) => string): Promise<void> => {
      const out = createWriteStream(path);
      out.write(header);
      for (let i = 0; i < ROWS; i += 1000) {
        let piece = '';
        for (let j = i; j < i + 1000; j++) piece += line(j);
        if (!out.write(piece)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
      }
      await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
    };
    await write(bigCsv, 'id,text,label\n', (i) => `${i},"Row number ${i}, with a comma and some padding text",${i % 3 === 0 ? 'a' : 'b'}\n`);
    await write(bigJsonl, '', (i) => `{"id":${i},"text":"Row number ${i} with some padding text to make it longer","label":"${i % 2}"}\n`);
  });

  // Expose V8's gc() in this worker so heap samples measure live data, not garbage.
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const used = (): number => {
    const m = process.memoryUsage();
    return m.heapUsed + m.arrayBuffers;
  };

  it.each([
    ['csv', () => bigCsv],
    ['jsonl', () => bigJsonl],
  ] as const)('reads 200k %s rows quickly with bounded memory', async (format, path) => {
    gc();
    const baseline = used();
    let peak = 0;
    let count = 0;
    let last: TabularRow | null = null;
    const started = performance.now();
    for await (const row of readRows(path(), format)) {
      count++;
      last = row;
      if (count % 20_000 === 0) {
        gc();
        peak = Math.max(peak, used() - baseline);
      }
    }
    const seconds = (performance.now() - started) / 1000;
    expect(count).toBe(ROWS);
    expect(last?.row).toBe(ROWS);
    expect(last?.error).toBeNull();
    // The file is ~14 MB; a reader that buffered it (or its rows) would exceed this many times over.
    expect(peak).toBeLessThan(6 * 1024 * 1024);
    expect(seconds).toBeLessThan(3);
  });

  it('stops reading when the consumer stops', async () => {
    const started = performance.now();
    const seen: number[] = [];
    for await (const row of readRows(bigCsv, 'csv')) {
      seen.push(row.row);
      if (seen.length === 3) break;
    }
    expect(seen).toEqual([1, 2, 3]);
    // Far less than parsing 14 MB would take.
    expect(performance.now() - started).toBeLessThan(500);
  });
});
