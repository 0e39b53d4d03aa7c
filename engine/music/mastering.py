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
) -> tuple[np.ndarray, np.ndarray | None]:
    """(mix, vocals or None), each (n, 2) float32. Works in place on the buses: a 120 s song is 42 MB
    per stereo float32 buffer."""
    drums, music, voice = (buses.pop(name) for name in ("drums", "music", "voice"))
    sung = buses.pop("sung", None)  # the sung notes alone (the voice bus also carries instrumental leads)
    n = music.shape[1]
    if prof.sidechain:
        music *= ins.duck(n, kicks, prof.sidechain, sr)
    if prof.crackle:
        drums += ins.vinyl(sr, n, seed % 65521)
    voice_gain = _levels(prof, music, drums, voice)
    if prof.echo:  # dotted-eighth vocal echo
        voice += ins.echo(voice, sr, 0.75 * 60.0 / bpm, prof.echo)
    send_amt, seconds = prof.reverb
    send = music.sum(axis=0) + drums.sum(axis=0) * np.float32(0.35) + voice.sum(axis=0) * np.float32(1.3)
    send *= np.float32(0.5 * send_amt)
    vocals = None
    if vocal_stem:
        vocals = sung if sung is not None else np.zeros_like(voice)
        vocals *= voice_gain
        if prof.echo:
            vocals += ins.echo(vocals, sr, 0.75 * 60.0 / bpm, prof.echo)
        vocals += ins.reverb(vocals.sum(axis=0) * np.float32(1.3 * 0.5 * send_amt), sr, seconds, seed % 4093)
    out = music
    out += drums
    out += voice
    del drums, voice
    out += ins.reverb(send, sr, seconds, seed % 4093)
    for part in (out, vocals):
        if part is not None:
            _tone(prof, part)
            part -= part.mean(axis=1, keepdims=True)
    drive = np.float32(prof.drive / (float(np.max(np.abs(out))) or 1.0))
    out *= drive
    if vocals is not None:
        vocals *= drive
        clipped = np.tanh(out)
        safe = np.abs(out) > 1e-6
        vocals *= np.where(safe, clipped / np.where(safe, out, 1.0), np.float32(1.0))
        out[:] = clipped
        del clipped, safe
    else:
        np.tanh(out, out=out)
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
