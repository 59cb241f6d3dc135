import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { frameGeometry, LogMelFramer, melFilterbank, SILENCE_LOG_MEL, StreamingResampler } from '../../../src-main/core/data/log-mel';

interface Reference {
  sampleRate: number;
  windowMs: number;
  hopMs: number;
  filterbank8: { bands: number; fftSize: number; values: number[] };
  clips: { seconds: number; bands: number; frames: number; logMel: number[] }[];
}
const reference = JSON.parse(readFileSync(join(__dirname, '../../fixtures/log-mel-reference.json'), 'utf8')) as Reference;

function tone(hz: number, seconds: number, sampleRate: number, amplitude = 0.5): Float32Array {
  return Float32Array.from({ length: Math.round(seconds * sampleRate) }, (_, i) => amplitude * Math.sin((2 * Math.PI * hz * i) / sampleRate));
}

/** The reference script's signal, rounded to float32 as the decoder hands it over. */
function referenceSignal(seconds: number): Float32Array {
  const sr = reference.sampleRate;
  return Float32Array.from({ length: Math.round(seconds * sr) }, (_, i) => {
    const t = i / sr;
    return 0.6 * Math.sin(2 * Math.PI * 440 * t) + 0.3 * Math.sin(2 * Math.PI * 3000 * t) + 0.2 * Math.sin(2 * Math.PI * (200 * t + 0.5 * 4000 * t * t));
  });
}

/** Frequency of the strongest DFT bin of `x` (1 Hz resolution around `near`). */
function peakHz(x: Float32Array, sampleRate: number, near: number): number {
  let best = 0;
  let bestPower = -1;
  for (let f = near - 100; f <= near + 100; f++) {
    let re = 0;
    let im = 0;
    for (let i = 0; i < x.length; i++) {
      re += x[i]! * Math.cos((2 * Math.PI * f * i) / sampleRate);
      im += x[i]! * Math.sin((2 * Math.PI * f * i) / sampleRate);
    }
    if (re * re + im * im > bestPower) [best, bestPower] = [f, re * re + im * im];
  }
  return best;
}

const SETTINGS = { sampleRate: 16_000, windowMs: 25, hopMs: 10, melBands: 64 };

describe('log-mel spectrogram', () => {
  it('matches the numpy reference (HTK filters, periodic Hann, power, log(x + 1e-6)), fed in odd-sized chunks', () => {
    const fb = melFilterbank(16_000, reference.filterbank8.fftSize, reference.filterbank8.bands);
    expect(fb.length).toBe(reference.filterbank8.values.length);
    fb.forEach((w, i) => expect(w).toBeCloseTo(reference.filterbank8.values[i]!, 5));
    for (const clip of reference.clips) {
      const framer = new LogMelFramer({ ...SETTINGS, melBands: clip.bands });
      const x = referenceSignal(clip.seconds);
      for (let i = 0; i < x.length; i += 333) framer.push(x.subarray(i, i + 333));
      const { mels, frames } = framer.finish();
      expect(frames).toBe(clip.frames);
      expect(mels.length).toBe(clip.logMel.length);
      let worst = 0;
      mels.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - clip.logMel[i]!))));
      expect(worst).toBeLessThan(1e-4);
    }
  });

  it('puts a pure tone in the band whose centre is nearest its frequency', () => {
    const bands = 64;
    const framer = new LogMelFramer(SETTINGS);
    framer.push(tone(1000, 0.5, 16_000));
    const { mels, frames } = framer.finish();
    const mel = (f: number): number => 2595 * Math.log10(1 + f / 700);
    // Band b is centred on mel edge b + 1 of bands + 2 equally spaced edges.
    const expected = Math.round((mel(1000) / mel(8000)) * (bands + 1)) - 1;
    const t = Math.floor(frames / 2);
    const row = Array.from(mels.subarray(t * bands, (t + 1) * bands));
    expect(row.indexOf(Math.max(...row))).toBe(expected);
    // Far bands hold only the window's leakage: thousands of times less power.
    expect(row[expected]! - row[bands - 1]!).toBeGreaterThan(Math.log(1e4));
  });

  it('gives digital silence the floor, and a 10 ms clip one frame', () => {
    const framer = new LogMelFramer(SETTINGS);
    framer.push(new Float32Array(160));
    const { mels, frames } = framer.finish();
    expect(frames).toBe(1);
    for (const v of mels) expect(v).toBeCloseTo(SILENCE_LOG_MEL, 6);
    expect(frameGeometry(SETTINGS)).toEqual({ window: 400, hop: 160, fftSize: 512 });
  });

  it('keeps only the frames asked for', () => {
    const all = new LogMelFramer(SETTINGS);
    const some = new LogMelFramer(SETTINGS, 20, 7);
    const x = referenceSignal(0.3);
    all.push(x);
    some.push(x);
    const whole = all.finish();
    const part = some.finish();
    expect(part.frames).toBe(whole.frames);
    expect(Array.from(part.mels)).toEqual(Array.from(whole.mels.subarray(20 * 64, 27 * 64)));
  });
});

describe('resampling', () => {
  it.each([8000, 22_050, 44_100, 96_000])('keeps a tone’s frequency and the clip’s length from %i Hz to 16 kHz', async (rate) => {
    const parts: Float32Array[] = [];
    const resampler = await StreamingResampler.create(rate, 16_000, (s) => parts.push(s.slice()));
    const x = tone(1234, 0.5, rate);
    for (let i = 0; i < x.length; i += 4000) resampler.push(x.subarray(i, i + 4000));
    resampler.finish();
    const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
    parts.reduce((at, p) => (out.set(p, at), at + p.length), 0);
    expect(out.length).toBe(8000);
    expect(peakHz(out, 16_000, 1234)).toBe(1234);
    // Aligned with the source: the resampled sine is the sine at 16 kHz (away from the edges).
    let worst = 0;
    for (let i = 400; i < 7600; i++) worst = Math.max(worst, Math.abs(out[i]! - 0.5 * Math.sin((2 * Math.PI * 1234 * i) / 16_000)));
    expect(worst).toBeLessThan(0.01);
  });

  it('gives the same samples from a reused converter as from a fresh one', async () => {
    const convert = async (): Promise<number[]> => {
      const parts: number[] = [];
      const resampler = await StreamingResampler.create(11_025, 16_000, (s) => parts.push(...s));
      resampler.push(tone(800, 0.2, 11_025));
      resampler.finish();
      return parts;
    };
    const first = await convert();
    const stopped = await StreamingResampler.create(11_025, 16_000, () => undefined);
    stopped.push(tone(300, 0.1, 11_025));
    stopped.destroy(); // handed back mid-stream, with state that must not leak into the next clip
    expect(await convert()).toEqual(first);
    expect(first.length).toBe(3200);
  });

  it('removes what 16 kHz cannot hold instead of folding it back (a 9 kHz tone at 96 kHz)', async () => {
    const parts: Float32Array[] = [];
    const resampler = await StreamingResampler.create(96_000, 16_000, (s) => parts.push(s.slice()));
    resampler.push(tone(9000, 0.25, 96_000));
    resampler.finish();
    const energy = parts.reduce((e, p) => e + p.subarray(0, p.length).reduce((a, v) => a + v * v, 0), 0);
    // An aliased 7 kHz tone of amplitude 0.5 would carry 0.125 per sample over 4000 samples.
    expect(energy / 4000).toBeLessThan(0.125 * 1e-3);
  });
});

describe('a framer with a limit', () => {
  it('keeps counting the clip’s frames after its last kept one', () => {
    const framer = new LogMelFramer(SETTINGS, 0, 3);
    framer.push(new Float32Array(16_000));
    expect(framer.full).toBe(true);
    for (let i = 0; i < 100; i++) framer.push(new Float32Array(16_000));
    const { mels, frames } = framer.finish();
    expect(mels.length).toBe(3 * 64);
    expect(frames).toBe(101 * 100);
  });
});
