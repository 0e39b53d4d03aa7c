"""Measurements of stored audio for the end-to-end tests of stems, covers and personas (numpy only)."""

from __future__ import annotations

from pathlib import Path

import miniaudio
import numpy as np
from django.conf import settings

SR = 44100


def mono(clip) -> np.ndarray:
    """The clip's stored MP3, decoded to mono float at 44.1 kHz."""
    data = (Path(settings.MEDIA_ROOT) / clip.audio_file.name).read_bytes()
    decoded = miniaudio.decode(
        data, output_format=miniaudio.SampleFormat.FLOAT32, nchannels=2, sample_rate=SR
    )
    return np.frombuffer(decoded.samples, dtype=np.float32).reshape(-1, 2).mean(axis=1).astype(np.float64)


def correlation(a: np.ndarray, b: np.ndarray) -> float:
    n = min(len(a), len(b))
    return float(np.corrcoef(a[:n], b[:n])[0, 1])


_CANDIDATES = 69 + np.arange(-27.0, 17.0, 0.1)  # MIDI 42-86


def pitch_at(signal: np.ndarray, at: float, size: int = 2048) -> float:
    """The sung pitch (MIDI) around a time: the f0 whose harmonics (up to 4 kHz) hold the most energy,
    less the energy half and a third of the way between them (rules out octave errors)."""
    start = max(0, int(at * SR) - size // 2)
    seg = signal[start : start + size]
    seg = np.pad(seg, (0, size - len(seg))) * np.hanning(size)
    spectrum = np.sqrt(np.abs(np.fft.rfft(seg, 4 * size)))
    bins = np.fft.rfftfreq(4 * size, 1.0 / SR)
    f0 = 440.0 * 2.0 ** ((_CANDIDATES - 69) / 12)
    k = np.arange(1, 21)[None, :]
    inside = (k * f0[:, None]) <= 4000.0

    def mean(values: np.ndarray) -> np.ndarray:
        return (values * inside).sum(axis=1) / inside.sum(axis=1)

    on = mean(np.interp(k * f0[:, None], bins, spectrum))
    halves = mean(np.interp((k - 0.5) * f0[:, None], bins, spectrum))
    thirds = mean(sum(np.interp((k - d) * f0[:, None], bins, spectrum) for d in (1 / 3, 2 / 3)) / 2)
    return float(_CANDIDATES[int(np.argmax(on - np.maximum(halves, thirds)))])


def rms_at(signal: np.ndarray, at: float, size: int = 2048) -> float:
    start = max(0, int(at * SR) - size // 2)
    seg = signal[start : start + size]
    return float(np.sqrt((seg**2).mean())) if len(seg) else 0.0


def spectral_centroid(signal: np.ndarray) -> float:
    """The mean spectral centroid (Hz) over 4096-sample frames with sound in them."""
    size, centroids = 4096, []
    freqs = np.fft.rfftfreq(size, 1.0 / SR)
    for start in range(0, len(signal) - size, size):
        power = np.abs(np.fft.rfft(signal[start : start + size] * np.hanning(size))) ** 2
        if power.sum() > 1e-6:
            centroids.append(float((freqs * power).sum() / power.sum()))
    return float(np.mean(centroids))


def tempo(signal: np.ndarray, lo: float = 60.0, hi: float = 200.0) -> float:
    """Beats per minute from the autocorrelation of the onset strength (spectral flux, 512-sample hops)."""
    hop, size = 512, 1024
    frames = np.lib.stride_tricks.sliding_window_view(signal, size)[::hop] * np.hanning(size)
    magnitude = np.abs(np.fft.rfft(frames, axis=1))
    flux = np.maximum(np.diff(np.log1p(magnitude), axis=0), 0).sum(axis=1)
    flux -= flux.mean()
    ac = np.correlate(flux, flux, mode="full")[len(flux) - 1 :]
    rate = SR / hop
    lags = np.arange(len(ac))
    valid = (lags >= rate * 60 / hi) & (lags <= rate * 60 / lo)
    best = lags[valid][int(np.argmax(ac[valid]))]
    return float(60 * rate / best)


def voiced_times(signal: np.ndarray, step: float = 0.05) -> list[float]:
    """Times where the (vocal) signal is loud: its upper third by frame loudness."""
    times = np.arange(0.1, len(signal) / SR - 0.1, step)
    levels = np.array([rms_at(signal, t) for t in times])
    floor = max(np.percentile(levels, 66), 0.01)
    return [float(t) for t, level in zip(times, levels, strict=True) if level >= floor]


BANDS = np.geomspace(1000.0, 7000.0, 9)


def voice_print(vocals: np.ndarray) -> np.ndarray:
    """The singer as heard in a vocal stem: the register (median pitch, in octaves) and the spectral
    envelope from 1 to 7 kHz (log energy in 8 bands, relative to their mean) over the loud frames."""
    times = voiced_times(vocals)
    held = [p for p in (held_pitch(vocals, t) for t in times) if p is not None]
    register = np.median(held or [pitch_at(vocals, t) for t in times]) / 12.0
    spectrum = np.zeros(2049)
    for t in times:
        start = max(0, int(t * SR) - 2048)
        seg = vocals[start : start + 4096]
        if len(seg) == 4096:
            spectrum += np.abs(np.fft.rfft(seg * np.hanning(4096))) ** 2
    freqs = np.fft.rfftfreq(4096, 1.0 / SR)
    edges = zip(BANDS, BANDS[1:], strict=False)
    bands = np.log10([spectrum[(freqs >= lo) & (freqs < hi)].sum() + 1e-12 for lo, hi in edges])
    return np.concatenate([[register], bands - bands.mean()])


def held_pitch(signal: np.ndarray, at: float, spread: float = 0.03) -> float | None:
    """The pitch at a time when a note is held there (the same within half a semitone 30 ms either side),
    else None: transitions and consonants say nothing of the tune."""
    around = [pitch_at(signal, at + d) for d in (-spread, 0.0, spread)]
    return around[1] if max(around) - min(around) < 0.5 else None
