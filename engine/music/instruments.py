"""Sound sources for the procedural composer.

Everything here turns (pitch, length, velocity) into float32 sample arrays. Pitched instruments read
band-limited single-cycle wavetables (built with irfft, so nothing aliases) and crossfade a bright and a
dark table with an envelope, which sounds like a filter sweep without a per-sample IIR loop in Python.
Renders are cached per song because songs repeat the same notes constantly: a 60 s song has only a few
hundred distinct (instrument, pitch, length) notes among thousands of events.
"""

from __future__ import annotations

import functools
import zlib
from collections.abc import Callable

import numpy as np

TABLE_BITS = 11
TABLE_SIZE = 1 << TABLE_BITS
_FRAC_BITS = 32 - TABLE_BITS
_FRAC_SCALE = np.float32(1.0 / (1 << _FRAC_BITS))


def midi_hz(midi: float) -> float:
    return 440.0 * 2.0 ** ((midi - 69.0) / 12.0)


# --- wavetables -------------------------------------------------------------------------------------------

_SPECTRA: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "saw": lambda k: 1.0 / k,
    "saw_dark": lambda k: 1.0 / k**2.2,
    "square": lambda k: (k % 2 == 1) / k,
    "piano": lambda k: np.abs(np.sin(np.pi * k * 0.13)) / k**1.4 + 0.02 / k,
    "piano_dark": lambda k: 1.0 / k**2.8,
    "pad": lambda k: 1.0 / k**1.6 * (1 + 0.5 * (k % 2 == 0)),
    "pad_dark": lambda k: 1.0 / k**3.0,
    "sub": lambda k: np.where(k == 1, 1.0, np.where(k == 2, 0.18, np.where(k == 3, 0.06, 0.0))),
    "bass": lambda k: 1.0 / k**1.2,
    "bass_dark": lambda k: 1.0 / k**3.2,
    "glass": lambda k: np.where(np.isin(k, (1, 2, 4)), 1.0 / k, 0.0),
}


def _harmonics_table(amps: np.ndarray) -> np.ndarray:
    """Single cycle from harmonic amplitudes (sine phase); one guard sample for interpolation."""
    spec = np.zeros(TABLE_SIZE // 2 + 1, dtype=np.complex128)
    spec[1 : len(amps) + 1] = -1j * amps
    tab = np.fft.irfft(spec, TABLE_SIZE) * (TABLE_SIZE / 2)
    return np.append(tab, tab[0]).astype(np.float32)


@functools.lru_cache(maxsize=2048)
def table(shape: str, midi: int, sr: int) -> np.ndarray:
    """Band-limited table for this pitch: only harmonics below 0.45 * sr survive."""
    count = int(max(1, min(TABLE_SIZE // 2 - 1, 0.45 * sr / midi_hz(midi))))
    return _harmonics_table(_SPECTRA[shape](np.arange(1, count + 1, dtype=np.float64)))


# --- oscillators and helpers --------------------------------------------------------------------------------


def _phase(freq: float | np.ndarray, n: int, sr: int, offset: float = 0.0) -> np.ndarray:
    """32-bit integer phase accumulator: wraps for free and stays cache friendly."""
    start = np.uint32(int(offset * 2**32) & 0xFFFFFFFF)
    if np.isscalar(freq):
        inc = np.uint32(int(float(freq) / sr * 2**32) & 0xFFFFFFFF)
        return np.arange(n, dtype=np.uint32) * inc + start
    inc = (np.asarray(freq, dtype=np.float64) * (2**32 / sr)).astype(np.int64).astype(np.uint32)
    return np.cumsum(inc, dtype=np.uint32) + start


def _lookup(tab: np.ndarray, phase: np.ndarray) -> np.ndarray:
    idx = (phase >> _FRAC_BITS).astype(np.intp)
    frac = (phase & ((1 << _FRAC_BITS) - 1)).astype(np.float32) * _FRAC_SCALE
    a = tab[idx]
    return a + (tab[idx + 1] - a) * frac


def osc(tab: np.ndarray, freq: float | np.ndarray, n: int, sr: int, offset: float = 0.0) -> np.ndarray:
    return _lookup(tab, _phase(freq, n, sr, offset))


def osc_morph(
    bright: np.ndarray, dark: np.ndarray, mix: np.ndarray, freq: float, n: int, sr: int, offset: float = 0.0
) -> np.ndarray:
    """Crossfade two tables with one phase computation; mix=1 is fully bright."""
    ph = _phase(freq, n, sr, offset)
    d = _lookup(dark, ph)
    return d + (_lookup(bright, ph) - d) * mix


def _ramp(n: int) -> np.ndarray:
    return np.arange(n, dtype=np.float32)


def decay(n: int, sr: int, seconds: float) -> np.ndarray:
    return np.exp(_ramp(n) * np.float32(-1.0 / (seconds * sr)))


def gate(n_on: int, n: int, sr: int, attack: float, release: float) -> np.ndarray:
    """Linear attack, hold until the note ends, then exponential release; n includes the release."""
    env = np.ones(n, dtype=np.float32)
    a = min(n_on, max(1, int(attack * sr)))
    env[:a] = _ramp(a) / a
    if n > n_on:
        env[n_on:] = decay(n - n_on, sr, release / 4.0)
    return env


def box(x: np.ndarray, k: int) -> np.ndarray:
    """Moving average via cumsum: a cheap FIR low-pass (first null at sr / k)."""
    if k <= 1:
        return x
    c = np.cumsum(x, dtype=np.float64)
    c[k:] = c[k:] - c[:-k]
    return (c / k).astype(np.float32)


def highpass(x: np.ndarray, k: int) -> np.ndarray:
    return x - box(x, k)


def noise(seed: int, n: int) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(n, dtype=np.float32)


def fade_tail(x: np.ndarray, sr: int, seconds: float = 0.01) -> np.ndarray:
    """Short fade at the end so cut notes do not click."""
    k = min(x.shape[-1], int(seconds * sr))
    if k > 1:
        x[..., -k:] *= np.linspace(1.0, 0.0, k, dtype=np.float32)
    return x


# --- pitched instruments ------------------------------------------------------------------------------------
# Each returns mono (n,) or stereo (2, n) float32 for a note of `n_on` samples plus its natural release.

Note = Callable[[int, int, int], np.ndarray]


def piano(midi: int, n_on: int, sr: int) -> np.ndarray:
    """Three slightly detuned strings (their beating makes it sound like a piano) plus a hammer knock."""
    n = n_on + int(0.25 * sr)
    t_decay = 2.2 * 2.0 ** (-(midi - 60) / 18.0)  # high notes die faster
    env = decay(n, sr, t_decay) * gate(n_on, n, sr, 0.003, 0.25)
    mix = decay(n, sr, 0.12 + 0.4 * t_decay / 2.2)
    f = midi_hz(midi)
    b, d = table("piano", midi, sr), table("piano_dark", midi, sr)
    y = sum(osc_morph(b, d, mix, f * r, n, sr, o) for r, o in ((1.0, 0.0), (1.0008, 0.3), (0.9994, 0.6)))
    k = min(n, int(0.012 * sr))
    y[:k] += box(noise(midi, k), 6) * decay(k, sr, 0.003) * 0.6
    return fade_tail(y * env * 0.35, sr)


def epiano(midi: int, n_on: int, sr: int) -> np.ndarray:
    """Two-operator FM: a bell-ish attack (decaying index) over a round sustain, like a Rhodes."""
    n = n_on + int(0.3 * sr)
    f = midi_hz(midi)
    t = _ramp(n) / np.float32(sr)
    index = 1.8 * decay(n, sr, 0.25) + 0.25
    mod = np.sin(np.float32(2 * np.pi * f) * t)
    y = np.sin(np.float32(2 * np.pi * f) * t + index * mod)
    y += 0.15 * np.sin(np.float32(2 * np.pi * f * 7.0) * t) * decay(n, sr, 0.03)
    env = decay(n, sr, 1.6) * gate(n_on, n, sr, 0.004, 0.3)
    return fade_tail((y * env * 0.45).astype(np.float32), sr)


def pluck(midi: int, n_on: int, sr: int) -> np.ndarray:
    n = n_on + int(0.2 * sr)
    mix = decay(n, sr, 0.07)
    y = osc_morph(table("saw", midi, sr), table("saw_dark", midi, sr), mix, midi_hz(midi), n, sr)
    env = decay(n, sr, 0.45) * gate(n_on, n, sr, 0.002, 0.2)
    return fade_tail(y * env * 0.35, sr)


def bell(midi: int, n_on: int, sr: int) -> np.ndarray:
    """FM with an inharmonic 3.5 ratio: glassy, for trap and ambient arpeggios."""
    n = n_on + int(0.6 * sr)
    f = midi_hz(midi)
    t = _ramp(n) / np.float32(sr)
    index = 1.2 * decay(n, sr, 0.4)
    y = np.sin(np.float32(2 * np.pi * f) * t + index * np.sin(np.float32(2 * np.pi * f * 3.5) * t))
    env = decay(n, sr, 0.9) * gate(n_on, n, sr, 0.002, 0.6)
    return fade_tail((y * env * 0.3).astype(np.float32), sr)


def glass(midi: int, n_on: int, sr: int) -> np.ndarray:
    n = n_on + int(0.8 * sr)
    y = osc(table("glass", midi, sr), midi_hz(midi), n, sr)
    env = decay(n, sr, 1.4) * gate(n_on, n, sr, 0.003, 0.8)
    return fade_tail(y * env * 0.3, sr)


def pad(midi: int, n_on: int, sr: int) -> np.ndarray:
    """Detuned soft saws, slow attack; left and right voices differ for width."""
    n = n_on + int(0.9 * sr)
    env = gate(n_on, n, sr, 0.45, 0.9)
    f = midi_hz(midi)
    b, d = table("pad", midi, sr), table("pad_dark", midi, sr)
    mix = np.float32(0.35)
    left = osc_morph(b, d, mix, f * 0.9965, n, sr) + osc_morph(b, d, mix, f * 1.0021, n, sr, 0.5)
    right = osc_morph(b, d, mix, f * 1.0035, n, sr, 0.25) + osc_morph(b, d, mix, f * 0.998, n, sr, 0.75)
    return fade_tail(np.stack([left * env, right * env]) * 0.2, sr)


def strings(midi: int, n_on: int, sr: int) -> np.ndarray:
    """Slower, brighter pad with vibrato, for ballads."""
    n = n_on + int(0.7 * sr)
    env = gate(n_on, n, sr, 0.3, 0.7)
    f = midi_hz(midi)
    vib = 1.0 + 0.003 * np.sin(2 * np.pi * 5.0 * np.arange(n) / sr)
    tab = table("saw_dark", midi, sr)
    left = osc(tab, f * vib, n, sr) + osc(tab, f * 1.004, n, sr, 0.5)
    right = osc(tab, f * vib[::-1], n, sr, 0.3) + osc(tab, f * 0.996, n, sr, 0.8)
    return fade_tail(np.stack([left * env, right * env]) * 0.2, sr)


def supersaw(midi: int, n_on: int, sr: int) -> np.ndarray:
    n = n_on + int(0.25 * sr)
    f = midi_hz(midi)
    b, d = table("saw", midi, sr), table("saw_dark", midi, sr)
    mix = 0.55 + 0.45 * decay(n, sr, 0.15)
    sides = []
    for detunes in ((1.0, 0.991, 1.012), (1.0, 1.009, 0.988)):
        sides.append(sum(osc_morph(b, d, mix, f * r, n, sr, 0.17 * i) for i, r in enumerate(detunes)))
    env = gate(n_on, n, sr, 0.005, 0.25)
    return fade_tail(np.stack(sides) * env * 0.13, sr)


def bass(midi: int, n_on: int, sr: int) -> np.ndarray:
    """Pick bass: bright attack closing quickly, plus a sine-like sub for weight."""
    n = n_on + int(0.08 * sr)
    f = midi_hz(midi)
    y = osc_morph(table("bass", midi, sr), table("bass_dark", midi, sr), decay(n, sr, 0.06), f, n, sr)
    y += osc(table("sub", midi, sr), f, n, sr) * 0.6
    env = decay(n, sr, 1.2) * gate(n_on, n, sr, 0.003, 0.08)
    return fade_tail(y * env * 0.45, sr)


def sub(midi: int, n_on: int, sr: int) -> np.ndarray:
    n = n_on + int(0.12 * sr)
    y = osc(table("sub", midi, sr), midi_hz(midi), n, sr)
    return fade_tail(y * gate(n_on, n, sr, 0.01, 0.12) * 0.6, sr)


def bass808(midi: int, n_on: int, sr: int) -> np.ndarray:
    """Sine with a fast pitch drop, long decay, then tanh for grit (the trap 808)."""
    n = n_on + int(0.1 * sr)
    f = midi_hz(midi) * (1.0 + 1.0 * decay(n, sr, 0.012))
    y = np.sin(2 * np.pi * np.cumsum(f, dtype=np.float64) / sr).astype(np.float32)
    env = decay(n, sr, 1.4) * gate(n_on, n, sr, 0.002, 0.1)
    return fade_tail(np.tanh(2.5 * y * env) * 0.55, sr)


def _distort(x: np.ndarray, sr: int, drive: float, tone_hz: float) -> np.ndarray:
    """tanh drive, then two box filters as a cabinet low-pass, then a gentle low cut."""
    y = np.tanh(x * drive)
    k = max(1, int(sr / tone_hz))
    y = box(box(y, k), max(1, k // 2 + 1))
    return highpass(y, int(sr / 90))


def _power_chord(
    midi: int, n_on: int, sr: int, drive: float, tone_hz: float, ring: float, mute: bool
) -> np.ndarray:
    n = n_on + int(ring * sr)
    env = gate(n_on, n, sr, 0.002, ring) * (decay(n, sr, 0.12) if mute else np.float32(1.0))
    sides = []
    for side, detune in enumerate((0.998, 1.002)):
        y = np.zeros(n, dtype=np.float32)
        for interval, level in ((0, 1.0), (7, 0.8), (12, 0.5)):
            m = midi + interval
            y += osc(table("saw", m, sr), midi_hz(m) * detune, n, sr, 0.13 * side + 0.07 * interval) * level
        sides.append(_distort(y * env, sr, drive, tone_hz * (0.7 if mute else 1.0)))
    return fade_tail(np.stack(sides) * 0.16, sr)


def metal_guitar(midi: int, n_on: int, sr: int) -> np.ndarray:
    return _power_chord(midi, n_on, sr, 9.0, 7500.0, 0.06, mute=n_on < sr * 0.2)


def punk_guitar(midi: int, n_on: int, sr: int) -> np.ndarray:
    return _power_chord(midi, n_on, sr, 5.0, 8500.0, 0.05, mute=False)


def rock_guitar(midi: int, n_on: int, sr: int) -> np.ndarray:
    return _power_chord(midi, n_on, sr, 3.0, 4800.0, 0.15, mute=False)


def lead_synth(midi: int, n_on: int, sr: int) -> np.ndarray:
    """Square-ish lead with delayed vibrato, for instrumental melodies."""
    n = n_on + int(0.12 * sr)
    t = np.arange(n) / sr
    vib = 1.0 + 0.004 * np.sin(2 * np.pi * 5.5 * t) * np.clip((t - 0.15) * 4, 0, 1)
    f = midi_hz(midi) * vib
    y = 0.6 * osc(table("square", midi, sr), f, n, sr) + 0.4 * osc(table("saw_dark", midi, sr), f, n, sr)
    return fade_tail(y * gate(n_on, n, sr, 0.01, 0.12) * 0.3, sr)


def lead_guitar(midi: int, n_on: int, sr: int) -> np.ndarray:
    n = n_on + int(0.1 * sr)
    t = np.arange(n) / sr
    vib = 1.0 + 0.006 * np.sin(2 * np.pi * 6.0 * t) * np.clip((t - 0.12) * 3, 0, 1)
    y = osc(table("saw", midi, sr), midi_hz(midi) * vib, n, sr) * gate(n_on, n, sr, 0.004, 0.1)
    return fade_tail(_distort(y, sr, 6.0, 4200.0) * 0.3, sr)


INSTRUMENTS: dict[str, Note] = {
    "piano": piano,
    "epiano": epiano,
    "pluck": pluck,
    "bell": bell,
    "glass": glass,
    "pad": pad,
    "strings": strings,
    "supersaw": supersaw,
    "bass": bass,
    "sub": sub,
    "808": bass808,
    "metal_guitar": metal_guitar,
    "punk_guitar": punk_guitar,
    "rock_guitar": rock_guitar,
    "lead_synth": lead_synth,
    "lead_guitar": lead_guitar,
}


@functools.lru_cache(maxsize=64)
def _level(inst: str, sr: int) -> float:
    """Gain that brings a reference note to RMS 0.2, so arrangement gains mean the same for every sound."""
    rhythm_guitar = inst.endswith("_guitar") and inst != "lead_guitar"
    midi = 40 if inst in ("bass", "sub", "808") else 48 if rhythm_guitar else 64
    y = INSTRUMENTS[inst](midi, sr // 2, sr)
    return 0.2 / max(1e-6, float(np.sqrt(np.mean(y.astype(np.float64) ** 2))))


def note(inst: str, midi: int, n_on: int, sr: int) -> np.ndarray:
    return INSTRUMENTS[inst](midi, n_on, sr) * np.float32(_level(inst, sr))


# --- drums --------------------------------------------------------------------------------------------------


def _sweep_tone(
    sr: int, seconds: float, f_hi: float, f_lo: float, sweep: float, amp_decay: float
) -> np.ndarray:
    n = int(seconds * sr)
    f = f_lo + (f_hi - f_lo) * decay(n, sr, sweep)
    y = np.sin(2 * np.pi * np.cumsum(f, dtype=np.float64) / sr).astype(np.float32)
    return y * decay(n, sr, amp_decay)


def _metallic(sr: int, n: int, base: float) -> np.ndarray:
    """Six inharmonic squares (the classic 808 cymbal recipe)."""
    y = np.zeros(n, dtype=np.float32)
    for ratio in (1.0, 1.483, 1.800, 2.546, 2.630, 3.897):
        y += np.sign(np.sin(2 * np.pi * base * ratio * np.arange(n) / sr)).astype(np.float32)
    return y / 6.0


def drum_kit(
    sr: int,
    seed: int,
    *,
    kick_hz: float = 52.0,
    kick_decay: float = 0.32,
    click: float = 0.4,
    snare_hz: float = 190.0,
    snare_decay: float = 0.16,
    hat_decay: float = 0.04,
    drive: float = 1.5,
) -> dict[str, np.ndarray]:
    """Synthesise every drum sound once per song; hits are then only added at offsets."""
    kick = _sweep_tone(sr, kick_decay * 2.5, kick_hz * 3.2, kick_hz, 0.035, kick_decay)
    clk = int(0.004 * sr)
    kick[:clk] += noise(seed, clk) * np.linspace(click, 0, clk, dtype=np.float32)
    kick = np.tanh(kick * drive) / np.tanh(drive)

    n = int(snare_decay * 3 * sr)
    snare_noise = highpass(box(noise(seed + 1, n), 2), int(sr / 900)) * decay(n, sr, snare_decay)
    snare = 0.55 * _sweep_tone(sr, n / sr, snare_hz * 1.5, snare_hz, 0.01, 0.05) + 0.9 * snare_noise

    n = int(0.35 * sr)
    burst = np.zeros(n, dtype=np.float32)
    for k, start in enumerate((0.0, 0.011, 0.022)):
        s = int(start * sr)
        burst[s:] += decay(n - s, sr, 0.006 if k < 2 else 0.12)
    clap = highpass(box(noise(seed + 2, n), 3), int(sr / 700)) * burst * 0.9

    def cymbal(seconds: float, tail: float, base: float, salt: int) -> np.ndarray:
        m = int(seconds * sr)
        body = 0.6 * highpass(noise(seed + salt, m), 3) + 0.5 * highpass(_metallic(sr, m, base), 4)
        return body * decay(m, sr, tail)

    kit = {
        "kick": kick.astype(np.float32),
        "snare": snare.astype(np.float32),
        "clap": clap,
        "hat": cymbal(hat_decay * 5, hat_decay, 410.0, 3) * 0.5,
        "ohat": cymbal(0.9, 0.22, 410.0, 4) * 0.4,
        "crash": cymbal(3.0, 0.9, 340.0, 5) * 0.45,
        "ride": cymbal(1.2, 0.35, 520.0, 6) * 0.25,
        "rim": _sweep_tone(sr, 0.06, 1800, 1700, 1.0, 0.008) * 0.5
        + highpass(noise(seed + 7, int(0.06 * sr)), 3) * decay(int(0.06 * sr), sr, 0.004) * 0.3,
        "shaker": highpass(noise(seed + 8, int(0.09 * sr)), 2)
        * np.sin(np.linspace(0, np.pi, int(0.09 * sr), dtype=np.float32)) ** 3
        * 0.2,
    }
    for name, hz in (("tom_hi", 200.0), ("tom_mid", 150.0), ("tom_lo", 105.0)):
        kit[name] = _sweep_tone(sr, 0.5, hz * 1.6, hz, 0.03, 0.18) * 0.8
    out = {}
    for name, sig in kit.items():  # level every sound by its first 100 ms so genres differ only by design
        head = sig[: int(0.1 * sr)].astype(np.float64)
        gain = _KIT_LEVELS[name.split("_")[0]] / max(1e-6, float(np.sqrt(np.mean(head**2))))
        out[name] = fade_tail((sig * gain).astype(np.float32), sr, 0.005)
    return out


_KIT_LEVELS = {
    "kick": 0.7,
    "snare": 0.5,
    "clap": 0.45,
    "hat": 0.11,
    "ohat": 0.11,
    "ride": 0.09,
    "crash": 0.17,
    "rim": 0.14,
    "shaker": 0.07,
    "tom": 0.4,
}


def vinyl(sr: int, n: int, seed: int) -> np.ndarray:
    """Lo-fi crackle: sparse clicks over quiet dark hiss."""
    rng = np.random.default_rng(seed)
    y = box(rng.standard_normal(n, dtype=np.float32), 12) * 0.012
    clicks = rng.integers(0, n, size=max(1, n // (sr // 6)))
    y[clicks] += rng.uniform(-0.25, 0.25, size=len(clicks)).astype(np.float32)
    return y


# --- effects ------------------------------------------------------------------------------------------------


def impulse(sr: int, seconds: float, seed: int) -> tuple[np.ndarray, int, int]:
    """The reverb's impulse response as (spectrum, FFT size, block): a decaying stereo noise, convolved
    by overlap-add in blocks whose power-of-two FFT is at least 4x the IR (odd or huge sizes are slow)."""
    m = int(min(seconds, 5.0) * sr)
    t = np.arange(m, dtype=np.float32) / sr
    ir = np.random.default_rng(seed).standard_normal((2, m), dtype=np.float32) * np.exp(-6.9 * t / seconds)
    ir[:, : int(0.015 * sr)] = 0.0  # pre-delay keeps the dry attack clear
    ir = np.stack([box(ch, 3) for ch in ir])
    ir /= np.sqrt(np.sum(ir**2) / 2)
    size = max(1 << 16, 1 << (4 * m).bit_length())
    return np.fft.rfft(ir, size), size, size - m + 1


def reverb(send: np.ndarray, sr: int, seconds: float, seed: int) -> np.ndarray:
    """Stereo reverb: overlap-add FFT convolution of a mono send with a decaying noise impulse response
    (engine.music.streams.Reverb does the same block by block, for a song rendered in sections)."""
    spectrum, size, block = impulse(sr, seconds, seed)
    n = len(send)
    wet = np.zeros((2, n + size), dtype=np.float32)
    for start in range(0, n, block):
        seg = send[start : start + block]
        wet[:, start : start + size] += np.fft.irfft(np.fft.rfft(seg, size) * spectrum, size)
    return wet[:, :n]


def duck(n: int, kicks: list[int], depth: float, sr: int) -> np.ndarray:
    """Sidechain gain: dip at every kick and recover over ~180 ms (EDM pumping)."""
    g = np.ones(n, dtype=np.float32)
    k = int(0.18 * sr)
    curve = 1.0 - depth * (1.0 - np.linspace(0.0, 1.0, k, dtype=np.float32)) ** 2
    for s in kicks:
        if 0 <= s < n:
            seg = g[s : s + k]
            np.minimum(seg, curve[: len(seg)], out=seg)
    return g


def active_rms(bus: np.ndarray) -> float:
    """Level while playing: the 85th percentile of 100 ms frame energies (gaps between lines don't count)."""
    hop = 4410
    frames = bus.shape[1] // hop
    if frames == 0:
        return float(np.sqrt(np.mean(bus**2))) if bus.size else 0.0
    energy = np.square(bus[:, : frames * hop]).reshape(2, frames, hop).mean(axis=(0, 2))
    return float(np.sqrt(np.percentile(energy, 85)))


def echo(bus: np.ndarray, sr: int, seconds: float, level: float, repeats: int = 3) -> np.ndarray:
    """Ping-pong delay: each repeat swaps sides and loses level (vocal throws in pop and ambient)."""
    out = np.zeros_like(bus)
    d = int(seconds * sr)
    for r in range(1, repeats + 1):
        if r * d >= bus.shape[1]:
            break
        src = bus[::-1] if r % 2 else bus  # odd repeats land on the opposite side
        out[:, r * d :] += src[:, : bus.shape[1] - r * d] * np.float32(level * 0.55 ** (r - 1))
    return out


def stable_seed(*parts: object) -> int:
    """Deterministic across processes (unlike hash())."""
    return zlib.crc32("|".join(map(str, parts)).encode())
