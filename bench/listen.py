"""Listening by measurement: onsets, pitch track against the melody, spectrogram PNGs of a vocal stem.

Used by bench_singing.py. Pure numpy plus Pillow (already a runtime dependency for covers).
"""

from __future__ import annotations

import re

import numpy as np

TAG_LINE = re.compile(r"^\s*[\[【]([^\]】]+)[\]】]\s*$")  # as engine's plan: [Verse] or 【主歌】


def sung_lines(lyrics: str) -> list[str]:
    """The lyric's sung lines in the order the engine numbers them (no tags, no blank lines)."""
    return [raw.strip() for raw in lyrics.split("\n") if raw.strip() and not TAG_LINE.match(raw)]


def resample(y: np.ndarray, rate_in: int, rate_out: int) -> np.ndarray:
    n_out = int(round(len(y) * rate_out / rate_in))
    spec = np.fft.rfft(y)
    size = int(round(len(y) * rate_out / rate_in))
    keep = min(len(spec), size // 2 + 1)
    return np.fft.irfft(spec[:keep], size)[:n_out] * (size / len(y))


def _mono(audio: np.ndarray) -> np.ndarray:
    return (audio.mean(axis=1) if audio.ndim == 2 else audio).astype(np.float64)


def onsets(audio: np.ndarray, sr: int, reach: int = 8) -> np.ndarray:
    """Spectral-flux onsets (s), as tests/engine/test_timing.py measures them."""
    hop, size = sr // 200, 882
    mono = _mono(audio)
    count = 1 + (len(mono) - size) // hop
    frames = np.lib.stride_tricks.sliding_window_view(mono, size)[::hop][:count] * np.hanning(size)
    spec = np.log1p(100 * np.abs(np.fft.rfft(frames, axis=1))[:, 4:120])
    flux = np.concatenate([[0.0, 0.0], np.maximum(spec[2:] - spec[:-2], 0).sum(axis=1)])
    flux -= np.convolve(flux, np.ones(61) / 61, mode="same")
    windows = np.lib.stride_tricks.sliding_window_view(np.pad(flux, reach, mode="edge"), 2 * reach + 1)
    peaks = (flux > flux.std()) & (flux >= windows.max(axis=1))
    return (np.flatnonzero(peaks) * hop + size / 2) / sr


def pitch_track(audio: np.ndarray, sr: int, hop_s: float = 0.01) -> tuple[np.ndarray, np.ndarray]:
    """(times, Hz; 0 unvoiced): normalised autocorrelation per 40 ms frame, 70-1000 Hz."""
    mono = resample(_mono(audio), sr, 16000)
    fs, size, hop = 16000, 640, int(16000 * hop_s)
    count = max(0, 1 + (len(mono) - size) // hop)
    frames = np.lib.stride_tricks.sliding_window_view(mono, size)[::hop][:count]
    frames = frames - frames.mean(axis=1, keepdims=True)
    spec = np.fft.rfft(frames * np.hanning(size), 2 * size, axis=1)
    corr = np.fft.irfft(np.abs(spec) ** 2, axis=1)[:, :size]
    corr /= np.maximum(corr[:, :1], 1e-12)
    lo, hi = fs // 1000, fs // 70
    lag = lo + np.argmax(corr[:, lo:hi], axis=1)
    strength = corr[np.arange(count), lag]
    loud = np.sqrt((frames**2).mean(axis=1)) > 0.02 * np.sqrt((mono**2).mean() + 1e-12) * 3
    hz = np.where((strength > 0.5) & loud, fs / lag, 0.0)
    return (np.arange(count) * hop + size / 2) / fs, hz


def measure(vocals: np.ndarray, sr: int, notes: list[list]) -> dict:
    """Onsets near the sung syllables' starts, and the stem's pitch against the notes' pitches."""
    heard = onsets(vocals, sr)
    starts = np.array([n[5] if len(n) > 5 else n[2] for n in notes])  # when each syllable begins
    near = np.min(np.abs(heard[None, :] - starts[:, None]), axis=1) if len(heard) and len(starts) else []
    times, hz = pitch_track(vocals, sr)
    cents = []
    for _line, _syl, start, end, midi, *_ in notes:
        inside = (times > start + 0.06) & (times < end - 0.03) & (hz > 0)  # past the consonant and glide
        if inside.any():
            sung = 69 + 12 * np.log2(np.median(hz[inside]) / 440.0)
            off = (sung - midi) * 100
            cents.append(abs(off - 1200 * round(off / 1200)))  # an octave off is a different register only
    return {
        "syllables": len(notes),
        "onsets_80ms": float(np.mean(np.asarray(near) <= 0.08)) if len(near) else 0.0,
        "onset_error_ms": float(np.median(near) * 1000) if len(near) else None,
        "pitch_median_cents": float(np.median(cents)) if cents else float("nan"),
        "pitch_within_50c": float(np.mean(np.asarray(cents) <= 50)) if cents else 0.0,
    }


def spectrogram_png(
    audio: np.ndarray, sr: int, path: str, *, seconds: float = 8.0, start: float = 0.0, fmax: float = 11025
) -> None:
    """A grey spectrogram (time across, 0-fmax Hz up, 80 dB range) of audio[start:start+seconds]."""
    from PIL import Image

    mono = _mono(audio)[int(max(0.0, start) * sr) :][: int(seconds * sr)]
    hop, size = sr // 100, 1024
    count = max(1, 1 + (len(mono) - size) // hop)
    frames = np.lib.stride_tricks.sliding_window_view(np.pad(mono, (0, size)), size)[::hop][:count]
    mag = 20 * np.log10(np.abs(np.fft.rfft(frames * np.hanning(size), axis=1)) + 1e-9)
    top = int(fmax / (sr / 2) * (size // 2))
    mag = mag[:, :top].T[::-1]
    mag = np.clip((mag - (mag.max() - 80.0)) / 80.0, 0.0, 1.0)
    Image.fromarray((mag * 255).astype(np.uint8)).resize((mag.shape[1], 320)).save(path)
