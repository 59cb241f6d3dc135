import { describe, expect, it } from 'vitest';
import { decodeAudioMono, probeAudio, resample, withTimeout } from '../../../src-main/core/datasets/decode-audio';
import { fixture, sine, wavBytes } from './helpers';

/** Counts sign changes: a sine of f Hz over d seconds has about 2·f·d of them. */
function zeroCrossings(samples: Float32Array): number {
  let count = 0;
  for (let i = 1; i < samples.length; i++) if (samples[i - 1]! < 0 !== samples[i]! < 0) count++;
  return count;
}

describe('probeAudio', () => {
  it.each([
    ['mixed/tones/a440.wav', 'wav', 0.5, 16000, 1],
    ['mixed/tones/chord.flac', 'flac', 0.6, 22050, 2],
    ['mixed/tones/sweep.ogg', 'ogg', 0.7, 16000, 1],
    // 20 MPEG-1 Layer III frames of 1152 samples at 44.1 kHz.
    ['mixed/tones/silence.mp3', 'mp3', (20 * 1152) / 44100, 44100, 1],
    ['bad/good.wav', 'wav', 0.25, 8000, 1],
  ] as const)('measures %s', async (rel, format, durationSec, sampleRate, channels) => {
    const probe = await probeAudio(fixture(rel), format);
    expect(probe).toEqual({ ok: true, durationSec: expect.closeTo(durationSec, 6), sampleRate, channels });
  });

  it('measures the spoken fixtures (espeak output, resampled to 16 kHz)', async () => {
    for (const [rel, format] of [
      ['mixed/speech/hello.wav', 'wav'],
      ['mixed/speech/goodbye.ogg', 'ogg'],
      ['mixed/speech/numbers.flac', 'flac'],
    ] as const) {
      const probe = await probeAudio(fixture(rel), format);
      expect(probe).toMatchObject({ ok: true, sampleRate: 16000, channels: 1 });
      expect(probe.ok && probe.durationSec).toBeGreaterThan(0.4);
      expect(probe.ok && probe.durationSec).toBeLessThan(2);
    }
  });

  it('says "no audio samples" for an empty file and a header-only WAV', async () => {
    expect(await probeAudio(fixture('bad/empty.wav'), 'wav')).toEqual({ ok: false, reason: 'no audio samples' });
    expect(await probeAudio(fixture('bad/header-only.wav'), 'wav')).toEqual({ ok: false, reason: 'no audio samples' });
  });

  it('explains a broken WAV header from its chunks', async () => {
    const good = fixture('bad/good.wav');
    const noFmt = good.slice();
    noFmt.set(new TextEncoder().encode('junk'), 12);
    expect(await probeAudio(noFmt, 'wav')).toEqual({ ok: false, reason: "corrupt WAV (no 'fmt ' chunk)" });
    const noChannels = good.slice();
    noChannels[22] = 0;
    expect(await probeAudio(noChannels, 'wav')).toEqual({ ok: false, reason: "corrupt WAV (0 channels in the 'fmt ' chunk)" });
  });

  it('passes on the decoder message for WAV codecs it lacks', async () => {
    const mp3InWav = fixture('bad/good.wav').slice();
    mp3InWav[20] = 0x55;
    expect(await probeAudio(mp3InWav, 'wav')).toEqual({ ok: false, reason: 'unsupported WAV (Unsupported WAV format: 0x55)' });
    const twelveBit = fixture('bad/good.wav').slice();
    twelveBit[34] = 12;
    expect(await probeAudio(twelveBit, 'wav')).toEqual({ ok: false, reason: 'unsupported WAV (Unsupported WAV bit depth: 12)' });
  });

  it('rejects corrupt or truncated compressed audio', async () => {
    expect(await probeAudio(fixture('bad/corrupt.flac'), 'flac')).toEqual({
      ok: false,
      reason: 'no audio samples (the FLAC data could not be decoded: corrupt or truncated?)',
    });
    const ogg = fixture('mixed/tones/sweep.ogg');
    expect(await probeAudio(ogg.subarray(0, 300), 'ogg')).toEqual({
      ok: false,
      reason: 'no audio samples (the Ogg data could not be decoded: corrupt or truncated?)',
    });
    const frameThenJunk = new Uint8Array([0xff, 0xfb, 0x10, 0xc0, ...new Array(60).fill(7)]);
    expect(await probeAudio(frameThenJunk, 'mp3')).toEqual({
      ok: false,
      reason: 'no audio samples (the MP3 data could not be decoded: corrupt or truncated?)',
    });
  });

  it('names Ogg streams that are not Vorbis or Opus', async () => {
    const ogg = fixture('mixed/tones/sweep.ogg');
    const packet = 27 + ogg[26]!;
    const theora = ogg.slice();
    theora.set([0x80, ...new TextEncoder().encode('theora')], packet);
    expect(await probeAudio(theora, 'ogg')).toEqual({ ok: false, reason: 'Ogg video (Theora), not audio' });
    const oggFlac = ogg.slice();
    oggFlac.set([0x7f, ...new TextEncoder().encode('FLAC')], packet);
    expect(await probeAudio(oggFlac, 'ogg')).toEqual({ ok: false, reason: 'unsupported audio: FLAC inside Ogg (save it as a .flac file)' });
    expect(await probeAudio(ogg.subarray(0, 30), 'ogg')).toEqual({ ok: false, reason: 'truncated Ogg file (the first page is incomplete)' });
  });

  it('decodes FLAC hidden behind an ID3 tag (detected as MP3 from its head)', async () => {
    const flac = fixture('mixed/tones/chord.flac');
    const tag = new Uint8Array([0x49, 0x44, 0x33, 3, 0, 0, 0, 0, 0, 20, ...new Array(20).fill(0)]);
    const tagged = new Uint8Array([...tag, ...flac]);
    expect(await probeAudio(tagged, 'mp3')).toMatchObject({ ok: true, sampleRate: 22050, channels: 2 });
  });

  it('rejects formats that are not audio', async () => {
    expect(await probeAudio(fixture('bad/good.png'), 'png')).toEqual({ ok: false, reason: 'png is not an audio format' });
  });
});

describe('withTimeout', () => {
  it('gives up on a decoder that never settles, with a reason', async () => {
    await expect(withTimeout(new Promise(() => {}), 20, 'flac')).rejects.toThrow('the FLAC decoder did not finish within 0.02 s');
  });

  it('passes results and errors through', async () => {
    await expect(withTimeout(Promise.resolve(7), 1000, 'wav')).resolves.toBe(7);
    await expect(withTimeout(Promise.reject(new Error('boom')), 1000, 'wav')).rejects.toThrow('boom');
  });
});

describe('decodeAudioMono', () => {
  it('averages channels to mono', async () => {
    const n = 800;
    const left = new Float32Array(n).fill(0.5);
    const right = new Float32Array(n).fill(0.25);
    const { samples, sampleRate } = await decodeAudioMono(wavBytes([left, right], 8000), 'wav');
    expect(sampleRate).toBe(8000);
    expect(samples.length).toBe(n);
    for (const v of [samples[0]!, samples[n - 1]!]) expect(v).toBeCloseTo(0.375, 3);
  });

  it('decodes the stereo FLAC fixture to mono at its own rate', async () => {
    const { samples, sampleRate } = await decodeAudioMono(fixture('mixed/tones/chord.flac'), 'flac');
    expect(sampleRate).toBe(22050);
    expect(samples.length).toBe(Math.round(0.6 * 22050));
  });

  it('resamples to a target rate, keeping the pitch', async () => {
    const tone = wavBytes([sine(440, 1, 16000)], 16000);
    const down = await decodeAudioMono(tone, 'wav', 8000);
    expect(down.sampleRate).toBe(8000);
    expect(down.samples.length).toBe(8000);
    expect(zeroCrossings(down.samples)).toBeGreaterThanOrEqual(878);
    expect(zeroCrossings(down.samples)).toBeLessThanOrEqual(882);
    const up = await decodeAudioMono(tone, 'wav', 22050);
    expect(up.samples.length).toBe(22050);
    expect(Math.abs(zeroCrossings(up.samples) - 880)).toBeLessThanOrEqual(2);
  });

  it('stops at maxSeconds', async () => {
    const { samples } = await decodeAudioMono(fixture('mixed/tones/a440.wav'), 'wav', undefined, { maxSeconds: 0.1 });
    expect(samples.length).toBe(1600);
    const resampled = await decodeAudioMono(fixture('mixed/tones/a440.wav'), 'wav', 8000, { maxSeconds: 0.1 });
    expect(resampled.samples.length).toBe(800);
  });

  it('throws the probe reason when there is nothing to decode', async () => {
    await expect(decodeAudioMono(fixture('bad/header-only.wav'), 'wav')).rejects.toThrow('no audio samples');
    await expect(decodeAudioMono(fixture('bad/corrupt.flac'), 'flac')).rejects.toThrow(/^no audio samples \(the FLAC data/);
    await expect(decodeAudioMono(fixture('bad/good.wav'), 'wav', 0)).rejects.toThrow('invalid target sample rate 0');
  });
});

describe('resample', () => {
  it('returns the input unchanged at the same rate', () => {
    const x = new Float32Array([1, 2, 3]);
    expect(resample(x, 8000, 8000)).toBe(x);
  });

  it('averages when downsampling (a box filter)', () => {
    expect([...resample(new Float32Array([1, 3, 5, 7, 9, 11]), 6, 3)]).toEqual([2, 6, 10]);
    // Alternating ±1 at the Nyquist rate averages out instead of aliasing to a constant.
    const nyquist = new Float32Array(100).map((_, i) => (i % 2 ? 1 : -1));
    expect(Math.max(...resample(nyquist, 100, 50).map(Math.abs))).toBe(0);
  });

  it('interpolates linearly when upsampling', () => {
    expect([...resample(new Float32Array([0, 1, 2]), 1, 2)]).toEqual([0, 0.5, 1, 1.5, 2, 2]);
  });
});
