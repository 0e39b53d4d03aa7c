"""A source-filter vocoder in numpy: spectral envelopes out of monotone speech, and singing back in.

The singer needs what the WORLD vocoder gives (an envelope per 5 ms frame, pitch replaced, the same
envelope resynthesised) but WORLD's analysis costs about a second per second of speech on our machines,
far beyond a 20x real-time song. Our speech is easier than a recording: espeak-ng speaks it with a flat
pitch we know (engine.voice.phonemes, pitch range 0), so
- analysis is CheapTrick's idea with one known F0: a Hann window three periods long makes the harmonics
  melt into the envelope, a moving average one F0 wide flattens what ripple remains, and all frames go
  through one batched FFT;
- synthesis filters two excitations in the STFT domain: a band-limited harmonic series following the
  melody's pitch (read from wavetables, so nothing aliases) and white noise, both with a flat power
  spectrum, weighted per frame and band by how voiced the phoneme is, times the envelope, then
  overlap-added.
Both run a few hundred times faster than real time.
"""

from __future__ import annotations

import functools

import numpy as np

N_FFT = 512
TABLE = 2048


def _frames(x: np.ndarray, hop: int, size: int, count: int) -> np.ndarray:
    """count frames of ``size`` samples centred every ``hop`` samples (zero-padded at the edges)."""
    pad = np.pad(x, (size // 2, size // 2 + hop * count))
    return np.lib.stride_tricks.sliding_window_view(pad, size)[::hop][:count]


def envelope(x: np.ndarray, sr: int, f0: float, hop: int) -> np.ndarray:
    """Power spectral envelope (frames, N_FFT//2+1), float32, of speech with a steady pitch f0."""
    count = int(np.ceil(len(x) / hop)) + 1
    size = min(N_FFT, int(round(3 * sr / f0)) | 1)
    window = np.hanning(size)
    frames = _frames(x.astype(np.float64), hop, size, count) * window
    power = np.abs(np.fft.rfft(frames, N_FFT, axis=1)) ** 2 / float(np.sum(window**2))
    width = max(1, int(round(f0 / (sr / N_FFT))))  # one F0 wide, in bins
    padded = np.pad(power, ((0, 0), (width, width)), mode="reflect")
    cum = np.concatenate([np.zeros((count, 1)), np.cumsum(padded, axis=1)], axis=1)
    lo = np.arange(power.shape[1]) + width - width // 2
    smooth = (cum[:, lo + width] - cum[:, lo]) / width
    return np.maximum(smooth, 1e-12).astype(np.float32)


@functools.cache
def _tables(sr: int) -> tuple[np.ndarray, np.ndarray]:
    """Single-cycle harmonic series (each harmonic of power 1) for a ladder of top harmonics."""
    tops = np.unique(np.round(2 ** (np.arange(0, 9.5, 0.25))).astype(int))
    spectra = np.zeros((len(tops), TABLE // 2 + 1))
    for row, top in enumerate(tops):
        spectra[row, 1 : top + 1] = np.sqrt(2.0) * TABLE / 2  # irfft of this: sum of sqrt(2) cos(k x)
    table = np.fft.irfft(spectra, TABLE, axis=1).astype(np.float32)
    return tops, np.concatenate([table, table[:, :1]], axis=1)


def harmonics(f0: np.ndarray, sr: int) -> np.ndarray:
    """A flat-spectrum harmonic series following f0 (Hz per sample; 0 where unvoiced gives 0)."""
    tops, table = _tables(sr)
    hz = np.maximum(f0, 1.0)
    phase = np.cumsum(hz / sr) % 1.0
    want = np.floor(0.45 * sr / hz)
    row = np.clip(np.searchsorted(tops, want, side="right") - 1, 0, len(tops) - 1)
    pos = phase * TABLE
    i = pos.astype(np.int64)
    frac = (pos - i).astype(np.float32)
    y = table[row, i] * (1 - frac) + table[row, i + 1] * frac
    # harmonics every f0 Hz, each of power 1: scale to the power density of unit white noise
    return (y * np.sqrt(hz / (sr / 2.0)) * (f0 > 0)).astype(np.float32)


def synthesize(
    f0: np.ndarray, env: np.ndarray, noise_share: np.ndarray, sr: int, hop: int, seed: int
) -> np.ndarray:
    """Audio from per-frame pitch (Hz, 0 unvoiced), power envelope and noise share (0 harmonic .. 1 noise).

    Square-root Hann windows before and after the filter (their product, a Hann window, overlap-adds to
    a constant when hop divides N_FFT / 2); the overlap-add is N_FFT // hop vectorised block sums."""
    count = len(f0)
    n = count * hop
    window = np.sqrt(np.hanning(N_FFT + 1)[:-1]).astype(np.float32)
    amp = np.sqrt(env)
    voiced = harmonics(np.repeat(f0, hop), sr)
    spec = np.fft.rfft(_frames(voiced, hop, N_FFT, count) * window, axis=1)
    spec *= amp * np.sqrt(1.0 - noise_share**2)
    # white noise made straight in the STFT domain: complex Gaussian bins with the power a windowed frame
    # of unit white noise has (the overlap-add makes it smooth noise again)
    rng = np.random.default_rng(seed)
    noise = rng.standard_normal((2, *spec.shape), dtype=np.float32)
    scale = amp * noise_share * np.float32(np.sqrt(np.sum(window**2) / 2.0))
    spec += (noise[0] + 1j * noise[1]) * scale
    frames = np.fft.irfft(spec, N_FFT, axis=1).astype(np.float32) * window
    blocks = N_FFT // hop
    out = np.zeros((count + blocks, hop), dtype=np.float32)
    for b in range(blocks):
        out[b : b + count] += frames[:, b * hop : (b + 1) * hop]
    gain = np.float32(hop / float(np.sum(window**2)))  # the Hann product overlapped N_FFT / hop times
    return out.reshape(-1)[N_FFT // 2 : N_FFT // 2 + n] * gain
