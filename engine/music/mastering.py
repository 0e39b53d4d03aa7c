"""The master chain: bus levels, sidechain, echo, reverb, tone, soft clip, fades and normalising.

With ``vocal_stem`` it also returns the voice bus as it sits in the master: every step of the chain is
a sum or a gain, so the voice is sent through the very same steps (its own reverb send, the same tone
filter, the same scalars) and the soft clip, tanh(x), is applied to it as the gain tanh(x) / x that the
whole mix received at each sample. The band's stem is then the mix minus that voice, which is the band
buses through the same chain (engine.stems; docs/engine.md, stems).
"""

from __future__ import annotations

import numpy as np

from engine.music import instruments as ins
from engine.music import streams
from engine.music.genres import Profile


def _levels(prof: Profile, music: np.ndarray, drums: np.ndarray, voice: np.ndarray) -> np.float32:
    """Drums and voice levelled against the music, in place; returns the voice bus's gain."""
    ref = ins.active_rms(music)
    gains = []
    for bus, ratio in ((drums, prof.levels[0]), (voice, prof.levels[1])):
        level = ins.active_rms(bus)
        gains.append(np.float32(ratio * ref / level) if level > 1e-6 and ref > 1e-6 else np.float32(1.0))
        if level > 1e-6 and ref > 1e-6:
            bus *= gains[-1]
    return gains[-1]


def _tone(prof: Profile, audio: np.ndarray) -> None:
    if prof.tone:  # dark genres: two cascaded moving averages as a gentle master low-pass
        for ch in audio:
            ch[:] = ins.box(ins.box(ch, prof.tone), prof.tone // 2 + 1)


# The lead vocal (docs/engine.md, "The singer"): above the genre's voice level, a drier space than the band
# (a fraction of its reverb send, a quieter echo: words smeared by reverb are words lost), the band turned
# down a little while the voice sings, and a dip in the band's presence range (where consonants are heard)
# all song long, so the words stay in front.
VOCAL_LIFT = 2.0
# the band's send is 1 (drums 0.35); at 0.08 a soft word onset (a glide after a vowel: "father walked")
# fell under the vocal stem's onset threshold, 93 ms from its word time (tests/engine/test_timing.py)
VOCAL_SEND = 0.12
VOCAL_ECHO = 0.15  # of the genre's echo level
VOCAL_DUCK = 0.4  # the band's gain drops by this share under the singing
DUCK_S = 0.15  # the duck's ramps
PRESENCE_DEPTH = 0.5  # the band (so its reverb too) loses this share of 1.2-5 kHz in songs with a lead vocal
PRESENCE_BAND = (1200.0, 5000.0)
PRESENCE_TAPS = 63  # linear phase: -6 dB at 2-4 kHz, -1.7 dB at 1 kHz, -2.5 dB at 5 kHz, -1 dB at 800 Hz


def presence_taps(sr: int) -> np.ndarray:
    """The presence dip's FIR (float64, odd length, symmetric): a unit impulse minus PRESENCE_DEPTH of a
    Hamming-windowed 1.2-5 kHz band-pass."""
    m = np.arange(PRESENCE_TAPS) - PRESENCE_TAPS // 2
    lo, hi = (f / sr for f in PRESENCE_BAND)
    band = (2 * hi * np.sinc(2 * hi * m) - 2 * lo * np.sinc(2 * lo * m)) * np.hamming(PRESENCE_TAPS)
    taps = -PRESENCE_DEPTH * band
    taps[PRESENCE_TAPS // 2] += 1.0
    return taps


def presence(audio: np.ndarray, sr: int, chunk: int = 1 << 18) -> None:
    """The presence dip on a (2, n) float32 bus, in place, centred (no delay): streams.Fir over chunks,
    each written back behind the one being read."""
    fir, at = streams.Fir(presence_taps(sr)), 0
    for a in range(0, audio.shape[1], chunk):
        out = fir(audio[:, a : a + chunk])
        audio[:, at : at + out.shape[1]] = out
        at += out.shape[1]
    out = fir.finish()
    audio[:, at : at + out.shape[1]] = out


def ducking(n: int, sr: int, singing: list[tuple[float, float]]) -> np.ndarray:
    """Gain (n,) float32 for the band: 1 - VOCAL_DUCK while a note is sung, with DUCK_S ramps."""
    return ducking_between(0, n, duck_curve(n, sr, singing))


def ducking_between(a: int, b: int, curve: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """ducking()'s gain for samples [a, b), from its curve (duck_curve)."""
    return np.interp(np.arange(a, b, dtype=np.float32), *curve).astype(np.float32)


def duck_curve(n: int, sr: int, singing: list[tuple[float, float]]) -> tuple[np.ndarray, np.ndarray]:
    """The duck's gain every 256 samples, as (sample, gain): small, whatever the song's length."""
    block = 256
    blocks = n // block + 2
    mask = np.zeros(blocks, dtype=np.float32)
    for start, end in singing:
        mask[max(0, int(start * sr / block)) : max(0, int(end * sr / block) + 1)] = 1.0
    width = max(1, int(DUCK_S * sr / block))
    cum = np.concatenate([[0.0], np.cumsum(np.pad(mask, (width // 2, width - width // 2 - 1)))])
    smooth = (cum[width:] - cum[:-width]) / width
    gain = 1.0 - VOCAL_DUCK * smooth.astype(np.float32)
    return np.arange(len(gain)) * block, gain


def limit_voice(x: np.ndarray, peak: float) -> np.ndarray:
    """A soft limiter for the lead vocal, c tanh(x / c), its knee set by the voice's own peak (at least
    1.5): only the loudest syllables are touched, by the same curve in every genre (a genre's harder
    drive must not colour the singer)."""
    knee = np.float32(max(1.5, 0.9 * peak))
    return knee * np.tanh(x * (1 / knee))


def master(
    buses: dict[str, np.ndarray],
    *,
    prof: Profile,
    kicks: list[int],
    seed: int,
    bpm: float,
    sr: int,
    fade_s: float,
    vocal_stem: bool = False,
    singing: list[tuple[float, float]] = (),
) -> tuple[np.ndarray, np.ndarray | None]:
    """(mix, vocals or None), each (n, 2) float32. Works in place on the buses: a 120 s song is 42 MB
    per stereo float32 buffer. singing: (start s, end s) of each sung note (the lead vocal's place)."""
    drums, music, voice = (buses.pop(name) for name in ("drums", "music", "voice"))
    sung = buses.pop("sung", None)  # the sung notes alone (the voice bus also carries instrumental leads)
    n = music.shape[1]
    if prof.sidechain:
        music *= ins.duck(n, kicks, prof.sidechain, sr)
    if prof.crackle:
        drums += ins.vinyl(sr, n, seed % 65521)
    voice_gain = _levels(prof, music, drums, voice)
    echo, voice_send = prof.echo, 1.3
    if singing:  # a lead vocal, not only an instrumental lead on the voice bus
        voice *= np.float32(VOCAL_LIFT)
        voice_gain *= np.float32(VOCAL_LIFT)
        echo, voice_send = prof.echo * VOCAL_ECHO, VOCAL_SEND
        presence(music, sr)  # the band's dip, before its reverb send: the voice's own reverb keeps its tone
        presence(drums, sr)
        duck = ducking(n, sr, singing)
        music *= duck
        drums *= duck
        del duck
    if echo:  # dotted-eighth vocal echo
        voice += ins.echo(voice, sr, 0.75 * 60.0 / bpm, echo)
    send_amt, seconds = prof.reverb
    send = (
        music.sum(axis=0) + drums.sum(axis=0) * np.float32(0.35) + voice.sum(axis=0) * np.float32(voice_send)
    )
    send *= np.float32(0.5 * send_amt)
    # A lead vocal stays out of the band's soft clip: clipped together, the band's peaks distort the words
    # (intermodulation); it gets a gentle limiter of its own instead (limit_voice).
    lead = voice if singing else None
    vocals = vocal_rev = None
    if vocal_stem:
        vocals = sung if sung is not None else np.zeros_like(voice)
        vocals *= voice_gain
        if echo:
            vocals += ins.echo(vocals, sr, 0.75 * 60.0 / bpm, echo)
        vocal_rev = ins.reverb(
            vocals.sum(axis=0) * np.float32(voice_send * 0.5 * send_amt), sr, seconds, seed % 4093
        )
        if lead is None:  # no lead vocal: the voice is clipped with the band, as the band's reverb is
            vocals += vocal_rev
            vocal_rev = None
    out = music
    out += drums
    if lead is None:
        out += voice
    del drums, voice
    out += ins.reverb(send, sr, seconds, seed % 4093)
    for part in (out, lead, vocals, vocal_rev):
        if part is not None:
            if lead is None or part is out or part is vocal_rev:  # a lead vocal keeps its own timbre
                _tone(prof, part)
            part -= part.mean(axis=1, keepdims=True)
    peak = float(np.max(np.abs(out if lead is None else out + lead)))
    drive = np.float32(prof.drive / (peak or 1.0))
    out *= drive
    clip_gain = None
    if vocals is not None:
        clipped = np.tanh(out)
        safe = np.abs(out) > 1e-6
        clip_gain = np.where(safe, clipped / np.where(safe, out, 1.0), np.float32(1.0))
        out[:] = clipped
        del clipped, safe
    else:
        np.tanh(out, out=out)
    if lead is not None:
        lead *= drive
        lead_peak = float(np.max(np.abs(lead)))
        out += limit_voice(lead, lead_peak)
    if vocals is not None:
        vocals *= drive
        if lead is not None:
            vocals[:] = limit_voice(vocals, lead_peak) + vocal_rev * drive * clip_gain
        else:
            vocals *= clip_gain
        del clip_gain, vocal_rev
    _fade_and_normalise(out, vocals, n, sr, fade_s)
    return np.ascontiguousarray(out.T), None if vocals is None else np.ascontiguousarray(vocals.T)


def _fade_and_normalise(out: np.ndarray, vocals: np.ndarray | None, n: int, sr: int, fade_s: float) -> None:
    fade = min(n, int(fade_s * sr))
    k = min(n, int(0.005 * sr))
    tail = np.linspace(1.0, 0.0, fade, dtype=np.float32) ** 2
    head = np.linspace(0.0, 1.0, k, dtype=np.float32)
    peak = None
    for part in (out, vocals):
        if part is None:
            continue
        part[:, n - fade :] *= tail
        part[:, :k] *= head
        peak = peak if peak is not None else np.float32(0.891 / (float(np.max(np.abs(out))) or 1.0))
        part *= peak  # about -1 dBFS, the mix's own scale for both
