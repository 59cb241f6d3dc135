/**
 * Log-mel spectrograms, computed as audio streams in so that a long recording never has to be held
 * as samples: mono samples at any rate → libsamplerate's sinc resampler (SRC_SINC_MEDIUM_QUALITY:
 * 121 dB SNR, 90% of the band kept, so the top mel bands at 16 kHz are not attenuated as with its
 * "fastest" 80%) → frames of a periodic Hann window → power spectrum by fft.js's real FFT →
 * triangular mel filters → log(x + 1e-6).
 *
 * The conventions are torchaudio's `MelSpectrogram` defaults, which BYOL-A uses: the power spectrum
 * |X|² unscaled, an HTK mel scale (2595·log10(1 + f/700)) from 0 Hz to Nyquist, filters without
 * area normalisation (norm=None). Frame t covers samples [t·hop, t·hop + window) of the resampled
 * clip, zeros past its end, and a clip of N samples has max(1, ceil(N / hop)) frames, so even a 10 ms
 * clip has one. `scripts/make-log-mel-reference.py` computes the same in numpy for the tests.
 *
 * The mel filterbank is written here, not taken from meyda: meyda's is tied to its own buffer size
 * and Slaney-style scale, and is not exported for reuse; the filters are a dozen lines of arithmetic.
 */
import LibSampleRate from '@alexanderolsen/libsamplerate-js';
import FFT from 'fft.js';

/** Added to the mel power before the log: the value of digital silence is log(1e-6) ≈ −13.8. */
export const LOG_MEL_FLOOR = 1e-6;
export const SILENCE_LOG_MEL = Math.log(LOG_MEL_FLOOR);

export interface LogMelSettings {
  sampleRate: number;
  windowMs: number;
  hopMs: number;
  melBands: number;
}

export interface FrameGeometry {
  /** Window length in samples at the target rate. */
  window: number;
  hop: number;
  /** FFT size: the next power of two ≥ window (the window is zero-padded to it). */
  fftSize: number;
}

export function frameGeometry(s: LogMelSettings): FrameGeometry {
  const window = Math.max(2, Math.round((s.sampleRate * s.windowMs) / 1000));
  const hop = Math.max(1, Math.round((s.sampleRate * s.hopMs) / 1000));
  let fftSize = 4; // fft.js needs a power of two above 2
  while (fftSize < window) fftSize *= 2;
  return { window, hop, fftSize };
}

/** Frames of a clip of `samples` samples at the target rate. */
export function frameCount(samples: number, hop: number): number {
  return Math.max(1, Math.ceil(samples / hop));
}

const hzToMel = (f: number): number => 2595 * Math.log10(1 + f / 700);
const melToHz = (m: number): number => 700 * (10 ** (m / 2595) - 1);

/**
 * HTK triangular filters, [bands × (fftSize/2 + 1)] row-major: band b rises linearly from mel edge
 * b to b + 1 and falls to b + 2, the edges equally spaced in mel from 0 Hz to sampleRate / 2
 * (torchaudio.functional.melscale_fbanks with mel_scale='htk', norm=None).
 */
export function melFilterbank(sampleRate: number, fftSize: number, bands: number): Float32Array {
  const bins = fftSize / 2 + 1;
  const top = hzToMel(sampleRate / 2);
  const edges = Array.from({ length: bands + 2 }, (_, i) => melToHz((top * i) / (bands + 1)));
  const fb = new Float32Array(bands * bins);
  for (let b = 0; b < bands; b++) {
    const lo = edges[b]!;
    const mid = edges[b + 1]!;
    const hi = edges[b + 2]!;
    for (let k = 0; k < bins; k++) {
      const f = (k * sampleRate) / fftSize;
      const w = Math.min((f - lo) / (mid - lo), (hi - f) / (hi - mid));
      if (w > 0) fb[b * bins + k] = w;
    }
  }
  return fb;
}

/** Periodic Hann window (torch.hann_window's default, scipy's 'hann' for spectra). */
export function hannWindow(length: number): Float64Array {
  return Float64Array.from({ length }, (_, n) => 0.5 - 0.5 * Math.cos((2 * Math.PI * n) / length));
}

/**
 * Turns a stream of samples at the target rate into log-mel frames, frame-major [frames × bands].
 * Only frames in [first, first + limit) are computed and kept (the others are counted), so a
 * caller can take the middle of a recording without storing the rest.
 */
export class LogMelFramer {
  readonly geometry: FrameGeometry;
  private readonly bands: number;
  private readonly fft: FFT;
  private readonly filters: Float32Array;
  /** Band b's non-zero weights are bins [from[b], to[b]): a band spans a few bins, the frame loop skips the rest. */
  private readonly from: Int32Array;
  private readonly to: Int32Array;
  private readonly hann: Float64Array;
  private readonly frameIn: Float64Array;
  private readonly spectrum: Float64Array;
  private readonly power: Float64Array;
  /** Samples not yet consumed by a frame: pending[0] is sample `pendingStart` of the clip. */
  private pending: Float32Array;
  private pendingLength = 0;
  private pendingStart = 0;
  private samples = 0;
  private nextFrame = 0;
  /** The kept frames: preallocated when the limit is finite, else a list of rows. */
  private readonly out: Float32Array;
  private readonly growable: Float32Array[] | null;
  private kept = 0;

  constructor(
    settings: LogMelSettings,
    private readonly first = 0,
    private readonly limit = Infinity,
  ) {
    this.geometry = frameGeometry(settings);
    const { window, fftSize, hop } = this.geometry;
    this.bands = settings.melBands;
    this.fft = new FFT(fftSize);
    this.filters = melFilterbank(settings.sampleRate, fftSize, settings.melBands);
    const bins = fftSize / 2 + 1;
    this.from = new Int32Array(this.bands);
    this.to = new Int32Array(this.bands);
    for (let b = 0; b < this.bands; b++) {
      let lo = 0;
      while (lo < bins && this.filters[b * bins + lo] === 0) lo++;
      let hi = bins;
      while (hi > lo && this.filters[b * bins + hi - 1] === 0) hi--;
      this.from[b] = lo;
      this.to[b] = hi;
    }
    this.hann = hannWindow(window);
    this.frameIn = new Float64Array(fftSize);
    this.spectrum = new Float64Array(2 * fftSize);
    this.power = new Float64Array(fftSize / 2 + 1);
    this.pending = new Float32Array(Math.max(window, hop) * 4);
    this.out = new Float32Array(Number.isFinite(limit) ? limit * this.bands : 0);
    this.growable = Number.isFinite(limit) ? null : [];
  }

  /** True once every frame the caller asked for has been computed. */
  get full(): boolean {
    return this.nextFrame >= this.first + this.limit;
  }

  push(chunk: Float32Array): void {
    if (this.full) {
      // Nothing more to compute: count the samples, keep none.
      this.samples += chunk.length;
      return;
    }
    if (this.pendingLength + chunk.length > this.pending.length) {
      const grown = new Float32Array(Math.max(this.pending.length * 2, this.pendingLength + chunk.length));
      grown.set(this.pending.subarray(0, this.pendingLength));
      this.pending = grown;
    }
    this.pending.set(chunk, this.pendingLength);
    this.pendingLength += chunk.length;
    this.samples += chunk.length;
    const { window, hop } = this.geometry;
    while (!this.full && this.nextFrame * hop + window <= this.samples) this.frame();
    this.drop();
  }

  /** Ends the clip: the last frames are computed over zeros past its end. Returns the kept frames and the clip's frame count. */
  finish(): { mels: Float32Array; frames: number } {
    const total = frameCount(this.samples, this.geometry.hop);
    while (!this.full && this.nextFrame < total) this.frame();
    const mels = this.growable ? concat(this.growable, this.kept * this.bands) : this.out.subarray(0, this.kept * this.bands);
    return { mels, frames: total };
  }

  /** Computes frame `nextFrame` (when it is in the kept range) from the pending samples, zeros past the end. */
  private frame(): void {
    const t = this.nextFrame++;
    if (t < this.first) return;
    const { window, hop } = this.geometry;
    const start = t * hop - this.pendingStart;
    const input = this.frameIn;
    for (let n = 0; n < window; n++) {
      const i = start + n;
      input[n] = i < this.pendingLength ? this.pending[i]! * this.hann[n]! : 0;
    }
    this.fft.realTransform(this.spectrum, input);
    const bins = this.power.length;
    for (let k = 0; k < bins; k++) {
      const re = this.spectrum[2 * k]!;
      const im = this.spectrum[2 * k + 1]!;
      this.power[k] = re * re + im * im;
    }
    const row = this.growable ? new Float32Array(this.bands) : this.out.subarray(this.kept * this.bands, (this.kept + 1) * this.bands);
    for (let b = 0; b < this.bands; b++) {
      let sum = 0;
      const base = b * bins;
      for (let k = this.from[b]!; k < this.to[b]!; k++) sum += this.filters[base + k]! * this.power[k]!;
      row[b] = Math.log(sum + LOG_MEL_FLOOR);
    }
    this.growable?.push(row);
    this.kept++;
  }

  /** Forgets the samples every later frame starts after. */
  private drop(): void {
    const needed = this.nextFrame * this.geometry.hop - this.pendingStart;
    const cut = Math.min(Math.max(0, needed), this.pendingLength);
    if (cut === 0) return;
    this.pending.copyWithin(0, cut, this.pendingLength);
    this.pendingLength -= cut;
    this.pendingStart += cut;
  }
}

function concat(rows: Float32Array[], length: number): Float32Array {
  const out = new Float32Array(length);
  let at = 0;
  for (const r of rows) {
    out.set(r, at);
    at += r.length;
  }
  return out;
}

type Converter = Awaited<ReturnType<typeof LibSampleRate.create>>;
const CONVERTER = LibSampleRate.ConverterType.SRC_SINC_MEDIUM_QUALITY;

/**
 * Idle converters by rates, reset and reused: instantiating libsamplerate's WASM module takes about
 * 15 ms, more than converting a one-second clip; a reset (re-initialising its state) takes 30 µs and
 * gives the same output as a fresh converter. At most MAX_IDLE are kept.
 */
const idle: { key: string; converter: Converter }[] = [];
const MAX_IDLE = 8;

/**
 * Streaming sample-rate conversion with libsamplerate (through its WASM port). Its "full" API keeps
 * the filter state between chunks but holds back the filter's tail; `finish` feeds silence until
 * exactly round(N · to / from) samples have come out, so a clip's length does not depend on how
 * the decoder chunked it. `finish` or `destroy` hands the converter back for the next clip.
 */
export class StreamingResampler {
  private src: Converter | null = null;
  private inputSamples = 0;
  private outputSamples = 0;

  private constructor(
    readonly fromRate: number,
    readonly toRate: number,
    private readonly emit: (samples: Float32Array) => void,
  ) {}

  private get key(): string {
    return `${this.fromRate}>${this.toRate}`;
  }

  static async create(fromRate: number, toRate: number, emit: (samples: Float32Array) => void): Promise<StreamingResampler> {
    if (!(fromRate > 0) || !(toRate > 0)) throw new RangeError(`cannot resample from ${fromRate} Hz to ${toRate} Hz`);
    const resampler = new StreamingResampler(fromRate, toRate, emit);
    if (fromRate !== toRate) {
      const at = idle.findIndex((c) => c.key === resampler.key);
      if (at >= 0) {
        resampler.src = idle.splice(at, 1)[0]!.converter;
        // The setter re-initialises the converter's state.
        resampler.src.converterType = CONVERTER;
      } else {
        resampler.src = await LibSampleRate.create(1, fromRate, toRate, { converterType: CONVERTER });
      }
    }
    return resampler;
  }

  /**
   * Converts one chunk, 0.1 s at a time: above 4 MB the library splits its input itself, reading it
   * from the start of the underlying buffer (wrong for a subarray); it returns a new array each call.
   */
  push(samples: Float32Array): void {
    this.inputSamples += samples.length;
    if (!this.src) return this.send(samples);
    const step = Math.max(1024, Math.round(this.fromRate / 10));
    for (let i = 0; i < samples.length; i += step) this.send(this.src.full(samples.subarray(i, i + step)));
  }

  finish(): void {
    const expected = Math.round((this.inputSamples * this.toRate) / this.fromRate);
    if (this.src) {
      const silence = new Float32Array(Math.max(1024, Math.round(this.fromRate / 10)));
      for (let tries = 0; this.outputSamples < expected && tries < 20; tries++) this.send(this.src.full(silence), expected);
      this.destroy();
    }
    if (this.outputSamples < expected) this.send(new Float32Array(expected - this.outputSamples), expected);
  }

  /** Hands the converter back without flushing (decoding stopped early, or failed). */
  destroy(): void {
    if (!this.src) return;
    idle.push({ key: this.key, converter: this.src });
    if (idle.length > MAX_IDLE) idle.shift()!.converter.destroy();
    this.src = null;
  }

  private send(samples: Float32Array, cap = Infinity): void {
    const take = Math.min(samples.length, cap - this.outputSamples);
    if (take <= 0) return;
    this.outputSamples += take;
    this.emit(take === samples.length ? samples : samples.subarray(0, take));
  }
}
