/**
 * Tiny data of every modality and small settings, for tests that run every registered method
 * (every-method.test.ts on cpu and wasm, every-method-webgpu.test.ts).
 */
import type { AudioInputSpec, ImageInputSpec, InputSpec, ParamValues, TextInputSpec } from '../../../../src-main/contract';
import { silenceLevel, type AudioData } from '../../../../src-main/core/data/audio';
import type { ImageData } from '../../../../src-main/core/data/image';
import type { TextData } from '../../../../src-main/core/data/text';
import { loadTokenizer, trainTokenizer } from '../../../../src-main/core/data/tokenizer';
import type { LoadedData } from '../../../../src-main/core/data/types';
import type { SslMethod } from '../../../../src-main/core/ssl/methods';
import { Rng } from '../../../../src-main/core/ssl/random';
import { paramsOf, resolveRunParams } from '../../../../src-main/core/training/params';

/** 12 tiny (8×8) greyscale images: two classes of stripes. */
export function tinyImages(): ImageData {
  const spec: ImageInputSpec = { modality: 'image', size: 8, channels: 1, scale: '0-1' };
  const n = 12;
  const pixels = new Uint8Array(n * 64);
  const rng = new Rng(5);
  for (let i = 0; i < n; i++) {
    for (let p = 0; p < 64; p++) {
      const stripe = i % 2 === 0 ? Math.floor(p / 8) % 3 === 0 : p % 3 === 0;
      pixels[i * 64 + p] = Math.round((stripe ? 200 : 40) + rng.uniform(-20, 20));
    }
  }
  return {
    modality: 'image',
    spec,
    itemIds: Array.from({ length: n }, (_, i) => i + 1),
    labels: Array.from({ length: n }, (_, i) => (i % 2 === 0 ? 'rows' : 'columns')),
    failures: [],
    size: 8,
    channels: 1,
    pixels,
  };
}

/** 12 short texts about two topics, one in another script and one empty, tokenised by a tokenizer trained on them. */
export async function tinyTexts(): Promise<TextData> {
  const texts = [
    'the cat sat on the mat and purred',
    'a dog chased the cat around the garden',
    'stock prices fell sharply on monday morning',
    'the market rallied after the bank cut rates',
    'my cat sleeps all day in the sun',
    'investors sold shares as the index dropped',
    'the puppy and the kitten played together',
    'bond yields rose while the dollar weakened',
    '猫がマットの上に座った 🐱',
    'القطة نائمة على السجادة',
    '',
    'dogs and cats make good friends',
  ];
  return tokenisedTexts(texts, { vocabSize: 300, maxLength: 16 }, (i) => (i % 2 === 0 ? 'a' : 'b'));
}

/** `texts` as loaded text data, tokenised by a WordPiece tokenizer trained on them. */
export async function tokenisedTexts(texts: string[], size: { vocabSize: number; maxLength: number }, label: (i: number) => string | null = () => null): Promise<TextData> {
  const json = trainTokenizer(texts, { kind: 'wordpiece', vocabSize: size.vocabSize, lowercase: true });
  const tokenizer = loadTokenizer(json);
  const spec: TextInputSpec = { modality: 'text', tokenizer: json, tokenizerKind: 'wordpiece', vocabSize: tokenizer.vocabSize, maxLength: size.maxLength, lowercase: true };
  const encoded = await tokenizer.encodeBatch(texts);
  const offsets = new Int32Array(texts.length + 1);
  encoded.forEach((ids, i) => (offsets[i + 1] = offsets[i]! + ids.length));
  const tokens = new Int32Array(offsets[texts.length]!);
  encoded.forEach((ids, i) => tokens.set(ids, offsets[i]!));
  return { modality: 'text', spec, itemIds: texts.map((_, i) => i + 1), labels: texts.map((_, i) => label(i)), failures: [], texts, tokens, offsets };
}

/**
 * 12 clips of normalised log-mel frames (16 bands; inputs of 12 frames): rising and falling tones,
 * clips shorter than an input, a 1-frame clip and a silent one (every value the silence floor).
 */
export function tinyAudio(): AudioData {
  const bands = 16;
  const spec: AudioInputSpec = { modality: 'audio', sampleRate: 16000, windowMs: 25, hopMs: 10, melBands: bands, clipSeconds: 0.12, frames: 12, mean: -6, std: 3 };
  const lengths = [30, 24, 40, 18, 26, 33, 24, 50, 10, 1, 24, 28];
  const offsets = new Int32Array(lengths.length + 1);
  lengths.forEach((n, i) => (offsets[i + 1] = offsets[i]! + n));
  const mels = new Float32Array(offsets[lengths.length]! * bands);
  const rng = new Rng(6);
  lengths.forEach((n, i) => {
    for (let t = 0; t < n; t++) {
      const centre = (i % 2 === 0 ? t : n - t) % bands;
      for (let m = 0; m < bands; m++) mels[(offsets[i]! + t) * bands + m] = i === 10 ? silenceLevel(spec) : Math.exp(-((m - centre) ** 2) / 4) + rng.uniform(-0.1, 0.1);
    }
  });
  return {
    modality: 'audio',
    spec,
    itemIds: lengths.map((_, i) => i + 1),
    labels: lengths.map((_, i) => (i % 2 === 0 ? 'rising' : 'falling')),
    failures: [],
    mels,
    offsets,
  };
}

/** Small settings so each method runs in well under a second. */
export const SMALL: ParamValues = { batchSize: 4, learningRate: 1e-2, projectionDim: 8, pcaDims: 5, layers: 1, width: 16, heads: 2, svdDims: 4 };

export function paramsFor(method: SslMethod, spec: InputSpec): ParamValues {
  const known = new Set(paramsOf(method).map((p) => p.name));
  const given = Object.fromEntries(Object.entries(SMALL).filter(([k]) => known.has(k)));
  return resolveRunParams(method, given, spec);
}

/** The tiny data of one modality. */
export const tinyDataOf = async (modality: 'image' | 'text' | 'audio'): Promise<LoadedData & { spec: InputSpec }> =>
  modality === 'image' ? tinyImages() : modality === 'text' ? await tinyTexts() : tinyAudio();
