import { mkdirSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEXT_TOKEN_IDS, type ParamValues, type TextInputSpec } from '../../../src-main/contract';
import { dataFor } from '../../../src-main/core/data';
import { loadTokenizer } from '../../../src-main/core/data/tokenizer';
import { asTextSpec, chooseMaxLength, chooseVocabSize, preprocessText, textData, writeTokenRow, type TextData } from '../../../src-main/core/data/text';
import { importFolder } from '../../../src-main/core/datasets/import';
import { initBackend, tf } from '../../../src-main/core/engine/backend';
import { storageLayout } from '../../../src-main/core/paths';
import { METHODS, type SslMethod, type TrainableMethod } from '../../../src-main/core/ssl/methods';
import { Rng } from '../../../src-main/core/ssl/random';
import { openDatabase, type Db } from '../../../src-main/core/storage/db';
import { ItemsRepository } from '../../../src-main/core/storage/repositories/items';
import { RunsRepository } from '../../../src-main/core/storage/repositories/runs';
import { trainRun } from '../../../src-main/core/training/train-loop';

const { cls: CLS, sep: SEP, pad: PAD } = TEXT_TOKEN_IDS;
const options = (dir: string): { cacheDir: string } => ({ cacheDir: join(dir, 'cache') });

let dir: string;
let db: Db;
let datasetId: number;

const SENTENCES = {
  weather: ['the rain falls on the quiet town', 'a cold wind blows over the hills', 'sunny skies and a warm breeze today', 'heavy snow closed the mountain roads'],
  cooking: ['stir the sauce until it thickens', 'bake the bread for forty minutes', 'chop the onions and fry them slowly', 'season the soup with salt and pepper'],
};
const MANY_SCRIPTS = '日本語のテキスト。中文文本，你好。مرحبا بالعالم 😀🎉👍🏽 e\u0301te\u0301 Ελληνικά русский';
const HUGE = 'the rain falls on the quiet town '.repeat(32_000); // ~1 MB, one line

function write(rel: string, text: string): void {
  mkdirSync(dirname(join(dir, 'texts', rel)), { recursive: true });
  writeFileSync(join(dir, 'texts', rel), text);
}

function spec(params: ParamValues = {}): TextInputSpec {
  const items = new ItemsRepository(db).forTraining(datasetId, 'text');
  return asTextSpec(textData.resolveSpec(items, params));
}

async function fitted(params: ParamValues = {}): Promise<TextInputSpec> {
  return asTextSpec(await textData.fitSpec!(db, datasetId, spec(params), options(dir)));
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pretext-text-'));
  for (const [label, texts] of Object.entries(SENTENCES)) texts.forEach((t, i) => write(`${label}/${i}.txt`, `${t}\n`));
  write('cooking/notes.md', '# Pancakes\n\nwhisk the eggs and the milk, then fry thin pancakes\n');
  write('table.csv', `text,label\n${SENTENCES.weather.map((t) => `"${t}, again",weather`).join('\n')}\nmix flour and water,cooking\n`);
  write('other/scripts.txt', MANY_SCRIPTS);
  write('other/huge.txt', HUGE);
  write('other/invisible.txt', '\u200b\u200b'); // only zero-width spaces: imported, but nothing to tokenise
  write('other/vanishes.txt', 'this file is deleted after the import');
  db = openDatabase(join(dir, 'text.db'));
  datasetId = (await importFolder(db, { path: join(dir, 'texts') })).datasetId;
  unlinkSync(join(dir, 'texts', 'other/vanishes.txt'));
});
afterAll(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('writeTokenRow', () => {
  it('writes [CLS] ids [SEP], then [PAD], and cuts long texts to fit', () => {
    const out = new Float32Array(10).fill(-1);
    writeTokenRow([7, 8, 9], 6, out, 2);
    expect([...out]).toEqual([-1, -1, CLS, 7, 8, 9, SEP, PAD, -1, -1]);
    const cut = new Float32Array(5);
    writeTokenRow([7, 8, 9, 10, 11], 5, cut, 0);
    expect([...cut]).toEqual([CLS, 7, 8, 9, SEP]);
    const empty = new Float32Array(4);
    writeTokenRow([], 4, empty, 0);
    expect([...empty]).toEqual([CLS, SEP, PAD, PAD]);
    expect(() => writeTokenRow([], 1, empty, 0)).toThrow(/room for \[CLS\] and \[SEP\]/);
  });
});

describe('defaults from the data', () => {
  it('maxLength: the 95th percentile of token counts + 2, up to a multiple of 8, within 16..64', () => {
    expect(chooseMaxLength(Array.from({ length: 40 }, (_, i) => i + 1))).toBe(40); // p95 = 38 → 40 → 40
    expect(chooseMaxLength(Array.from({ length: 100 }, (_, i) => i + 1))).toBe(64); // p95 = 95 → 97 → 104, capped
    expect(chooseMaxLength(new Array(50).fill(5))).toBe(16);
    expect(chooseMaxLength([...new Array(95).fill(30), ...new Array(5).fill(2000)])).toBe(32); // the long 5% do not count
    expect(chooseMaxLength(new Array(10).fill(5000))).toBe(64);
    expect(chooseMaxLength([])).toBe(16);
  });

  it('vocabSize: grows with the corpus, 1,000 to 8,000', () => {
    expect(chooseVocabSize(1000)).toBe(1000);
    expect(chooseVocabSize(1_000_000)).toBe(4000);
    expect(chooseVocabSize(100_000_000)).toBe(8000);
  });
});

describe('textData', () => {
  it('is registered, with its data parameters', () => {
    expect(dataFor('text')).toBe(textData);
    expect(textData.params.map((p) => [p.name, p.scope])).toEqual([
      ['vocabSize', 'data'],
      ['maxLength', 'data'],
      ['lowercase', 'data'],
      ['tokenizer', 'data'],
    ]);
  });

  it('resolves what it can from metadata, then fits the tokenizer and the maximum length on the texts', async () => {
    const resolved = spec();
    expect(resolved).toMatchObject({ modality: 'text', tokenizer: '', tokenizerKind: 'wordpiece', maxLength: 0, lowercase: true });
    const s = await fitted();
    const tokenizer = loadTokenizer(s.tokenizer);
    expect(s.vocabSize).toBe(tokenizer.vocabSize);
    expect(s.vocabSize).toBeLessThanOrEqual(resolved.vocabSize);
    expect(textData.inputShape(s)).toEqual([s.maxLength]);
    // The lengths of this corpus (the huge file is cut at 2048 ids, but it is one text of 20).
    const data = await textData.load(db, datasetId, s, options(dir));
    const lengths = data.itemIds.map((_, i) => data.offsets[i + 1]! - data.offsets[i]!);
    expect(s.maxLength).toBe(chooseMaxLength(lengths));
    expect(s.maxLength % 8).toBe(0);
    // The same data and settings give the same spec.
    expect(await fitted()).toEqual(s);
  });

  it('takes what the user set', async () => {
    const s = await fitted({ vocabSize: 300, maxLength: 24, lowercase: false, tokenizer: 'bpe' });
    expect(s).toMatchObject({ tokenizerKind: 'bpe', maxLength: 24, lowercase: false });
    expect(s.vocabSize).toBeLessThanOrEqual(300);
    expect(loadTokenizer(s.tokenizer).kind).toBe('bpe');
  });

  it('loads every readable item, table rows from the database, files from disk; the unreadable one is a failure', async () => {
    const s = await fitted();
    const data = (await textData.load(db, datasetId, s, options(dir))) as TextData;
    const items = new ItemsRepository(db).forTraining(datasetId, 'text');
    expect(items).toHaveLength(4 + 4 + 1 + 5 + 4);
    expect(data.itemIds).toEqual(items.filter((i) => i.path !== 'other/vanishes.txt').map((i) => i.id));
    expect(data.failures).toEqual([{ path: 'other/vanishes.txt', reason: expect.stringMatching(/no longer exists/) }]);
    expect(data.texts).toHaveLength(data.itemIds.length);
    expect(data.offsets).toHaveLength(data.itemIds.length + 1);
    expect(data.offsets.at(-1)).toBe(data.tokens.length);
    const text = (path: string): string => data.texts[data.itemIds.indexOf(items.find((i) => i.path === path)!.id)]!;
    expect(text('weather/0.txt')).toBe('the rain falls on the quiet town\n');
    expect(text('other/huge.txt')).toBe(HUGE);
    expect(data.texts).toContain('the rain falls on the quiet town, again');
    expect(data.texts).toContain('mix flour and water');
    expect(data.labels[data.texts.indexOf('mix flour and water')]).toBe('cooking');
    expect(data.labels[data.itemIds.indexOf(items.find((i) => i.path === 'weather/1.txt')!.id)]).toBe('weather');
    for (const id of data.tokens) expect(id).toBeLessThan(s.vocabSize);
  });

  it('centres items as [CLS] ids [SEP] [PAD]…; the empty, huge and many-script items too', async () => {
    const s = await fitted();
    const data = (await textData.load(db, datasetId, s, options(dir))) as TextData;
    const n = data.itemIds.length;
    const rows = new Float32Array(n * s.maxLength);
    textData.centre(data, Int32Array.from({ length: n }, (_, i) => i), rows);
    for (let i = 0; i < n; i++) {
      const row = rows.subarray(i * s.maxLength, (i + 1) * s.maxLength);
      const ids = data.tokens.subarray(data.offsets[i]!, data.offsets[i + 1]!);
      const kept = Math.min(ids.length, s.maxLength - 2);
      expect(row[0]).toBe(CLS);
      expect([...row.subarray(1, 1 + kept)]).toEqual([...ids.subarray(0, kept)]);
      expect(row[1 + kept]).toBe(SEP);
      expect([...row.subarray(2 + kept)].every((v) => v === PAD)).toBe(true);
    }
    const items = new ItemsRepository(db).forTraining(datasetId, 'text');
    const index = (path: string): number => data.itemIds.indexOf(items.find((i) => i.path === path)!.id);
    expect(data.offsets[index('other/invisible.txt') + 1]! - data.offsets[index('other/invisible.txt')]!).toBe(0);
    expect(rows[index('other/huge.txt') * s.maxLength + s.maxLength - 1]).toBe(SEP); // cut to fit
    expect(data.offsets[index('other/scripts.txt') + 1]! - data.offsets[index('other/scripts.txt')]!).toBeGreaterThan(0);
  });

  it('preprocesses a file, and a typed text, into the row centre makes for the same text', async () => {
    const s = await fitted();
    const data = (await textData.load(db, datasetId, s, options(dir))) as TextData;
    const items = new ItemsRepository(db).forTraining(datasetId, 'text');
    for (const path of ['weather/2.txt', 'cooking/notes.md', 'other/scripts.txt', 'other/huge.txt', 'other/invisible.txt']) {
      const index = data.itemIds.indexOf(items.find((i) => i.path === path)!.id);
      const row = new Float32Array(s.maxLength);
      textData.centre(data, [index], row);
      const bytes = new Uint8Array(readFileSync(join(dir, 'texts', path)));
      expect([...(await textData.preprocessFile(bytes, path.endsWith('.md') ? 'md' : 'txt', s))]).toEqual([...row]);
      expect([...(await preprocessText(data.texts[index]!, s))]).toEqual([...row]);
    }
    await expect(textData.preprocessFile(new TextEncoder().encode('text,label\na,b\n'), 'csv', s)).rejects.toThrow(/many texts/);
    await expect(textData.preprocessFile(new Uint8Array([0xff, 0x41]), 'txt', s)).rejects.toThrow(/not valid UTF-8/);
  });

  it('makes two views per text from the Rng alone, as rows of whole words', async () => {
    const s = await fitted();
    const data = (await textData.load(db, datasetId, s, options(dir))) as TextData;
    const n = data.itemIds.length;
    const indices = Int32Array.from({ length: n }, (_, i) => i);
    const views = (seed: number): [Float32Array, Float32Array] => {
      const a = new Float32Array(n * s.maxLength);
      const b = new Float32Array(n * s.maxLength);
      textData.viewPair(data, indices, a, b, new Rng(seed));
      return [a, b];
    };
    const [a, b] = views(5);
    expect(views(5)).toEqual([a, b]);
    expect(a).not.toEqual(b);
    for (const out of [a, b]) {
      for (let i = 0; i < n; i++) {
        const row = out.subarray(i * s.maxLength, (i + 1) * s.maxLength);
        expect(row[0]).toBe(CLS);
        const sep = row.indexOf(SEP);
        expect(sep).toBeGreaterThan(0);
        expect([...row.subarray(sep + 1)].every((v) => v === PAD)).toBe(true);
        for (const v of row) expect(v).toBeLessThan(s.vocabSize);
      }
    }
  });

  it('refuses a spec whose tokenizer was never trained', async () => {
    await expect(textData.load(db, datasetId, spec(), options(dir))).rejects.toThrow(/no trained tokenizer/);
    expect(() => textData.inputShape(spec())).toThrow(/no maximum length/);
  });
});

/** A throwaway baseline for the loop test: token ids hashed into 16 buckets, counted over non-padding tokens. */
const hashedTokens: SslMethod = {
  id: 'test-hashed-tokens',
  name: 'Hashed tokens (test)',
  family: 'baseline',
  description: 'Test only.',
  modalities: ['text'],
  trains: false,
  params: [],
  create: (): TrainableMethod => ({
    embeddingDim: 16,
    trains: false,
    optimizerStep: 0,
    trainStep: () => {
      throw new Error('nothing to train');
    },
    embed: (x) =>
      tf.tidy(() => {
        const ids = tf.cast(x, 'int32'); // [B, L]
        const mask = tf.cast(tf.notEqual(ids, PAD), 'float32').expandDims(2); // [B, L, 1]
        return tf.sum(tf.mul(tf.oneHot(tf.cast(tf.mod(ids, 16), 'int32') as tf.Tensor2D, 16), mask), 1) as tf.Tensor2D; // [B, 16]
      }),
    stateVariables: () => [],
    dispose: () => undefined,
  }),
};

describe('the training loop on text', () => {
  beforeAll(async () => {
    (METHODS as SslMethod[]).push(hashedTokens);
    await initBackend('cpu');
  });
  afterAll(() => {
    (METHODS as SslMethod[]).splice(METHODS.indexOf(hashedTokens), 1);
  });

  it('fits the spec once, stores it with the run and embeds every readable item, the bad inputs included', async () => {
    const runs = new RunsRepository(db);
    const given = { seed: 1, maxLength: 32 };
    const runId = runs.create({ datasetId, method: hashedTokens.id, config: { method: hashedTokens.id, backend: 'cpu', given }, seed: 1 }).id;
    await trainRun(db, runId, { resume: false, layout: storageLayout(join(dir, 'text.db')) });
    const run = runs.get(runId)!;
    expect(run.status).toBe('completed');
    const stored = asTextSpec((run.config as { inputSpec: TextInputSpec }).inputSpec);
    expect(stored).toMatchObject({ modality: 'text', maxLength: 32, tokenizerKind: 'wordpiece' });
    expect(stored.tokenizer).toBe((await fitted({ maxLength: 32 })).tokenizer);
    expect(run.vectors).toBe(18 - 1);
  });

  it('refuses a dataset with fewer than 2 text items, saying so', async () => {
    rmSync(join(dir, 'one'), { recursive: true, force: true });
    mkdirSync(join(dir, 'one'));
    writeFileSync(join(dir, 'one', 'only.txt'), 'a single note');
    const one = (await importFolder(db, { path: join(dir, 'one') })).datasetId;
    const runs = new RunsRepository(db);
    const runId = runs.create({ datasetId: one, method: hashedTokens.id, config: { method: hashedTokens.id, backend: 'cpu', given: { seed: 1 } }, seed: 1 }).id;
    await expect(trainRun(db, runId, { resume: false, layout: storageLayout(join(dir, 'text.db')) })).rejects.toThrow('Training needs at least 2 text items; this dataset has 1');
  });
});
