/**
 * Audio probing and decoding on top of audio-decode (WASM decoders for MP3, FLAC, Vorbis, Opus
 * and a JS WAV reader).
 *
 * Probing decodes the whole file, so a file that only has a valid header is caught, but it feeds
 * the decoder in chunks and keeps only a sample count, so an hour of audio does not become a
 * gigabyte of Float32 samples. The codec is chosen from our own detection rather than
 * audio-decode's guess, so an Ogg file is sent to the Vorbis or Opus decoder by its first packet.
 *
 * The decoders were fuzzed with corrupted and random input and returned or threw within
 * milliseconds, but they are third-party WASM fed with untrusted files, so each decode also races
 * a timeout. A timeout can stop us waiting on a decoder that never settles its promise; it cannot
 * interrupt a decoder stuck in a synchronous loop, which only a worker thread could.
 *
 * A WAV header's sizes are checked against the bytes really there before decoding (see
 * wavSizeProblem): the decoder would otherwise play whatever is present of a `data` chunk that
 * claims 4 GB, and the file would import as "ok" with a length no one can trust.
 */
import decode from 'audio-decode';
import { FORMAT_NAME, type FileFormat } from './detect';

export type AudioProbe =
  | { ok: true; durationSec: number; sampleRate: number; channels: number }
  | { ok: false; reason: string };

export interface MonoAudio {
  samples: Float32Array;
  sampleRate: number;
}

export interface AudioOptions {
  /** Give up on a decode after this long. Default 30 s. */
  timeoutMs?: number;
}

export interface MonoOptions extends AudioOptions {
  /** Keep only the first this-many seconds (decoding stops there). */
  maxSeconds?: number;
}

type Codec = 'wav' | 'mp3' | 'flac' | 'oga' | 'opus';

const DEFAULT_TIMEOUT_MS = 30_000;
/** How much encoded data is handed to the decoder at a time. */
const FEED_BYTES = 64 * 1024;

class AudioDecodeError extends Error {}

function ascii(bytes: Uint8Array, at: number, text: string): boolean {
  if (bytes.length < at + text.length) return false;
  for (let i = 0; i < text.length; i++) if (bytes[at + i] !== text.charCodeAt(i)) return false;
  return true;
}

/** Size of an ID3v2 tag at the start (header + syncsafe size + optional footer), or 0. */
function id3Length(bytes: Uint8Array): number {
  if (!ascii(bytes, 0, 'ID3') || bytes.length < 10) return 0;
  const size = ((bytes[6]! & 0x7f) << 21) | ((bytes[7]! & 0x7f) << 14) | ((bytes[8]! & 0x7f) << 7) | (bytes[9]! & 0x7f);
  const footer = (bytes[5]! & 0x10) !== 0 ? 10 : 0;
  return 10 + size + footer;
}

/**
 * The decoder for a detected format. An Ogg file names its codec in the first packet of its
 * first page (after the 27-byte page header and the segment table).
 */
function codecFor(bytes: Uint8Array, format: FileFormat): Codec {
  switch (format) {
    case 'wav':
      return 'wav';
    case 'flac':
      return 'flac';
    case 'mp3': {
      // Some taggers put an ID3 tag in front of FLAC data; it then looks like MP3 from the head.
      const skip = id3Length(bytes);
      if (skip > 0 && ascii(bytes, skip, 'fLaC')) return 'flac';
      return 'mp3';
    }
    case 'ogg': {
      const segments = bytes[26] ?? 0;
      const packet = 27 + segments;
      if (ascii(bytes, packet, '\x01vorbis')) return 'oga';
      if (ascii(bytes, packet, 'OpusHead')) return 'opus';
      if (ascii(bytes, packet, '\x7fFLAC')) throw new AudioDecodeError('unsupported audio: FLAC inside Ogg (save it as a .flac file)');
      if (ascii(bytes, packet, 'Speex')) throw new AudioDecodeError('unsupported audio: Ogg Speex');
      if (ascii(bytes, packet, '\x80theora')) throw new AudioDecodeError('Ogg video (Theora), not audio');
      if (bytes.length < packet + 8) throw new AudioDecodeError('truncated Ogg file (the first page is incomplete)');
      throw new AudioDecodeError('unsupported Ogg stream (neither Vorbis nor Opus)');
    }
    default:
      throw new AudioDecodeError(`${format} is not an audio format`);
  }
}

/** 4294967280 → "4.0 GB", 1234 → "1.2 KB". */
function formatBytes(n: number): string {
  if (n >= 1024 ** 3) return `${(n / 1024 ** 3).toFixed(1)} GB`;
  if (n >= 1024 ** 2) return `${(n / 1024 ** 2).toFixed(1)} MB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${n} bytes`;
}

/**
 * Checks a WAV's RIFF size and its `data` chunk size against the file's real length, walking the
 * chunks from the header, and returns why they disagree, or null. A chunk may be one byte short of
 * its declared end: chunks are padded to even sizes and some writers leave off the last pad byte.
 * Only the first `data` chunk is checked (the one the decoder reads); a file this walk cannot make
 * sense of is left to the decoder, whose reasons are more specific. Exported for tests.
 */
export function wavSizeProblem(bytes: Uint8Array): string | null {
  if (bytes.length < 12 || !ascii(bytes, 0, 'RIFF') || !ascii(bytes, 8, 'WAVE')) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const has = formatBytes(bytes.length);
  // 0xFFFFFFFF is what a writer leaves when it cannot seek back to fill the sizes in (ffmpeg
  // writing to a pipe); the decoder would read such a file to its end, but its length is unknown.
  const advice = (size: number): string =>
    size === 0xffffffff
      ? '(the size was never filled in, as when a WAV is written to a pipe; rewriting it with ffmpeg or sox fixes that)'
      : '(truncated, or the header is wrong)';
  for (let at = 12; at + 8 <= bytes.length; ) {
    const size = view.getUint32(at + 4, true);
    if (ascii(bytes, at, 'data')) {
      if (at + 8 + size > bytes.length + 1) {
        return `WAV header claims ${formatBytes(size)} of audio data but the file has ${has} ${advice(size)}`;
      }
      break;
    }
    at += 8 + size + (size & 1);
  }
  const riffSize = view.getUint32(4, true);
  if (8 + riffSize > bytes.length + 1) {
    return `WAV header claims a file of ${formatBytes(8 + riffSize)} but the file has ${has} ${advice(riffSize)}`;
  }
  return null;
}

async function* feed(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += FEED_BYTES) yield bytes.subarray(i, i + FEED_BYTES);
}

/** Exported for tests: rejects with a clear reason if `work` has not settled after `ms`. */
export async function withTimeout<T>(work: Promise<T>, ms: number, format: FileFormat): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new AudioDecodeError(`the ${FORMAT_NAME[format]} decoder did not finish within ${ms / 1000} s`)),
      ms,
    );
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

interface Chunk {
  channelData: Float32Array[];
  sampleRate: number;
}

/**
 * Runs the decoder over the file, calling `onChunk` for each block of decoded samples; `onChunk`
 * returns false to stop early. Errors from the decoder become AudioDecodeErrors with its message.
 */
async function decodeChunks(
  bytes: Uint8Array,
  format: FileFormat,
  timeoutMs: number,
  onChunk: (chunk: Chunk) => boolean,
): Promise<void> {
  const codec = codecFor(bytes, format);
  if (codec === 'wav') {
    const problem = wavSizeProblem(bytes);
    if (problem) throw new AudioDecodeError(problem);
  }
  const run = async (): Promise<void> => {
    try {
      for await (const chunk of decode(feed(bytes), codec)) {
        if (!onChunk(chunk)) break;
      }
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      // "Unsupported WAV format: 0x55" is a codec we lack (MP3 inside WAV), not a broken file.
      const what = /unsupported/i.test(message) ? 'unsupported' : 'corrupt';
      throw new AudioDecodeError(`${what} ${FORMAT_NAME[format]} (${message})`);
    }
  };
  await withTimeout(run(), timeoutMs, format);
}

/**
 * Why a WAV decoded to nothing. The decoder only says "no samples"; the chunk layout can say
 * whether the header is broken or the file simply holds no audio.
 */
function wavNoSamplesReason(bytes: Uint8Array): string {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let fmtChannels: number | null = null;
  for (let at = 12; at + 8 <= bytes.length; ) {
    const size = view.getUint32(at + 4, true);
    if (ascii(bytes, at, 'fmt ') && at + 12 <= bytes.length) fmtChannels = view.getUint16(at + 10, true);
    at += 8 + size + (size & 1);
  }
  if (fmtChannels === null) return "corrupt WAV (no 'fmt ' chunk)";
  if (fmtChannels === 0) return "corrupt WAV (0 channels in the 'fmt ' chunk)";
  return 'no audio samples';
}

function noSamplesReason(bytes: Uint8Array, format: FileFormat): string {
  if (format === 'wav') return wavNoSamplesReason(bytes);
  return `no audio samples (the ${FORMAT_NAME[format]} data could not be decoded: corrupt or truncated?)`;
}

/**
 * Decodes the whole file to check it and measure it: duration in seconds, sample rate, channels.
 * Never throws; a failure is { ok: false, reason }.
 */
export async function probeAudio(bytes: Uint8Array, format: FileFormat, opts: AudioOptions = {}): Promise<AudioProbe> {
  let frames = 0;
  let sampleRate = 0;
  let channels = 0;
  try {
    if (bytes.length === 0) return { ok: false, reason: 'no audio samples' };
    await decodeChunks(bytes, format, opts.timeoutMs ?? DEFAULT_TIMEOUT_MS, (chunk) => {
      const length = chunk.channelData[0]?.length ?? 0;
      if (length > 0) {
        frames += length;
        sampleRate ||= chunk.sampleRate;
        channels = Math.max(channels, chunk.channelData.length);
      }
      return true;
    });
  } catch (error) {
    return { ok: false, reason: error instanceof Error ? error.message : String(error) };
  }
  if (frames === 0) return { ok: false, reason: noSamplesReason(bytes, format) };
  if (!(sampleRate > 0) || !Number.isFinite(sampleRate)) {
    return { ok: false, reason: `corrupt ${FORMAT_NAME[format]} (invalid sample rate ${sampleRate})` };
  }
  return { ok: true, durationSec: frames / sampleRate, sampleRate, channels };
}

/**
 * Resamples mono audio. Downsampling averages the source samples that fall in each output
 * sample's span (a box filter: crude, but it removes most aliasing); upsampling interpolates
 * linearly. Good enough for previews and spectrogram features, not for listening tests.
 */
export function resample(samples: Float32Array, fromRate: number, toRate: number): Float32Array {
  if (fromRate === toRate || samples.length === 0) return samples;
  const outLength = Math.max(1, Math.round((samples.length * toRate) / fromRate));
  const out = new Float32Array(outLength);
  const ratio = fromRate / toRate;
  if (ratio > 1) {
    for (let j = 0; j < outLength; j++) {
      const start = Math.floor(j * ratio);
      const end = Math.min(samples.length, Math.max(start + 1, Math.floor((j + 1) * ratio)));
      let sum = 0;
      for (let i = start; i < end; i++) sum += samples[i]!;
      out[j] = sum / (end - start);
    }
  } else {
    const last = samples.length - 1;
    for (let j = 0; j < outLength; j++) {
      const pos = j * ratio;
      const i = Math.floor(pos);
      const frac = pos - i;
      const a = samples[Math.min(i, last)]!;
      const b = samples[Math.min(i + 1, last)]!;
      out[j] = a + (b - a) * frac;
    }
  }
  return out;
}

/**
 * Decodes chunk by chunk, each block mixed to mono (channels averaged) and handed to `onChunk` with
 * the stream's sample rate (the block is valid during the call only); `onChunk` returns false to
 * stop decoding there, and must not throw (the decoder's errors are reported as corrupt files). Nothing but the current
 * block is held, so a long recording can be turned into features without its samples in memory.
 * Returns the sample rate and how many samples were handed over; throws an Error with the same
 * reasons probeAudio gives, and when there were no samples.
 */
export async function decodeAudioStream(
  bytes: Uint8Array,
  format: FileFormat,
  onChunk: (mono: Float32Array, sampleRate: number) => boolean,
  opts: AudioOptions = {},
): Promise<{ sampleRate: number; samples: number }> {
  if (bytes.length === 0) throw new Error('no audio samples');
  let total = 0;
  let sampleRate = 0;
  let badRate = false;
  await decodeChunks(bytes, format, opts.timeoutMs ?? DEFAULT_TIMEOUT_MS, (chunk) => {
    const channels = chunk.channelData;
    const length = channels[0]?.length ?? 0;
    if (length === 0) return true;
    sampleRate ||= chunk.sampleRate;
    if (!(sampleRate > 0) || !Number.isFinite(sampleRate)) {
      badRate = true;
      return false;
    }
    let mono = channels[0]!;
    if (channels.length > 1) {
      mono = new Float32Array(length);
      for (const data of channels) for (let i = 0; i < length; i++) mono[i]! += data[i]!;
      for (let i = 0; i < length; i++) mono[i]! /= channels.length;
    }
    total += length;
    return onChunk(mono, sampleRate);
  });
  if (badRate) throw new AudioDecodeError(`corrupt ${FORMAT_NAME[format]} (invalid sample rate ${sampleRate})`);
  if (total === 0) throw new Error(noSamplesReason(bytes, format));
  return { sampleRate, samples: total };
}

/**
 * Decodes to mono (channels averaged), optionally resampled to `targetRate` and cut at
 * `opts.maxSeconds`. Throws an Error with the same reasons probeAudio gives.
 */
export async function decodeAudioMono(
  bytes: Uint8Array,
  format: FileFormat,
  targetRate?: number,
  opts: MonoOptions = {},
): Promise<MonoAudio> {
  if (targetRate !== undefined && !(targetRate > 0)) throw new RangeError(`invalid target sample rate ${targetRate}`);
  if (bytes.length === 0) throw new Error('no audio samples');
  const parts: Float32Array[] = [];
  let total = 0;
  let sampleRate = 0;
  let limit = Infinity;
  await decodeChunks(bytes, format, opts.timeoutMs ?? DEFAULT_TIMEOUT_MS, (chunk) => {
    const channels = chunk.channelData;
    const length = channels[0]?.length ?? 0;
    if (length === 0) return true;
    if (sampleRate === 0) {
      sampleRate = chunk.sampleRate;
      if (opts.maxSeconds !== undefined) limit = Math.ceil(opts.maxSeconds * sampleRate);
    }
    const take = Math.min(length, limit - total);
    const mono = new Float32Array(take);
    for (const data of channels) for (let i = 0; i < take; i++) mono[i]! += data[i]!;
    if (channels.length > 1) for (let i = 0; i < take; i++) mono[i]! /= channels.length;
    parts.push(mono);
    total += take;
    return total < limit;
  });
  if (total === 0) throw new Error(noSamplesReason(bytes, format));
  let samples: Float32Array = new Float32Array(total);
  let at = 0;
  for (const p of parts) {
    samples.set(p, at);
    at += p.length;
  }
  if (targetRate !== undefined && targetRate !== sampleRate) {
    samples = resample(samples, sampleRate, targetRate);
    sampleRate = targetRate;
  }
  return { samples, sampleRate };
}
