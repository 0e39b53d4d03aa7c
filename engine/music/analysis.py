"""Audio analysis in numpy: tempo, key, beat strength, loudness and brightness.

Used by the tests to check that genres really differ, and to read uploaded audio before continuing it.
"""

from __future__ import annotations

import numpy as np

NOTE_NAMES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")
# Krumhansl-Kessler key profiles (probe-tone ratings), index 0 = tonic.
_MAJOR = np.array([6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88])
_MINOR = np.array([6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17])


def _mono(audio: np.ndarray) -> np.ndarray:
    a = np.asarray(audio, dtype=np.float32)
    return a.mean(axis=1) if a.ndim == 2 else a


def _frames(x: np.ndarray, size: int, hop: int) -> np.ndarray:
    if len(x) < size:
        x = np.pad(x, (0, size - len(x)))
    count = 1 + (len(x) - size) // hop
    step = x.strides[0]
    return np.lib.stride_tricks.as_strided(x, (count, size), (step * hop, step), writeable=False)


def _spectrogram_blocks(x: np.ndarray, size: int, hop: int, frames: int = 256):
    """Magnitude frames in blocks, so minutes of uploaded audio never need one huge spectrogram."""
    window = np.hanning(size).astype(np.float32)
    all_frames = _frames(x, size, hop)
    for start in range(0, len(all_frames), frames):
        yield np.abs(np.fft.rfft(all_frames[start : start + frames] * window, axis=1))


def onset_envelope(audio: np.ndarray, sample_rate: int) -> tuple[np.ndarray, float]:
    """Spectral flux on a ~100 Hz frame grid; returns (envelope, frames per second).

    Flux is computed per frequency band and each band is normalised before summing: otherwise broadband
    snares outvote kicks and hats, and a backbeat looks like a pulse at half the tempo.
    """
    bands, fps = band_onsets(audio, sample_rate)
    return bands.sum(axis=1), fps


def band_onsets(audio: np.ndarray, sample_rate: int) -> tuple[np.ndarray, float]:
    """Normalised flux per band (frames, 4): below 200 Hz, 200-800 Hz, 800-3000 Hz, above."""
    x = _mono(audio)
    factor = max(1, sample_rate // 22050)  # work at ~22 kHz: onsets do not need the top octave
    if factor > 1:
        x = x[: len(x) // factor * factor].reshape(-1, factor).mean(axis=1)
    sr = sample_rate / factor
    hop = max(1, int(round(sr / 100)))
    freqs = np.fft.rfftfreq(4 * hop, 1.0 / sr)
    bands = [(freqs >= lo) & (freqs < hi) for lo, hi in ((0, 200), (200, 800), (800, 3000), (3000, sr))]
    flux_parts, previous = [], None
    for block in _spectrogram_blocks(x, 4 * hop, hop):
        spec = np.log1p(1000.0 * block)
        stacked = spec if previous is None else np.vstack([previous, spec])
        flux = np.maximum(np.diff(stacked, axis=0), 0.0)
        flux_parts.append(np.stack([flux[:, b].sum(axis=1) for b in bands], axis=1))
        previous = spec[-1:]
    per_band = np.vstack(flux_parts)
    out = np.zeros_like(per_band)
    for i, band in enumerate(per_band.T):
        band = np.maximum(band - np.convolve(band, np.ones(16) / 16, mode="same"), 0.0)
        out[:, i] = band / (band.std() or 1.0)
    return out, sr / hop


def _tempo_score(ac: np.ndarray, fps: float, bpm: np.ndarray) -> np.ndarray:
    """Comb over the autocorrelation: a true beat period also lines up at 2x, 3x and 4x its lag."""
    score = np.zeros_like(bpm)
    for mult, weight in ((1, 1.0), (2, 0.5), (3, 0.33), (4, 0.25)):
        lag = 60.0 * fps / bpm * mult
        ok = lag < len(ac) - 1
        score[ok] += weight * np.interp(lag[ok], np.arange(len(ac)), ac)
    return score


def estimate_tempo(audio: np.ndarray, sample_rate: int, *, lo: float = 60, hi: float = 200) -> float:
    """Beats per minute from onset-flux autocorrelation, folded by octaves into [lo, hi)."""
    env, fps = onset_envelope(audio, sample_rate)
    if len(env) < 8 or not np.any(env):
        return float(lo)
    env = env - env.mean()
    size = 1 << (2 * len(env)).bit_length()
    spec = np.fft.rfft(env, size)
    ac = np.fft.irfft(spec * np.conj(spec), size)[: len(env)]
    ac /= ac[0] or 1.0
    grid = np.arange(40.0, 320.0, 0.1)
    score = _tempo_score(ac, fps, grid)
    best = float(grid[int(np.argmax(score))])
    candidates = [best * 2.0**k for k in range(-3, 4)]
    inside = [c for c in candidates if lo <= c < hi]
    if not inside:
        return float(min(candidates, key=lambda c: abs(np.log(c / np.sqrt(lo * hi)))))
    if len(inside) == 1:
        return round(inside[0], 2)
    # several octaves fit the window: prefer the one the comb likes best, biased gently towards ~135 bpm
    weights = _tempo_score(ac, fps, np.array(inside)) * np.exp(-0.5 * np.log2(np.array(inside) / 135.0) ** 2)
    return round(float(inside[int(np.argmax(weights))]), 2)


def _comb(env: np.ndarray, phases: np.ndarray, period: float) -> np.ndarray:
    """Onset strength summed at phase + k * period, for each phase (in frames)."""
    count = int((len(env) - 1 - phases.max()) // period) + 1
    if count < 1:
        return np.zeros(len(phases))
    where = phases[:, None] + np.arange(count)[None, :] * period
    return np.interp(where, np.arange(len(env)), env).sum(axis=1)


def _beat_chroma(audio: np.ndarray, sample_rate: int, times: np.ndarray) -> np.ndarray:
    """A coarse pitch-class profile per beat (rows: the spans between consecutive times)."""
    x, size, hop = _mono(audio), 4096, 1024
    freqs = np.fft.rfftfreq(size, 1.0 / sample_rate)
    band = (freqs >= 80.0) & (freqs <= 2000.0)
    pcs = (np.round(12 * np.log2(freqs[band] / 440.0)).astype(int) + 9) % 12
    out = np.zeros((len(times) + 1, 12))
    for i, block in enumerate(_spectrogram_blocks(x, size, hop)):
        centres = ((np.arange(len(block)) + i * 256) * hop + size / 2) / sample_rate
        rows = np.searchsorted(times, centres)
        weights = np.sqrt(block[:, band])
        for pc in range(12):
            np.add.at(out[:, pc], rows, weights[:, pcs == pc].sum(axis=1))
    return out[1:-1]


def _zscore(v: np.ndarray) -> np.ndarray:
    return (v - v.mean()) / (v.std() or 1.0)


def estimate_bar_offset(audio: np.ndarray, sample_rate: int, bpm: float, beats_per_bar: int = 4) -> float:
    """Seconds from the start to the first downbeat (0 <= offset < one bar), for a song at bpm.

    Beat phase: where a comb at the beat period collects the most onset strength (kick band weighted up).
    Downbeat: the beat of the bar where the harmony changes most (chords change on bar lines), helped by
    the kick band. Measured on the composer's genres: right in 33 of 40 cases, the misses land half a
    beat off (gallops and off-beat bass).
    """
    bands, fps = band_onsets(audio, sample_rate)
    beat = 60.0 * fps / float(bpm)
    if len(bands) < 3 * beats_per_bar * beat:
        return 0.0
    phases = np.arange(0.0, beat, 0.25)
    phase = float(phases[int(np.argmax(_comb(bands @ np.array([3.0, 1.0, 1.0, 0.5]), phases, beat)))])
    beat_s = 60.0 / float(bpm)
    first = (phase + 4.0) / fps  # a flux peak trails its onset by about 4 hops: measured with click tracks
    times = np.arange(first, len(audio) / sample_rate, beat_s)
    profile = _beat_chroma(audio, sample_rate, times)
    unit = profile / (np.linalg.norm(profile, axis=1, keepdims=True) + 1e-9)
    novelty = 1.0 - np.sum(unit[1:] * unit[:-1], axis=1)  # novelty[j]: change into the beat at times[j+1]
    every = range(beats_per_bar)
    harmonic = np.array([novelty[(b - 1) % beats_per_bar :: beats_per_bar].mean() for b in every])
    kicks = _comb(bands[:, 0], np.array([phase + b * beat for b in every]), beat * beats_per_bar)
    b = int(np.argmax(2.0 * _zscore(harmonic) + _zscore(kicks)))
    return float((first + b * beat_s) % (beats_per_bar * beat_s))


def chroma(audio: np.ndarray, sample_rate: int) -> np.ndarray:
    """Pitch-class profile from spectral peaks between 80 Hz and 2 kHz.

    Only local maxima well above their neighbourhood count, so drums and noise (which would otherwise bias
    the pitch classes that get more FFT bins) barely register; kick fundamentals sit below the band.
    """
    x = _mono(audio)
    size = 1 << int(np.ceil(np.log2(sample_rate / 2.7)))  # ~2.7 Hz bins resolve low notes
    top = int(2100 * size / sample_rate) + 20  # only bins up to ~2 kHz (plus the local window) matter
    freqs = np.fft.rfftfreq(size, 1.0 / sample_rate)[1 : top - 1]
    band = (freqs >= 80.0) & (freqs <= 2000.0)
    out = np.zeros(12)
    for block in _spectrogram_blocks(x, size, size // 4, frames=64):
        out += _chroma_block(block[:, :top], band, sample_rate, size)
    return out / (out.sum() or 1.0)


def _chroma_block(spec: np.ndarray, band: np.ndarray, sample_rate: int, size: int) -> np.ndarray:
    mid = spec[:, 1:-1]
    k = 33
    c = np.cumsum(np.pad(spec, ((0, 0), (k // 2 + 1, k // 2))), axis=1)
    local = (c[:, k:] - c[:, :-k])[:, 1:-1] / k
    peaks = (mid > spec[:, :-2]) & (mid >= spec[:, 2:]) & (mid > 2.0 * local) & band
    frame, idx = np.nonzero(peaks)
    a, b, d = (np.log(spec[frame, idx + j] + 1e-12) for j in range(3))
    curve = np.where(np.abs(a - 2 * b + d) < 1e-9, -1e-9, a - 2 * b + d)
    offset = np.clip(0.5 * (a - d) / curve, -0.5, 0.5)  # parabolic peak refinement
    hz = (idx + 1 + offset) * sample_rate / size
    pcs = (np.round(12 * np.log2(hz / 440.0)).astype(int) + 9) % 12  # index 0 is C
    return np.bincount(pcs, weights=np.sqrt(spec[frame, idx + 1]), minlength=12)


def estimate_key(audio: np.ndarray, sample_rate: int) -> tuple[str, str]:
    """(tonic, 'major'|'minor') whose rotated Krumhansl profile best correlates with the chroma."""
    c = chroma(audio, sample_rate)
    best = ("C", "major", -2.0)
    for tonic in range(12):
        for mode, profile in (("major", _MAJOR), ("minor", _MINOR)):
            r = float(np.corrcoef(c, np.roll(profile, tonic))[0, 1])
            if r > best[2]:
                best = (NOTE_NAMES[tonic], mode, r)
    return best[0], best[1]


def beat_strength(audio: np.ndarray, sample_rate: int, bpm: float) -> float:
    """How clearly the music pulses at its beat, 0-1: the onset envelope's autocorrelation one (or two)
    beats apart, relative to its energy. A steady kit scores about 0.5-0.75; pads and arpeggios alone, or
    ghost notes here and there, score under 0.25."""
    env, fps = onset_envelope(audio, sample_rate)
    env = env - env.mean()
    if len(env) < 8 or not np.any(env):
        return 0.0
    size = 1 << (2 * len(env)).bit_length()
    spec = np.fft.rfft(env, size)
    ac = np.fft.irfft(spec * np.conj(spec), size)[: len(env)]
    ac /= ac[0] or 1.0
    lag = 60.0 * fps / float(bpm)
    return float(max(np.interp(k * lag, np.arange(len(ac)), ac) for k in (1, 2)))


def loudness_dbfs(audio: np.ndarray) -> float:
    """RMS level over all samples and channels, in dBFS (full-scale sine = -3 dB)."""
    a = np.asarray(audio, dtype=np.float64)
    rms = float(np.sqrt(np.mean(a**2))) if a.size else 0.0
    return 20.0 * np.log10(max(rms, 1e-12))


def spectral_centroid(audio: np.ndarray, sample_rate: int) -> float:
    """Magnitude-weighted mean frequency of the long-term spectrum, in Hz."""
    spec = sum(block.sum(axis=0) for block in _spectrogram_blocks(_mono(audio), 2048, 1024))
    freqs = np.fft.rfftfreq(2048, 1.0 / sample_rate)
    return float((freqs * spec).sum() / (spec.sum() or 1.0))
