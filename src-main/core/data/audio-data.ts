/**
 * Clips → log-mel spectrograms, once per dataset and settings, cached beside the database like
 * decoded images. Decoding streams (see decodeAudioStream and log-mel.ts), and at most
 * `storedFrames` frames of a clip are kept: for a longer recording, the middle ones. Finding the
 * middle of a stream needs its length, so such a recording is decoded twice: once to count its
 * samples (the frames of the first `storedFrames` are computed meanwhile and, for a clip that fits,
 * are the result), then again computing only the middle frames, stopping after them. Memory is
 * the file's bytes, one decoded block and `storedFrames` frames, whatever the duration.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeAudioStream } from '../datasets/decode-audio';
import type { FileFormat } from '../datasets/detect';
import { readItemFile } from '../datasets/item-file';
import type { Db } from '../storage/db';
import { DatasetsRepository } from '../storage/repositories/datasets';
import { ItemsRepository } from '../storage/repositories/items';
import { frameCount, frameGeometry, LogMelFramer, StreamingResampler, type LogMelSettings } from './log-mel';

/**
 * A decode of a 30-minute recording resampled on a busy 2-core machine takes tens of seconds; the
 * decoders' own 30 s guard against a hung decoder is widened for feature extraction.
 */
const FEATURE_DECODE_TIMEOUT_MS = 10 * 60_000;
const DECODE_CONCURRENCY = 2;

/** Longest stretch of a clip kept for training crops: three model inputs, at least 10 s. */
export function storedFrames(settings: LogMelSettings & { frames: number }): number {
  const hop = frameGeometry(settings).hop;
  return Math.max(settings.frames * 3, Math.ceil((10 * settings.sampleRate) / hop));
}

export interface ClipLogMel {
  /** Raw log-mel (not normalised), frame-major [frames × bands]. */
  mels: Float32Array;
  /** Frames kept (≤ the limit). */
  frames: number;
  /** Frames of the whole clip. */
  clipFrames: number;
}

/** The stream's sample rate, from its first decoded block. */
async function firstSampleRate(bytes: Uint8Array, format: FileFormat): Promise<number> {
  let rate = 0;
  await decodeAudioStream(bytes, format, (_, sampleRate) => ((rate = sampleRate), false), { timeoutMs: FEATURE_DECODE_TIMEOUT_MS });
  return rate;
}

/** One decode: frames [first, first + limit) computed, every sample counted when `countAll`. */
async function logMelPass(
  bytes: Uint8Array,
  format: FileFormat,
  settings: LogMelSettings,
  fromRate: number,
  first: number,
  limit: number,
  countAll: boolean,
  signal?: AbortSignal,
): Promise<ClipLogMel> {
  const framer = new LogMelFramer(settings, first, limit);
  const resampler = await StreamingResampler.create(fromRate, settings.sampleRate, (s) => framer.push(s));
  let stopped = false;
  try {
    const { samples } = await decodeAudioStream(
      bytes,
      format,
      (mono) => {
        if (signal?.aborted) return false;
        if (framer.full) {
          stopped = true;
          return countAll;
        }
        resampler.push(mono);
        return true;
      },
      { timeoutMs: FEATURE_DECODE_TIMEOUT_MS },
    );
    signal?.throwIfAborted();
    if (!stopped) resampler.finish();
    const { mels } = framer.finish();
    const clipFrames = frameCount(Math.round((samples * settings.sampleRate) / fromRate), framer.geometry.hop);
    return { mels, frames: mels.length / settings.melBands, clipFrames };
  } finally {
    resampler.destroy();
  }
}

/**
 * A file's log-mel spectrogram: mono, resampled to settings.sampleRate, at most `limit` frames (the
 * middle ones of a longer clip). Throws with the decoder's reason when the file cannot be read.
 */
export async function clipLogMel(bytes: Uint8Array, format: FileFormat, settings: LogMelSettings, limit: number, signal?: AbortSignal): Promise<ClipLogMel> {
  const fromRate = await firstSampleRate(bytes, format);
  const head = await logMelPass(bytes, format, settings, fromRate, 0, limit, true, signal);
  if (head.clipFrames <= limit) return head;
  const first = Math.floor((head.clipFrames - limit) / 2);
  const middle = await logMelPass(bytes, format, settings, fromRate, first, limit, false, signal);
  return { ...middle, clipFrames: head.clipFrames };
}

/**
 * The first `limit` frames of a file's log-mel spectrogram (all of a shorter clip), decoding no
 * further than them: a preview of a long recording costs what its first seconds cost.
 */
export async function clipHeadLogMel(bytes: Uint8Array, format: FileFormat, settings: LogMelSettings, limit: number): Promise<{ mels: Float32Array; frames: number }> {
  const fromRate = await firstSampleRate(bytes, format);
  const { mels, frames } = await logMelPass(bytes, format, settings, fromRate, 0, limit, false);
  return { mels, frames };
}

export interface AudioDataset {
  itemIds: number[];
  labels: (string | null)[];
  /** Raw log-mels of every kept clip, frame-major, back to back. */
  mels: Float32Array;
  /** Clip i is frames offsets[i] .. offsets[i+1] (length n + 1). */
  offsets: Int32Array;
  /** Each kept clip's whole duration in frames (more than it keeps when it was longer than the limit). */
  clipFrames: Int32Array;
  failures: { path: string; reason: string }[];
}

export interface LoadAudioOptions {
  cacheDir: string;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

interface CacheIndex {
  itemIds: number[];
  labels: (string | null)[];
  offsets: number[];
  clipFrames: number[];
  failures: { path: string; reason: string }[];
}

/**
 * The raw log-mels of a dataset's clips, in item-id order: from the cache when the same items (by
 * id and content hash) were computed with the same settings before, else decoded and cached.
 */
export async function loadAudioDataset(db: Db, datasetId: number, settings: LogMelSettings, limit: number, options: LoadAudioOptions): Promise<AudioDataset> {
  const dataset = new DatasetsRepository(db).get(datasetId);
  if (!dataset) throw new Error(`No dataset with id ${datasetId}`);
  const items = new ItemsRepository(db).forTraining(datasetId, 'audio');
  if (items.length === 0) throw new Error(`Dataset "${dataset.name}" has no audio to train on`);
  const bands = settings.melBands;
  const key = createHash('sha256')
    .update(`v1 ${settings.sampleRate} ${settings.windowMs} ${settings.hopMs} ${bands} ${limit}\n`)
    .update(items.map((i) => `${i.id}:${i.hash}`).join('\n'))
    .digest('hex')
    .slice(0, 24);
  mkdirSync(options.cacheDir, { recursive: true });
  const cachePath = join(options.cacheDir, `audio-d${datasetId}-${settings.sampleRate}hz-${bands}mel-${key}.bin`);
  const indexPath = `${cachePath}.json`;
  if (existsSync(cachePath) && existsSync(indexPath)) {
    const index = JSON.parse(readFileSync(indexPath, 'utf8')) as CacheIndex;
    const bytes = readFileSync(cachePath);
    const mels = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4).slice();
    if (index.offsets.length === index.itemIds.length + 1 && mels.length === index.offsets.at(-1)! * bands) {
      options.onProgress?.(items.length, items.length);
      return { ...index, mels, offsets: Int32Array.from(index.offsets), clipFrames: Int32Array.from(index.clipFrames) };
    }
  }

  const clips: (ClipLogMel | null)[] = new Array<ClipLogMel | null>(items.length).fill(null);
  const failures: AudioDataset['failures'] = [];
  let next = 0;
  let done = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      options.signal?.throwIfAborted();
      const index = next++;
      const item = items[index]!;
      try {
        const bytes = await readItemFile({ root: dataset.root, path: item.path, linkTarget: item.meta.linkTarget });
        clips[index] = await clipLogMel(bytes, item.format as FileFormat, settings, limit, options.signal);
      } catch (error) {
        options.signal?.throwIfAborted();
        failures.push({ path: item.path, reason: (error as Error).message });
      }
      options.onProgress?.(++done, items.length);
    }
  };
  await Promise.all(Array.from({ length: DECODE_CONCURRENCY }, worker));

  const kept = items.map((_, i) => i).filter((i) => clips[i] !== null);
  if (kept.length === 0) throw new Error(`None of the ${items.length} clips of "${dataset.name}" could be decoded: ${failures[0]?.reason}`);
  const offsets = new Int32Array(kept.length + 1);
  kept.forEach((src, dst) => (offsets[dst + 1] = offsets[dst]! + clips[src]!.frames));
  const mels = new Float32Array(offsets[kept.length]! * bands);
  kept.forEach((src, dst) => mels.set(clips[src]!.mels, offsets[dst]! * bands));
  const result: AudioDataset = {
    itemIds: kept.map((i) => items[i]!.id),
    labels: kept.map((i) => items[i]!.label),
    mels,
    offsets,
    clipFrames: Int32Array.from(kept, (i) => clips[i]!.clipFrames),
    failures,
  };
  writeFileSync(`${cachePath}.tmp`, new Uint8Array(mels.buffer, mels.byteOffset, mels.byteLength));
  renameSync(`${cachePath}.tmp`, cachePath);
  const index: CacheIndex = { itemIds: result.itemIds, labels: result.labels, offsets: Array.from(offsets), clipFrames: Array.from(result.clipFrames), failures };
  writeFileSync(indexPath, JSON.stringify(index));
  return result;
}
