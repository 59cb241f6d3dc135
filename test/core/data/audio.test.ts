import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AudioInputSpec, ParamValues } from '../../../src-main/contract';
import { dataFor } from '../../../src-main/core/data';
import { asAudioSpec, audioData, chooseClipSeconds, framesOf, silenceLevel, sourceClip, type AudioData } from '../../../src-main/core/data/audio';
import { clipLogMel, loadAudioDataset, storedFrames } from '../../../src-main/core/data/audio-data';
import { importFolder } from '../../../src-main/core/datasets/import';
import { initBackend, tf } from '../../../src-main/core/engine/backend';
import { storageLayout } from '../../../src-main/core/paths';
import { METHODS, type SslMethod, type TrainableMethod } from '../../../src-main/core/ssl/methods';
import { Rng } from '../../../src-main/core/ssl/random';
import { openDatabase, type Db } from '../../../src-main/core/storage/db';
import { ItemsRepository } from '../../../src-main/core/storage/repositories/items';
import { RunsRepository } from '../../../src-main/core/storage/repositories/runs';
import { embedItems } from '../../../src-main/core/training/extract';
import { trainRun } from '../../../src-main/core/training/train-loop';

/** 16-bit PCM WAV bytes of `channels` (each a Float32Array of samples in [-1, 1]). */
function wav(channels: Float32Array[], sampleRate: number): Uint8Array {
  const n = channels[0]!.length;
  const c = channels.length;
  const bytes = new Uint8Array(44 + n * c * 2);
  const view = new DataView(bytes.buffer);
  const text = (at: number, s: string): void => [...s].forEach((ch, i) => (bytes[at + i] = ch.charCodeAt(0)));
  text(0, 'RIFF');
  view.setUint32(4, 36 + n * c * 2, true);
  text(8, 'WAVE');
  text(12, 'fmt ');
  view.setUint32(16, 16, true);
  view.setUint16(20, 1, true);
  view.setUint16(22, c, true);
  view.setUint32(24, sampleRate, true);
  view.setUint32(28, sampleRate * c * 2, true);
  view.setUint16(32, c * 2, true);
  view.setUint16(34, 16, true);
  text(36, 'data');
  view.setUint32(40, n * c * 2, true);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < c; k++) view.setInt16(44 + (i * c + k) * 2, Math.round(Math.max(-1, Math.min(1, channels[k]![i]!)) * 32767), true);
  }
  return bytes;
}

function tone(hz: number, seconds: number, sampleRate: number, amplitude = 0.5): Float32Array {
  return Float32Array.from({ length: Math.round(seconds * sampleRate) }, (_, i) => amplitude * Math.sin((2 * Math.PI * hz * i) / sampleRate));
}

const SETTINGS = { sampleRate: 16_000, windowMs: 25, hopMs: 10, melBands: 64 };

describe('clip spectrograms from files', () => {
  it('decodes, mixes to mono and resamples: a 6-channel 48 kHz tone has the same spectrogram as its mono 16 kHz twin', async () => {
    const six = wav(Array.from({ length: 6 }, () => tone(700, 0.4, 48_000)), 48_000);
    const mono = wav([tone(700, 0.4, 16_000)], 16_000);
    const a = await clipLogMel(six, 'wav', SETTINGS, 1000);
    const b = await clipLogMel(mono, 'wav', SETTINGS, 1000);
    expect(a.frames).toBe(40);
    expect(b.frames).toBe(40);
    let worst = 0;
    // The edges differ by the resampler's filter; the middle must agree to a fraction of a nat.
    for (let i = 5 * 64; i < 35 * 64; i++) worst = Math.max(worst, Math.abs(a.mels[i]! - b.mels[i]!));
    expect(worst).toBeLessThan(0.5);
  });

  it('keeps the middle of a clip longer than the limit, and counts its whole length', async () => {
    // 20 s of silence, a 1 s tone in the middle: with a 3 s limit, the kept frames are 8.5..11.5 s.
    const x = new Float32Array(20 * 16_000);
    x.set(tone(2000, 1, 16_000), 9.5 * 16_000);
    const clip = await clipLogMel(wav([x], 16_000), 'wav', SETTINGS, 300);
    expect(clip.clipFrames).toBe(2000);
    expect(clip.frames).toBe(300);
    const loud = (t: number): boolean => Math.max(...clip.mels.subarray(t * 64, (t + 1) * 64)) > 0;
    expect(loud(0)).toBe(false);
    expect(loud(150)).toBe(true);
    expect(loud(299)).toBe(false);
  });
});

// ---------------------------------------------------------------------------------------------
// A dataset of good and bad clips through the data module and the training loop.

let dir: string;
let db: Db;
let datasetId: number;
/** The loop's own cache folder, so that its run reads what the tests computed. */
const cacheDir = (): string => storageLayout(join(dir, 'audio.db')).cacheDir;
const options = (): { cacheDir: string } => ({ cacheDir: cacheDir() });

function write(rel: string, bytes: Uint8Array): void {
  mkdirSync(dirname(join(dir, 'clips', rel)), { recursive: true });
  writeFileSync(join(dir, 'clips', rel), bytes);
}

const LONG_SECONDS = 30 * 60;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pretext-audio-'));
  for (let i = 0; i < 4; i++) {
    write(`low/${i}.wav`, wav([tone(300 + 20 * i, 1 + 0.1 * i, 16_000)], 16_000));
    write(`high/${i}.wav`, wav([tone(3000 + 200 * i, 1 + 0.1 * i, 22_050)], 22_050));
  }
  write('odd/short-10ms.wav', wav([tone(1000, 0.01, 16_000)], 16_000));
  write('odd/silent.wav', wav([new Float32Array(16_000)], 16_000));
  write('odd/six-channels.wav', wav(Array.from({ length: 6 }, (_, k) => tone(500 * (k + 1), 1, 16_000, 0.1)), 16_000));
  write('odd/8khz.wav', wav([tone(440, 1, 8000)], 8000));
  write('odd/96khz.wav', wav([tone(440, 1, 96_000)], 96_000));
  // 30 minutes at 16 kHz (57.6 MB of samples): silence with a 1 s tone in the middle.
  const long = new Float32Array(LONG_SECONDS * 16_000);
  long.set(tone(1500, 1, 16_000), (LONG_SECONDS / 2) * 16_000);
  write('odd/thirty-minutes.wav', wav([long], 16_000));
  // An MP3 with one frame overwritten by junk: the decoder skips the frame.
  const mp3 = new Uint8Array(readFileSync(join(__dirname, '../../fixtures/mixed/tones/silence.mp3')));
  for (let i = 1000; i < 1100; i++) mp3[i] = (i * 37) & 255;
  write('odd/corrupt-frame.mp3', mp3);
  write('odd/vanishes.wav', wav([tone(800, 0.5, 16_000)], 16_000));
  db = openDatabase(join(dir, 'audio.db'));
  datasetId = (await importFolder(db, { path: join(dir, 'clips') })).datasetId;
  // Changed after the import: it cannot be decoded now.
  writeFileSync(join(dir, 'clips', 'odd/vanishes.wav'), new TextEncoder().encode('RIFF, but not any more'));
}, 120_000);
afterAll(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

function resolved(params: ParamValues = {}): AudioInputSpec {
  return asAudioSpec(audioData.resolveSpec(new ItemsRepository(db).forTraining(datasetId, 'audio'), params));
}

let fit: AudioInputSpec;
let data: AudioData;
const path = (data: AudioData, i: number): string => new ItemsRepository(db).forTraining(datasetId, 'audio').find((item) => item.id === data.itemIds[i])!.path;

describe('the audio data module', () => {
  beforeAll(async () => {
    fit = asAudioSpec(await audioData.fitSpec!(db, datasetId, resolved(), options()));
    data = await audioData.load(db, datasetId, fit, options());
  }, 300_000);

  it('is registered', () => {
    expect(dataFor('audio')).toBe(audioData);
  });

  it('chooses the clip length from the durations and the frames from the hop, never from labels', () => {
    const items = new ItemsRepository(db).forTraining(datasetId, 'audio');
    expect(chooseClipSeconds(items)).toBe(1);
    expect(chooseClipSeconds([])).toBe(1);
    const relabelled = items.map((i) => ({ ...i, label: 'x' }));
    expect(chooseClipSeconds(relabelled)).toBe(chooseClipSeconds(items));
    expect(resolved()).toEqual({ modality: 'audio', sampleRate: 16_000, windowMs: 25, hopMs: 10, melBands: 64, clipSeconds: 1, frames: 100, mean: 0, std: 0, extraction: 'centre' });
    expect(resolved({ clipSeconds: 2.5, melBands: 40, hopMs: 20, sampleRate: 8000 })).toMatchObject({ clipSeconds: 2.5, frames: 125, melBands: 40, sampleRate: 8000 });
    expect(framesOf(0.01, 10)).toBe(1);
    expect(audioData.inputShape(fit)).toEqual([64, 100, 1]);
  });

  it('measures the normalisation on the clips: the loaded log-mels have mean 0 and standard deviation 1', () => {
    expect(fit.std).toBeGreaterThan(0);
    let sum = 0;
    let squares = 0;
    for (const v of data.mels) sum += v;
    const mean = sum / data.mels.length;
    for (const v of data.mels) squares += (v - mean) ** 2;
    expect(mean).toBeCloseTo(0, 4);
    expect(Math.sqrt(squares / data.mels.length)).toBeCloseTo(1, 4);
  });

  it('keeps a spec that has its statistics', async () => {
    expect(await audioData.fitSpec!(db, datasetId, fit, options())).toBe(fit);
  });

  it('reads every readable clip, the odd ones included, and lists the unreadable one with its reason', () => {
    const paths = data.itemIds.map((_, i) => path(data, i)).sort();
    expect(paths).toEqual(
      [
        ...['0', '1', '2', '3'].flatMap((i) => [`high/${i}.wav`, `low/${i}.wav`]),
        'odd/8khz.wav',
        'odd/96khz.wav',
        'odd/corrupt-frame.mp3',
        'odd/short-10ms.wav',
        'odd/silent.wav',
        'odd/six-channels.wav',
        'odd/thirty-minutes.wav',
      ].sort(),
    );
    expect(data.failures).toEqual([{ path: 'odd/vanishes.wav', reason: expect.stringMatching(/WAV/) }]);
    expect(data.offsets.length).toBe(data.itemIds.length + 1);
    expect(data.mels.length).toBe(data.offsets.at(-1)! * 64);
    for (const v of data.mels) expect(Number.isFinite(v)).toBe(true);
  });

  it('keeps the middle of the 30-minute clip, capped at three inputs (at least 10 s), not its 30 minutes', () => {
    const i = data.itemIds.findIndex((_, k) => path(data, k) === 'odd/thirty-minutes.wav');
    const clip = sourceClip(data, i);
    expect(clip.frames).toBe(storedFrames({ ...SETTINGS, frames: fit.frames }));
    expect(clip.frames).toBe(1000);
    const silence = silenceLevel(fit);
    const loud = (t: number): boolean => Math.max(...clip.mels.subarray(t * 64, (t + 1) * 64)) > silence + 1;
    expect(loud(0)).toBe(false);
    expect(loud(500)).toBe(true);
    expect(loud(999)).toBe(false);
  });

  it('pads short clips with the value of silence, centred, and gives every clip one input of [64, 100, 1]', () => {
    const n = data.itemIds.length;
    const out = new Float32Array(n * 64 * 100);
    audioData.centre(data, Int32Array.from({ length: n }, (_, i) => i), out);
    for (const v of out) expect(Number.isFinite(v)).toBe(true);
    const short = data.itemIds.findIndex((_, k) => path(data, k) === 'odd/short-10ms.wav');
    expect(sourceClip(data, short).frames).toBe(1);
    const input = out.subarray(short * 6400, (short + 1) * 6400);
    const silence = silenceLevel(fit);
    // Frame 50 of 100 holds the clip (floor((100 − 1) / 2) = 49 frames of padding before it).
    for (let b = 0; b < 64; b++) {
      for (let t = 0; t < 100; t++) if (t !== 49) expect(input[b * 100 + t]).toBeCloseTo(silence, 5);
    }
    expect(Math.max(...Array.from({ length: 64 }, (_, b) => input[b * 100 + 49]!))).toBeGreaterThan(silence + 1);
  });

  it('makes the same input from a dropped file as from the dataset (centre == preprocessFile)', async () => {
    for (const rel of ['low/2.wav', 'high/1.wav', 'odd/short-10ms.wav', 'odd/six-channels.wav', 'odd/96khz.wav', 'odd/8khz.wav', 'odd/silent.wav', 'odd/thirty-minutes.wav', 'odd/corrupt-frame.mp3']) {
      const i = data.itemIds.findIndex((_, k) => path(data, k) === rel);
      const fromData = new Float32Array(6400);
      audioData.centre(data, [i], fromData);
      const format = rel.endsWith('.mp3') ? 'mp3' : 'wav';
      const fromFile = await audioData.preprocessFile(readFileSync(join(dir, 'clips', rel)), format, fit);
      expect(Array.from(fromFile), rel).toEqual(Array.from(fromData));
    }
    await expect(audioData.preprocessFile(new TextEncoder().encode('not audio'), 'wav', fit)).rejects.toThrow(/WAV/);
    await expect(audioData.preprocessFile(readFileSync(join(dir, 'clips', 'low/0.wav')), 'wav', resolved())).rejects.toThrow(/no normalisation statistics/);
  }, 120_000);

  it('embeds a long clip as the mean over half-overlapping windows when the spec asks, the same from a dropped file', async () => {
    expect(fit.extraction).toBe('centre');
    expect(audioData.embeddingInputCounts!(data, [0, 1])).toBeNull();
    const windowed: AudioData = { ...data, spec: { ...fit, extraction: 'windows' } };
    expect(asAudioSpec(audioData.resolveSpec(new ItemsRepository(db).forTraining(datasetId, 'audio'), { extraction: 'windows' })).extraction).toBe('windows');
    const n = data.itemIds.length;
    const all = Int32Array.from({ length: n }, (_, i) => i);
    const counts = audioData.embeddingInputCounts!(windowed, all)!;
    const long = data.itemIds.findIndex((_, k) => path(data, k) === 'odd/thirty-minutes.wav');
    const second = data.itemIds.findIndex((_, k) => path(data, k) === 'low/0.wav'); // 1.0 s: one input
    const longer = data.itemIds.findIndex((_, k) => path(data, k) === 'low/3.wav'); // 1.3 s: 130 frames, windows at 0 and 30
    expect(counts[long]).toBe(16); // 1,000 stored frames would take 19 windows of 100 at a hop of 50
    expect(counts[second]).toBe(1);
    expect(counts[longer]).toBe(2);
    const inputs = new Float32Array(counts.reduce((a, b) => a + b, 0) * 6400);
    audioData.embeddingInputs!(windowed, all, inputs);
    const at = (i: number): number => counts.subarray(0, i).reduce((a, b) => a + b, 0) * 6400;
    // A one-input clip gives its centre input; the long clip's first window starts at frame 0 and its last ends at frame 1,000.
    const centre = new Float32Array(6400);
    audioData.centre(data, [second], centre);
    expect(inputs.subarray(at(second), at(second) + 6400)).toEqual(centre);
    const clip = sourceClip(data, long);
    const first = inputs.subarray(at(long), at(long) + 6400);
    const last = inputs.subarray(at(long) + 15 * 6400, at(long) + 16 * 6400);
    for (const [b, t] of [[0, 0], [13, 57], [63, 99]] as const) {
      expect(first[b * 100 + t]).toBe(clip.mels[t * 64 + b]);
      expect(last[b * 100 + t]).toBe(clip.mels[(900 + t) * 64 + b]);
    }
    const fromFile = await audioData.preprocessFile(readFileSync(join(dir, 'clips', 'odd/thirty-minutes.wav')), 'wav', windowed.spec);
    expect(Array.from(fromFile)).toEqual(Array.from(inputs.subarray(at(long), at(long) + 16 * 6400)));

    // Extraction averages each item's window embeddings (a band-mean "encoder": the mean of the windows' band means).
    await initBackend('cpu');
    const method = bandMeans.create({ spec: windowed.spec, params: {}, seed: 1 });
    const embedded = await embedItems(method, audioData, windowed, null);
    const perWindow = await embedItems(method, audioData, { ...data, spec: fit }, null);
    expect(Array.from(embedded.subarray(second * 64, (second + 1) * 64))).toEqual(Array.from(perWindow.subarray(second * 64, (second + 1) * 64)));
    const means = tf.tidy(() => tf.mean(tf.mean(tf.tensor(inputs.subarray(at(long), at(long) + 16 * 6400), [16, 64, 100, 1]), [2, 3]), 0).arraySync() as number[]);
    Array.from(embedded.subarray(long * 64, (long + 1) * 64)).forEach((v, j) => expect(v).toBeCloseTo(means[j]!, 4));
  }, 120_000);

  it('reads the spectrograms back from the cache: one progress report, the same data', async () => {
    expect(readdirSync(cacheDir()).filter((f) => f.startsWith(`audio-d${datasetId}-`)).length).toBe(2);
    const reports: [number, number][] = [];
    const again = await audioData.load(db, datasetId, fit, { ...options(), onProgress: (done, total) => reports.push([done, total]) });
    expect(reports).toEqual([[16, 16]]);
    expect(again.itemIds).toEqual(data.itemIds);
    expect(again.failures).toEqual(data.failures);
    expect(Array.from(again.offsets)).toEqual(Array.from(data.offsets));
    expect(again.mels).toEqual(data.mels);
    // Other settings are another cache entry.
    const raw = await loadAudioDataset(db, datasetId, { ...SETTINGS, melBands: 16 }, 100, options());
    expect(raw.mels.length).toBe(raw.offsets.at(-1)! * 16);
    expect(readdirSync(cacheDir()).filter((f) => f.startsWith(`audio-d${datasetId}-`)).length).toBe(4);
  }, 120_000);

  it('stops when cancelled', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(loadAudioDataset(db, datasetId, { ...SETTINGS, melBands: 24 }, 100, { ...options(), signal: controller.signal })).rejects.toThrow(/abort/i);
  });

  it('draws two views of every clip, deterministic under the seed, of the input shape', () => {
    const n = data.itemIds.length;
    const indices = Int32Array.from({ length: n }, (_, i) => i);
    const views = (seed: number): [Float32Array, Float32Array] => {
      const a = new Float32Array(n * 6400);
      const b = new Float32Array(n * 6400);
      audioData.viewPair(data, indices, a, b, new Rng(seed));
      return [a, b];
    };
    const [a, b] = views(3);
    const [c, d] = views(3);
    expect(c).toEqual(a);
    expect(d).toEqual(b);
    expect(a).not.toEqual(b);
    for (const v of a) expect(Number.isFinite(v)).toBe(true);
  });

  it('refuses a spec whose statistics were never measured', async () => {
    await expect(audioData.load(db, datasetId, resolved(), options())).rejects.toThrow(/no normalisation statistics/);
  });
});

describe('the demo tones', () => {
  it('load with their labels and no failures', async () => {
    const demo = mkdtempSync(join(tmpdir(), 'pretext-tones-'));
    try {
      const tonesDb = openDatabase(join(demo, 'tones.db'));
      try {
        const id = (await importFolder(tonesDb, { path: join(__dirname, '../../../resources/demo/tones') })).datasetId;
        const items = new ItemsRepository(tonesDb).forTraining(id, 'audio');
        const spec = await audioData.fitSpec!(tonesDb, id, audioData.resolveSpec(items, {}), { cacheDir: join(demo, 'cache') });
        const tones = await audioData.load(tonesDb, id, spec, { cacheDir: join(demo, 'cache') });
        expect(tones.itemIds.length).toBe(30);
        expect(tones.failures).toEqual([]);
        expect(new Set(tones.labels)).toEqual(new Set(['chirp', 'hum', 'whistle']));
      } finally {
        tonesDb.close();
      }
    } finally {
      rmSync(demo, { recursive: true, force: true });
    }
  }, 120_000);
});

/** A throwaway baseline for the loop test: each clip's mean log-mel per band over time. */
const bandMeans: SslMethod = {
  id: 'test-band-means',
  name: 'Band means (test)',
  family: 'baseline',
  description: 'Test only.',
  modalities: ['audio'],
  trains: false,
  params: [],
  create: (): TrainableMethod => ({
    embeddingDim: 64,
    trains: false,
    optimizerStep: 0,
    trainStep: () => {
      throw new Error('nothing to train');
    },
    embed: (x) => tf.tidy(() => tf.mean(x, [2, 3]) as tf.Tensor2D), // [B, 64, F, 1] → [B, 64]
    stateVariables: () => [],
    dispose: () => undefined,
  }),
};

describe('the training loop on audio', () => {
  beforeAll(async () => {
    (METHODS as SslMethod[]).push(bandMeans);
    await initBackend('cpu');
  });
  afterAll(() => {
    (METHODS as SslMethod[]).splice(METHODS.indexOf(bandMeans), 1);
  });

  it('fits the spec once, stores it with the run and embeds every readable clip, the bad inputs included', async () => {
    const runs = new RunsRepository(db);
    const runId = runs.create({ datasetId, method: bandMeans.id, config: { method: bandMeans.id, backend: 'cpu', given: { seed: 1 } }, seed: 1 }).id;
    await trainRun(db, runId, { resume: false, layout: storageLayout(join(dir, 'audio.db')) });
    const run = runs.get(runId)!;
    expect(run.status).toBe('completed');
    const stored = asAudioSpec((run.config as { inputSpec: AudioInputSpec }).inputSpec);
    expect(stored).toEqual(fit);
    expect(run.vectors).toBe(15);
  }, 300_000);
});
