"""Reference log-mel spectrograms for the audio data module (src-main/core/data/log-mel.ts), in numpy.

Written from the definitions, not from the TypeScript: torchaudio's MelSpectrogram defaults (as BYOL-A
uses them): a periodic Hann window of 25 ms zero-padded to a 512-point FFT, hop 10 ms, power |X|^2
unscaled, an HTK mel filter bank from 0 Hz to Nyquist without area normalisation (the construction of
torchaudio.functional.melscale_fbanks), then log(x + 1e-6). Frame t covers samples [t*hop, t*hop + win),
zeros past the end; a clip of N samples has max(1, ceil(N / hop)) frames.

The signal is fixed and made the same way by the test: at 16 kHz, 0.3 s of
  0.6 sin(2 pi 440 t) + 0.3 sin(2 pi 3000 t) + 0.2 sin(2 pi (200 t + 0.5 * 4000 t^2)) (a chirp),
rounded to float32 (what the data module sees), and a 10 ms clip of the same signal.
Run: /usr/bin/python3 scripts/make-log-mel-reference.py > test/fixtures/log-mel-reference.json
"""
import json

import numpy as np

SAMPLE_RATE = 16000
WIN, HOP, NFFT = 400, 160, 512


def hz_to_mel(f):
    return 2595.0 * np.log10(1.0 + f / 700.0)


def mel_to_hz(m):
    return 700.0 * (10.0 ** (m / 2595.0) - 1.0)


def mel_filters(bands):
    all_freqs = np.linspace(0, SAMPLE_RATE // 2, NFFT // 2 + 1)
    m_pts = np.linspace(hz_to_mel(0.0), hz_to_mel(SAMPLE_RATE / 2), bands + 2)
    f_pts = mel_to_hz(m_pts)
    f_diff = f_pts[1:] - f_pts[:-1]
    slopes = f_pts[np.newaxis, :] - all_freqs[:, np.newaxis]
    down = (-1.0 * slopes[:, :-2]) / f_diff[:-1]
    up = slopes[:, 2:] / f_diff[1:]
    return np.maximum(0.0, np.minimum(down, up)).T  # [bands, bins]


def signal(seconds):
    t = np.arange(int(round(seconds * SAMPLE_RATE))) / SAMPLE_RATE
    x = 0.6 * np.sin(2 * np.pi * 440 * t) + 0.3 * np.sin(2 * np.pi * 3000 * t) + 0.2 * np.sin(2 * np.pi * (200 * t + 0.5 * 4000 * t**2))
    return x.astype(np.float32).astype(np.float64)


def log_mel(x, bands):
    n = max(1, -(-x.size // HOP))
    window = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(WIN) / WIN)
    padded = np.concatenate([x, np.zeros((n - 1) * HOP + WIN)])
    frames = np.stack([padded[t * HOP : t * HOP + WIN] * window for t in range(n)])  # [frames, win]
    power = np.abs(np.fft.rfft(frames, n=NFFT, axis=1)) ** 2  # [frames, bins]
    return np.log(power @ mel_filters(bands).T + 1e-6)  # [frames, bands]


def rounded(a):
    return [round(float(v), 5) for v in np.asarray(a).ravel()]


out = {
    "sampleRate": SAMPLE_RATE,
    "windowMs": 25,
    "hopMs": 10,
    "filterbank8": {"bands": 8, "fftSize": NFFT, "values": rounded(mel_filters(8))},
    "clips": [],
}
for seconds, bands in [(0.3, 64), (0.01, 16)]:
    mel = log_mel(signal(seconds), bands)
    out["clips"].append({"seconds": seconds, "bands": bands, "frames": int(mel.shape[0]), "logMel": rounded(mel)})
print(json.dumps(out))
