/**
 * Audio, for the modality registry: each clip decoded, mixed to mono, resampled to the spec's rate
 * and turned into a log-mel spectrogram (log-mel.ts) once, cached beside the database; normalised
 * with the dataset's mean and standard deviation, which fitSpec measures before the run's spec is
 * stored. A model input is [melBands, frames, 1] (frequency × time × one channel, so the image
 * encoders apply): the clip's centre `frames` frames, or the whole clip centred in the normalised
 * value of digital silence when it is shorter (`silenceLevel`, not 0: 0 is the dataset's mean level).
 */
import { AUDIO_EXTRACTIONS, type AudioInputSpec, type InputSpec, type ParamSpec } from '../../contract';
import type { FileFormat } from '../datasets/detect';
import { AudioViewSampler, defaultAudioViews, windowCount, type SourceClip } from '../ssl/views/audio';
import type { TrainingItem } from '../storage/repositories/items';
import { clipLogMel, loadAudioDataset, storedFrames } from './audio-data';
import type { LoadedData, ModalityData } from './types';

export { silenceLevel } from '../ssl/views/audio';

export interface AudioData extends LoadedData {
  modality: 'audio';
  spec: AudioInputSpec;
  /** Every clip's normalised log-mel spectrogram, frame-major [frames_i × melBands], back to back. */
  mels: Float32Array;
  /** Clip i's frames are frames offsets[i] .. offsets[i+1] (length n + 1). */
  offsets: Int32Array;
}

const AUTO = { value: 0, label: 'Auto' };
const AUDIO_PARAMS: readonly ParamSpec[] = [
  { name: 'sampleRate', label: 'Sample rate', type: 'integer', default: 16_000, min: 4000, max: 48_000, unit: 'Hz', help: 'Clips are mixed to mono and resampled to this rate; mel bands reach half of it.', scope: 'data' },
  { name: 'melBands', label: 'Mel bands', type: 'integer', default: 64, min: 8, max: 256, unit: 'bands', help: 'Frequency rows of the log-mel spectrogram (HTK mel scale).', scope: 'data' },
  {
    name: 'clipSeconds',
    label: 'Clip length',
    type: 'number',
    default: 0,
    min: 0.1,
    max: 30,
    auto: AUTO,
    unit: 's',
    help: 'Duration of one model input: longer clips are cropped (the centre for embeddings, random crops for training), shorter ones padded with silence. Auto: the clips’ median duration, 0.5 to 10 s.',
    scope: 'data',
  },
  {
    name: 'extraction',
    label: 'Long clips',
    type: 'choice',
    default: 'centre',
    choices: AUDIO_EXTRACTIONS,
    help: 'How a clip longer than the clip length is embedded: its centre (centre), or the mean of the embeddings of half-overlapping windows over it, up to 16 (windows).',
    scope: 'data',
    advanced: true,
  },
  { name: 'windowMs', label: 'STFT window', type: 'number', default: 25, min: 5, max: 100, unit: 'ms', help: 'Hann window of each spectrogram frame.', scope: 'data', advanced: true },
  { name: 'hopMs', label: 'STFT hop', type: 'number', default: 10, min: 2, max: 50, unit: 'ms', help: 'Time between spectrogram frames.', scope: 'data', advanced: true },
];

export function asAudioSpec(spec: InputSpec): AudioInputSpec {
  if (spec.modality !== 'audio') throw new Error(`expected an audio input spec, got ${spec.modality}`);
  return spec;
}

/** The clips' median duration, to a tenth of a second, within 0.5..10 s (1 s when none is known). */
export function chooseClipSeconds(items: readonly TrainingItem[]): number {
  const durations = items
    .map((i) => i.meta.durationSec ?? 0)
    .filter((d) => d > 0)
    .sort((a, b) => a - b);
  if (durations.length === 0) return 1;
  const median = durations[Math.floor(durations.length / 2)]!;
  return Math.min(10, Math.max(0.5, Math.round(median * 10) / 10));
}

/** Frames of a model input of `clipSeconds` at `hopMs`. */
export function framesOf(clipSeconds: number, hopMs: number): number {
  return Math.max(1, Math.round((clipSeconds * 1000) / hopMs));
}

function fitted(spec: AudioInputSpec): AudioInputSpec {
  if (!(spec.std > 0)) throw new Error(`The audio input spec has no normalisation statistics yet (std ${spec.std}; the training loop measures them with fitSpec)`);
  return spec;
}

/** (x − mean) / std in place. */
function normalise(mels: Float32Array, spec: AudioInputSpec): Float32Array {
  const scale = 1 / spec.std;
  for (let i = 0; i < mels.length; i++) mels[i] = (mels[i]! - spec.mean) * scale;
  return mels;
}

/** Clip `index` of the data, without copying. */
export function sourceClip(data: Pick<AudioData, 'mels' | 'offsets' | 'spec'>, index: number): SourceClip {
  const bands = data.spec.melBands;
  const from = data.offsets[index]!;
  const to = data.offsets[index + 1]!;
  return { mels: data.mels.subarray(from * bands, to * bands), frames: to - from, bands };
}

/** Samplers by spec, so that extraction and queries reuse their buffers. */
const samplers = new Map<string, AudioViewSampler>();
function samplerFor(spec: AudioInputSpec): AudioViewSampler {
  const key = `${spec.melBands}:${spec.frames}:${spec.mean}:${spec.std}`;
  let sampler = samplers.get(key);
  if (!sampler) {
    sampler = new AudioViewSampler(defaultAudioViews(fitted(spec)));
    samplers.set(key, sampler);
  }
  return sampler;
}

const settingsOf = (s: AudioInputSpec) => ({ sampleRate: s.sampleRate, windowMs: s.windowMs, hopMs: s.hopMs, melBands: s.melBands, frames: s.frames });

/** Clips: log-mels computed once (cached beside the database), normalised, views made on the CPU. */
export const audioData: ModalityData<AudioData> = {
  modality: 'audio',
  params: AUDIO_PARAMS,
  resolveSpec: (items, params) => {
    const number = (name: string, fallback: number): number => (typeof params[name] === 'number' && (params[name] as number) > 0 ? (params[name] as number) : fallback);
    const hopMs = number('hopMs', 10);
    const clipSeconds = number('clipSeconds', chooseClipSeconds(items));
    return {
      modality: 'audio',
      sampleRate: number('sampleRate', 16_000),
      windowMs: number('windowMs', 25),
      hopMs,
      melBands: number('melBands', 64),
      clipSeconds,
      frames: framesOf(clipSeconds, hopMs),
      // Measured by fitSpec.
      mean: 0,
      std: 0,
      extraction: params.extraction === 'windows' ? 'windows' : 'centre',
    };
  },
  // Mean and standard deviation of every log-mel value of every stored frame of the dataset's
  // clips (BYOL-A's dataset statistics); the clips are computed and cached here, so load reads them back.
  fitSpec: async (db, datasetId, spec, options) => {
    const s = asAudioSpec(spec);
    if (s.std > 0) return s;
    const raw = await loadAudioDataset(db, datasetId, s, storedFrames(settingsOf(s)), options);
    let sum = 0;
    let squares = 0;
    for (let i = 0; i < raw.mels.length; i++) sum += raw.mels[i]!;
    const mean = sum / raw.mels.length;
    for (let i = 0; i < raw.mels.length; i++) squares += (raw.mels[i]! - mean) ** 2;
    const std = Math.sqrt(squares / raw.mels.length);
    // Only silent clips: every value is the floor; 1 keeps them finite and at 0.
    return { ...s, mean, std: std > 1e-6 ? std : 1 };
  },
  inputShape: (spec) => {
    const s = asAudioSpec(spec);
    if (!(s.frames >= 1)) throw new Error(`The audio input spec has no frame count (got ${s.frames})`);
    return [s.melBands, s.frames, 1];
  },
  load: async (db, datasetId, spec, options) => {
    const s = fitted(asAudioSpec(spec));
    const raw = await loadAudioDataset(db, datasetId, s, storedFrames(settingsOf(s)), options);
    return { modality: 'audio', spec: s, itemIds: raw.itemIds, labels: raw.labels, failures: raw.failures, mels: normalise(raw.mels, s), offsets: raw.offsets };
  },
  centre: (data, indices, out) => {
    const sampler = samplerFor(data.spec);
    const per = data.spec.melBands * data.spec.frames;
    for (let i = 0; i < indices.length; i++) sampler.centre(sourceClip(data, indices[i]!), out, i * per);
  },
  embeddingInputCounts: (data, indices) => {
    if (data.spec.extraction !== 'windows') return null;
    return Int32Array.from(indices, (i) => windowCount(data.offsets[i + 1]! - data.offsets[i]!, data.spec.frames));
  },
  embeddingInputs: (data, indices, out) => {
    const sampler = samplerFor(data.spec);
    const per = data.spec.melBands * data.spec.frames;
    let at = 0;
    for (let i = 0; i < indices.length; i++) {
      const src = sourceClip(data, indices[i]!);
      const count = windowCount(src.frames, data.spec.frames);
      sampler.windows(src, count, out, at * per);
      at += count;
    }
  },
  // Each clip's two views mixed with other clips of the same batch (itself when it is alone).
  viewPair: (data, indices, out1, out2, rng) => {
    const sampler = new AudioViewSampler(defaultAudioViews(data.spec));
    const per = data.spec.melBands * data.spec.frames;
    const n = indices.length;
    const partner = (i: number): SourceClip => sourceClip(data, indices[n > 1 ? (i + 1 + rng.int(n - 1)) % n : i]!);
    for (let i = 0; i < n; i++) {
      const src = sourceClip(data, indices[i]!);
      sampler.sample(src, out1, i * per, rng, partner(i));
      sampler.sample(src, out2, i * per, rng, partner(i));
    }
  },
  preprocessFile: async (bytes, format: FileFormat, spec) => {
    const s = fitted(asAudioSpec(spec));
    const clip = await clipLogMel(bytes, format, s, storedFrames(settingsOf(s)));
    const src = { mels: normalise(clip.mels, s), frames: clip.frames, bands: s.melBands };
    const count = s.extraction === 'windows' ? windowCount(clip.frames, s.frames) : 1;
    const inputs = new Float32Array(count * s.melBands * s.frames);
    if (count === 1) samplerFor(s).centre(src, inputs, 0);
    else samplerFor(s).windows(src, count, inputs, 0);
    return inputs;
  },
};
