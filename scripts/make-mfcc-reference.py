"""Reference values for the MFCC baseline (src-main/core/ssl/methods/mfcc.ts), from numpy and scipy.

The input is a log-mel spectrogram of a fixed signal (0.3 s of a chirp with two harmonics, a tone burst and a
little seeded noise at 16 kHz; scipy.signal.stft with 25 ms Hann windows and a 10 ms hop, a
16-band HTK mel filter bank written here, natural log of the power plus 1e-6), normalised with a
dataset mean and standard deviation and rounded to float32, exactly the model input the method is
given ([melBands, frames, 1], band-major). The reference undoes the normalisation in float64, then:

  MFCC      scipy.fft.dct(type=2, norm='ortho') over the mel axis, the first n coefficients
  deltas    scipy.signal.savgol_filter(width 5, deriv=order, polyorder=order, mode='interp'), which
            is what librosa.feature.delta(width=5, order=1 or 2) calls (librosa/feature/spectral.py)
  embedding mean and standard deviation (ddof 0) over time of the MFCCs, the deltas and, when
            asked, the delta-deltas, in that order

Frames at the floor in every band (the normalised log of 1e-6, within 1e-4) are the data
module's padding of a short clip, or digital silence: they are cut from either end first. A clip of fewer than 5 frames takes the widest odd window that
fits (3 for 3 or 4 frames); with a window no wider than the order, the deltas are zero.
Run: /usr/bin/python3 scripts/make-mfcc-reference.py > test/fixtures/mfcc-reference.json
"""
import json
import sys

import numpy as np
import scipy
from scipy.fft import dct
from scipy.signal import savgol_filter, stft

SAMPLE_RATE = 16000
BANDS = 16
FRAMES = 24
MEAN, STD = -4.25, 3.5
FLOOR = 1e-6
SILENCE = np.float32((np.log(FLOOR) - MEAN) / STD)  # what src-main/core/ssl/views/audio.ts pads with


def hz_to_mel(f):
    return 2595.0 * np.log10(1.0 + f / 700.0)


def mel_to_hz(m):
    return 700.0 * (10.0 ** (m / 2595.0) - 1.0)


def mel_filters(n_fft, bands):
    edges = mel_to_hz(np.linspace(hz_to_mel(0.0), hz_to_mel(SAMPLE_RATE / 2), bands + 2))
    freqs = np.linspace(0, SAMPLE_RATE / 2, n_fft // 2 + 1)
    fb = np.zeros((bands, freqs.size))
    for b in range(bands):
        lo, mid, hi = edges[b], edges[b + 1], edges[b + 2]
        fb[b] = np.clip(np.minimum((freqs - lo) / (mid - lo), (hi - freqs) / (hi - mid)), 0, None)
    return fb


def log_mel():
    rng = np.random.default_rng(20261201)
    t = np.arange(int(0.3 * SAMPLE_RATE)) / SAMPLE_RATE
    phase = 2 * np.pi * (200 * t + 0.5 * 3000 * t**2)
    x = np.sin(phase) + 0.5 * np.sin(2 * phase) + 0.25 * np.sin(3 * phase)
    x += np.where((t > 0.1) & (t < 0.16), 0.8 * np.sin(2 * np.pi * 5500 * t), 0.0)
    x += 0.01 * rng.standard_normal(t.size)
    win, hop = 400, 160
    _, _, z = stft(x, fs=SAMPLE_RATE, window="hann", nperseg=win, noverlap=win - hop, nfft=512, boundary=None, padded=False)
    power = np.abs(z) ** 2  # [freqs, frames]
    mel = np.log(mel_filters(512, BANDS) @ power + FLOOR)  # [bands, frames]
    return mel[:, :FRAMES]


def deltas(c, order):
    frames = c.shape[0]
    width = min(5, frames if frames % 2 == 1 else frames - 1)
    if width <= order:
        return np.zeros_like(c)
    return savgol_filter(c, width, deriv=order, polyorder=order, axis=0, mode="interp")


def embedding(model_input, n, delta_deltas):
    """model_input: [bands, frames] normalised (float32 values); returns the float64 reference."""
    real = np.flatnonzero(np.any(np.abs(model_input - SILENCE) > 1e-4, axis=0))
    x = model_input[:, real[0] : real[-1] + 1].astype(np.float64) * STD + MEAN
    c = dct(x, type=2, norm="ortho", axis=0)[:n].T  # [frames, n]
    parts = [c, deltas(c, 1)] + ([deltas(c, 2)] if delta_deltas else [])
    return np.concatenate([s for p in parts for s in (p.mean(axis=0), p.std(axis=0))]), c


def model_input(real_frames, before):
    """A [bands, FRAMES] input whose `real_frames` frames (from the spectrogram's start) sit after `before` silent frames."""
    mel = log_mel()
    out = np.full((BANDS, FRAMES), SILENCE, dtype=np.float32)
    out[:, before : before + real_frames] = ((mel[:, :real_frames] - MEAN) / STD).astype(np.float32)
    return out


cases = []
for name, real_frames, before, n, dd in [
    ("whole clip, 6 coefficients with delta-deltas", FRAMES, 0, 6, True),
    ("whole clip, every coefficient, deltas only", FRAMES, 0, BANDS, False),
    ("14 frames centred in silence", 14, 5, 6, True),
    ("5 frames after padding", 5, 19, 4, True),
    ("4 frames (window 3)", 4, 10, 4, True),
    ("3 frames (window 3)", 3, 0, 4, True),
    ("2 frames (no deltas)", 2, 11, 4, True),
    ("1 frame", 1, 23, 4, True),
]:
    x = model_input(real_frames, before)
    emb, mfcc = embedding(x, n, dd)
    cases.append({
        "name": name,
        "coefficients": n,
        "delta_deltas": dd,
        "input": x.astype(np.float64).tolist(),
        "mfcc": mfcc.tolist(),
        "embedding": emb.tolist(),
    })

json.dump({
    "source": f"numpy {np.__version__}, scipy {scipy.__version__}, float64",
    "bands": BANDS,
    "frames": FRAMES,
    "mean": MEAN,
    "std": STD,
    "silence": float(SILENCE),
    "cases": cases,
}, sys.stdout, indent=1)
print()
