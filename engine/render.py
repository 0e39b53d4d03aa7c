"""What each kind of clip sounds like: new songs, continuations, infills and concats.

Each returns the clip's audio (float32 (n, 2) at storage.SAMPLE_RATE) and its metadata["engine"]: what
made it (genre, bpm, key, mode, seed, bar_seconds) plus bar_offset, where its first bar line falls on its
own timeline, so a later continuation can keep the bar grid.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from django.conf import settings

from engine import analysis, arrange, composer, storage
from engine.models import EngineClip
from engine.styles import Negative

SR = storage.SAMPLE_RATE
ANALYSIS_S = 120
LOCAL_GRID_S = 16.0  # audio before a cut that the bar grid of an upload is re-measured on
# Upload genre guess: the first genre whose tempo range holds the tempo, most general genres first.
_GUESS_ORDER = ("pop", "default", "rock", "ballad", "lofi", "punk", "trap", "metal", "edm", "ambient")


@dataclass
class Rendered:
    audio: np.ndarray
    engine: dict

    @property
    def duration(self) -> float:
        return len(self.audio) / SR


def _engine_meta(song: composer.Song, **extra: object) -> dict:
    meta = {k: v for k, v in song.meta.items() if k not in ("sections", "duration")}
    return {**meta, "bar_offset": 0.0, **extra}


def new_song(song: dict, seed: int, negative: Negative) -> Rendered:
    rendered = composer.compose(
        tags=song["tags"],
        lyrics=song["lyrics"],
        title=song["title"],
        seed=seed,
        instrumental=song["instrumental"],
        max_seconds=settings.ENGINE_MAX_SECONDS,
        genre=negative.genre_for(song["tags"]),
        mute=negative.mute,
    )
    return Rendered(rendered.audio, _engine_meta(rendered, muted=sorted(negative.mute)))


def guess_genre(bpm: float) -> str:
    for genre in _GUESS_ORDER:
        lo, hi = composer.PROFILES[genre].bpm
        if lo * 0.97 <= bpm <= hi * 1.03:
            return genre
    return "default"


def analyse(audio: np.ndarray) -> dict:
    """Style of audio the engine did not make: tempo, key, bar grid, and a genre guess from the tempo.

    Only the middle ANALYSIS_S are analysed: enough for tempo and key, and an 8-minute upload stays a
    few seconds of work. The bar grid is re-measured where a continuation cuts (local_bar_offset).
    """
    skip = max(0, (len(audio) - ANALYSIS_S * SR) // 2)
    window = audio[skip : skip + ANALYSIS_S * SR]
    bpm = round(analysis.estimate_tempo(window, SR), 2)
    key, mode = analysis.estimate_key(window, SR)
    offset = (skip / SR + analysis.estimate_bar_offset(window, SR, bpm)) % (240.0 / bpm)
    return {
        "genre": guess_genre(bpm),
        "bpm": bpm,
        "key": key,
        "mode": mode,
        "bar_seconds": round(240.0 / bpm, 6),
        "bar_offset": round(offset, 6),
        "estimated": True,
    }


def style_of(clip: EngineClip, audio: np.ndarray) -> dict:
    """The clip's stored style (our renders, analysed uploads), or an analysis when none was stored."""
    meta = clip.metadata.get("engine") or {}
    if all(meta.get(k) for k in ("genre", "bpm", "key", "mode")):
        return {**meta, "bar_offset": float(meta.get("bar_offset") or 0.0)}
    return analyse(audio)


def _source(payload: dict, song: dict, negative: Negative) -> tuple[np.ndarray, dict]:
    clip = EngineClip.objects.get(id=payload["continue_clip_id"])
    audio = storage.load_audio(clip.id, payload.get("source_duration"))
    style = style_of(clip, audio)
    if payload.get("source_type") == "upload":  # the engine only guessed an upload's genre: tags may say
        named = negative.genre_for(song["tags"])
        style["genre"] = named if named != "default" else style["genre"]
    if style.get("estimated"):  # a measured tempo drifts over minutes: find the grid where the cut is
        style["bar_offset"] = local_bar_offset(audio, float(payload["continue_at"]), float(style["bpm"]))
    return audio, style


def local_bar_offset(audio: np.ndarray, at: float, bpm: float) -> float:
    """The bar grid (as an offset from time 0) measured on the LOCAL_GRID_S before ``at``."""
    start = max(0.0, at - LOCAL_GRID_S)
    window = audio[arrange.samples(start, SR) : arrange.samples(max(at, start + 4.0), SR)]
    return (start + analysis.estimate_bar_offset(window, SR, bpm)) % (240.0 / bpm)


def _compose_in(style: dict, song: dict, seed: int, seconds: float, negative: Negative) -> composer.Song:
    """New music in the source's genre, tempo, key and mode, bar 0 at its sample 0, no intro."""
    return composer.compose(
        tags=song["tags"],
        lyrics=song["lyrics"],
        title=song["title"],
        seed=seed,
        instrumental=song["instrumental"],
        max_seconds=seconds,
        genre=style["genre"],
        bpm=float(style["bpm"]),
        key=style["key"],
        mode=style["mode"],
        intro=False,
        mute=negative.mute,
    )


def continuation(payload: dict, song: dict, seed: int, negative: Negative) -> Rendered:
    """The new part from continue_at on: the rest of the source's bar, then new bars on its grid."""
    source, style = _source(payload, song, negative)
    at = float(payload["continue_at"])
    bar_s = 240.0 / float(style["bpm"])
    join_at = arrange.next_bar_line(at, bar_s, style["bar_offset"])
    fill = join_at - at
    new = _compose_in(style, song, seed, max(settings.ENGINE_MAX_SECONDS - fill, 2.0), negative)
    audio = arrange.continue_part(source, SR, at, join_at, new.audio)
    return Rendered(audio, _engine_meta(new, bar_offset=round(fill, 6), muted=sorted(negative.mute)))


def infill(payload: dict, song: dict, seed: int, negative: Negative) -> Rendered:
    """Replacement for [start, end): new music laid on the source's bar grid from the bar line at or
    before start, crossfaded into the source at both edges."""
    source, style = _source(payload, song, negative)
    start, end = float(payload["infill_start_s"]), float(payload["infill_end_s"])
    bar_s = 240.0 / float(style["bpm"])
    new_at = arrange.prev_bar_line(start, bar_s, style["bar_offset"])
    # composed a few seconds past the end, so its own ending (fade-out) never lands inside the section
    new = _compose_in(style, song, seed, end - new_at + 4.0, negative)
    audio = arrange.infill_part(source, SR, start, end, new.audio, new_at)
    offset = (style["bar_offset"] - start) % bar_s
    return Rendered(audio, _engine_meta(new, bar_offset=round(offset, 6), muted=sorted(negative.mute)))


def concat(payload: dict) -> Rendered:
    """The whole song of a chain (or an original with a section replaced); its grid is the root's."""
    if payload["is_infill"]:
        root = EngineClip.objects.get(id=payload["original"])
        original = storage.load_audio(root.id, root.metadata.get("duration"))
        section = storage.load_audio(payload["clip_id"])
        audio = arrange.stitch_infill(
            original, SR, payload["infill_start_s"], payload["infill_end_s"], section
        )
    else:
        clips = EngineClip.objects.in_bulk([entry["id"] for entry in payload["chain"]])
        pieces = [
            (storage.load_audio(e["id"], clips[e["id"]].metadata.get("duration")), e["continue_at"])
            for e in payload["chain"]
        ]
        audio = arrange.whole_song(pieces, SR)
        root = clips[payload["chain"][0]["id"]]
    return Rendered(audio, {**style_of(root, audio[: 30 * SR])})
