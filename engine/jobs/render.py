"""What each kind of clip sounds like: new songs, continuations, infills and concats.

Each returns the clip's audio (float32 (n, 2) at storage.SAMPLE_RATE), made a section at a time
(``Rendered.sections``: memory stays flat whatever the length, and the clip streams from its first
section), and its metadata["engine"]: what made it (genre, bpm, key, mode, seed, bar_seconds) plus
bar_offset, where its first bar line falls on its own timeline, so a later continuation can keep the bar
grid. Sources are read a slice at a time (storage.open_audio), never whole.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace

import numpy as np
from django.conf import settings

from engine import catalog
from engine.jobs import storage
from engine.models import EngineClip
from engine.music import analysis, arrange, composer
from engine.music.styles import Negative
from engine.voice import voices

SR = storage.SAMPLE_RATE
ANALYSIS_S = 120
LOCAL_GRID_S = 16.0  # audio before a cut that the bar grid of an upload is re-measured on
# Upload genre guess: the first genre whose tempo range holds the tempo, most general genres first.
_GUESS_ORDER = ("pop", "default", "rock", "ballad", "lofi", "punk", "trap", "metal", "edm", "ambient")


@dataclass
class Rendered:
    audio: np.ndarray | None  # None when the clip is made in sections (``sections``): all but stems
    engine: dict
    score: dict | None = None  # EngineClip.score: what was played (engine.jobs.score)
    sections: arrange.Sections | None = None  # made a section at a time (composer.SongSections among them)

    @property
    def duration(self) -> float:
        return self.sections.duration if self.sections is not None else len(self.audio) / SR


def _engine_meta(song: composer.Song | composer.SongSections, **extra: object) -> dict:
    meta = {k: v for k, v in song.meta.items() if k not in ("sections", "duration")}
    return {**meta, "bar_offset": 0.0, **extra}


def played(
    song: composer.Song | composer.SongSections, kind: str, offset: float = 0.0, **extra: object
) -> dict:
    """The clip's score: how to render its composition again, where it sits on the clip's timeline
    (composition time + offset = clip time) and the notes the voice sang."""
    return {"kind": kind, "args": song.args, "offset": round(offset, 6), "notes": song.notes, **extra}


def length_cap(mv: str = "") -> float:
    """The longest clip a request may get: its model's limit (engine.catalog), within ENGINE_MAX_SECONDS."""
    return min(float(settings.ENGINE_MAX_SECONDS), catalog.longest_song(mv))


def _words(song: dict) -> dict:
    """What every render takes from the request as it stands: its words, style tags, title, and whether
    it is sung."""
    return {key: song[key] for key in ("tags", "lyrics", "title", "instrumental")}


def max_seconds(controls: composer.Controls | None, mv: str = "") -> float:
    """The length cap, or a shorter target length the request asked for."""
    target = controls.target_seconds if controls else None
    return min(length_cap(mv), target) if target else length_cap(mv)


def new_song(
    song: dict,
    seed: int,
    negative: Negative,
    *,
    voice: voices.Voice = voices.NEUTRAL,
    controls: composer.Controls | None = None,
) -> Rendered:
    rendered = composer.compose_sections(
        **_words(song),
        seed=seed,
        max_seconds=max_seconds(controls, song.get("mv", "")),
        genre=negative.genre_for(song["tags"]),
        mute=negative.mute,
        controls=controls,
        voice=voice,
    )
    meta = _engine_meta(rendered, muted=sorted(negative.mute))
    return Rendered(None, meta, played(rendered, "song"), rendered)


def guess_genre(bpm: float) -> str:
    for genre in _GUESS_ORDER:
        lo, hi = composer.PROFILES[genre].bpm
        if lo * 0.97 <= bpm <= hi * 1.03:
            return genre
    return "default"


def analyse(audio: arrange.Audio) -> dict:
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


def stored_style(clip: EngineClip) -> dict | None:
    """The clip's stored style (our renders, analysed uploads), if it has one."""
    meta = clip.metadata.get("engine") or {}
    if all(meta.get(k) for k in ("genre", "bpm", "key", "mode")):
        return {**meta, "bar_offset": float(meta.get("bar_offset") or 0.0)}
    return None


def style_of(clip: EngineClip, audio: arrange.Audio) -> dict:
    """The clip's stored style, or an analysis when none was stored."""
    return stored_style(clip) or analyse(audio)


def _source(payload: dict, song: dict, negative: Negative) -> tuple[arrange.Audio, dict]:
    """The clip continued (or infilled), read in place (only its fill, tail and edges are read), and its
    style."""
    clip = EngineClip.objects.get(id=payload["continue_clip_id"])
    audio = storage.open_audio(clip.id, payload.get("source_duration"))
    style = style_of(clip, audio)
    if payload.get("source_type") == "upload":  # the engine only guessed an upload's genre: tags may say
        named = negative.genre_for(song["tags"])
        style["genre"] = named if named != "default" else style["genre"]
    if style.get("estimated"):  # a measured tempo drifts over minutes: find the grid where the cut is
        style["bar_offset"] = local_bar_offset(audio, float(payload["continue_at"]), float(style["bpm"]))
    return audio, style


def local_bar_offset(audio: arrange.Audio, at: float, bpm: float) -> float:
    """The bar grid (as an offset from time 0) measured on the LOCAL_GRID_S before ``at``."""
    start = max(0.0, at - LOCAL_GRID_S)
    window = audio[arrange.samples(start, SR) : arrange.samples(max(at, start + 4.0), SR)]
    return (start + analysis.estimate_bar_offset(window, SR, bpm)) % (240.0 / bpm)


def _compose_in(
    style: dict,
    song: dict,
    seed: int,
    seconds: float,
    negative: Negative,
    voice: voices.Voice,
    controls: composer.Controls | None = None,
) -> composer.SongSections:
    """New music in the source's genre, tempo, key and mode, bar 0 at its sample 0, no intro (made in
    sections)."""
    return composer.compose_sections(
        **_words(song),
        seed=seed,
        max_seconds=seconds,
        genre=style["genre"],
        bpm=float(style["bpm"]),
        key=style["key"],
        mode=style["mode"],
        intro=False,
        mute=negative.mute,
        voice=voice,
        controls=controls,
    )


def continuation(
    payload: dict,
    song: dict,
    seed: int,
    negative: Negative,
    voice: voices.Voice = voices.NEUTRAL,
    controls: composer.Controls | None = None,
) -> Rendered:
    """The new part from continue_at on: the rest of the source's bar, then new bars on its grid.

    It is a song's length of its own (engine.plan.default_seconds), and never shorter than what it
    replaces (source[continue_at:]), so the whole song never ends up shorter than the clip it continues;
    a length asked for (``duration``, the new clip's) wins over both.
    """
    source, style = _source(payload, song, negative)
    at = float(payload["continue_at"])
    bar_s = 240.0 / float(style["bpm"])
    join_at = arrange.next_bar_line(at, bar_s, style["bar_offset"])
    fill = join_at - at
    target = controls.target_seconds if controls else None
    lengths = composer.Controls(
        target_seconds=max(target - fill, 2.0) if target else None,
        min_seconds=len(source) / SR - join_at,
    )
    cap = max(min(length_cap(song.get("mv", "")), target or np.inf) - fill, 2.0)
    new = _compose_in(style, song, seed, cap, negative, voice, lengths)

    def sections(tick: Callable[[], None] | None = None) -> Iterator[np.ndarray]:  # arrange.continue_part
        return arrange.continue_sections(source, SR, at, join_at, new.sections(tick), new.frames)

    frames = arrange.samples(join_at, SR) - arrange.samples(at, SR) + new.frames
    meta = _engine_meta(new, bar_offset=round(fill, 6), muted=sorted(negative.mute))
    return Rendered(None, meta, played(new, "continue", fill), arrange.Sections(frames, SR, sections))


def infill(
    payload: dict, song: dict, seed: int, negative: Negative, voice: voices.Voice = voices.NEUTRAL
) -> Rendered:
    """Replacement for [start, end): new music laid on the source's bar grid from the bar line at or
    before start, crossfaded into the source at both edges."""
    source, style = _source(payload, song, negative)
    start, end = float(payload["infill_start_s"]), float(payload["infill_end_s"])
    bar_s = 240.0 / float(style["bpm"])
    new_at = arrange.prev_bar_line(start, bar_s, style["bar_offset"])
    # composed a few seconds past the end, so its own ending (fade-out) never lands inside the section
    new = _compose_in(style, song, seed, end - new_at + 4.0, negative, voice)

    def sections(tick: Callable[[], None] | None = None) -> Iterator[np.ndarray]:  # arrange.infill_part
        return arrange.infill_sections(source, SR, start, end, new.sections(tick), new_at)

    frames = arrange.samples(end, SR) - arrange.samples(start, SR)
    offset = (style["bar_offset"] - start) % bar_s
    meta = _engine_meta(new, bar_offset=round(offset, 6), muted=sorted(negative.mute))
    return Rendered(None, meta, played(new, "infill", new_at - start), arrange.Sections(frames, SR, sections))


_PLAN_ARGS = ("tags", "lyrics", "title", "seed", "instrumental", "max_seconds", "genre", "bpm", "key", "mode")


def cover(
    payload: dict,
    song: dict,
    seed: int,
    negative: Negative,
    *,
    voice: voices.Voice = voices.NEUTRAL,
    controls: composer.Controls | None = None,
) -> Rendered:
    """The source's tune in the request's style: a clip the engine composed lends its plan (form,
    progressions, key, melody); other audio (uploads, concats) lends its measured tempo and key."""
    source = EngineClip.objects.get(id=payload["cover_clip_id"])
    args = (source.score or {}).get("args")
    genre = negative.genre_for(song["tags"])
    if args is None:
        return _cover_by_ear(source, payload, song, seed, negative, voice, controls)
    melody = {k: args[k] for k in _PLAN_ARGS} | {"intro": args["intro"], "controls": args["controls"]}
    if song["lyrics"].strip():  # the request's words on the source's plan (the same words: the same tune)
        melody.update(lyrics=song["lyrics"], instrumental=song["instrumental"])
    controls = replace(controls or composer.Controls(), melody_from=melody)
    cap = max_seconds(controls, song.get("mv", ""))
    if not controls.target_seconds:  # as long as its source (which was cut where it was cut)
        controls = replace(controls, target_seconds=min(_duration(source), cap))
    rendered = composer.compose_sections(
        tags=song["tags"], lyrics=melody["lyrics"], title=song["title"], seed=seed,
        instrumental=melody["instrumental"], max_seconds=cap, genre=genre,
        mute=negative.mute, controls=controls, voice=voice,
    )  # fmt: skip
    meta = _engine_meta(rendered, muted=sorted(negative.mute), cover_of=source.id)
    return Rendered(None, meta, played(rendered, "song"), rendered)


def _fold(bpm: float, genre: str) -> float:
    """A measured tempo moved by octaves into (or next to) the genre's range."""
    lo, hi = composer.PROFILES[genre].bpm
    while bpm > hi * 1.25:
        bpm /= 2
    while bpm < lo / 1.25:
        bpm *= 2
    return round(bpm, 2)


def _duration(clip: EngineClip) -> float:
    return float(clip.metadata.get("duration") or 0.0) or float("inf")


def _cover_by_ear(source, payload, song, seed, negative, voice, controls) -> Rendered:
    audio = storage.open_audio(source.id, payload.get("source_duration"))  # read: its middle, if analysed
    style = style_of(source, audio)
    genre = negative.genre_for(song["tags"])
    genre = genre if genre != "default" or not song["tags"].strip() else style["genre"]
    controls = controls or composer.Controls()
    cap = max_seconds(controls, song.get("mv", ""))
    if not controls.target_seconds:  # as long as the audio it covers
        controls = replace(controls, target_seconds=min(len(audio) / SR, cap))
    del audio  # the source's samples are not needed while the cover is made
    rendered = composer.compose_sections(
        **_words(song), seed=seed, max_seconds=cap, genre=genre,
        bpm=_fold(float(style["bpm"]), genre), key=style["key"], mode=style["mode"],
        mute=negative.mute, controls=controls, voice=voice,
    )  # fmt: skip
    meta = _engine_meta(rendered, muted=sorted(negative.mute), cover_of=source.id)
    return Rendered(None, meta, played(rendered, "song"), rendered)


def concat(payload: dict) -> Rendered:
    """The whole song of a chain (or an original with a section replaced); its grid is the root's. Its
    parts are read a few seconds at a time as they are handed on, one source open at a time."""
    if payload["is_infill"]:
        root = EngineClip.objects.get(id=payload["original"])
        start, end = payload["infill_start_s"], payload["infill_end_s"]
        original = storage.open_audio(root.id, root.metadata.get("duration"))
        section = storage.open_audio(payload["clip_id"])
        frames = arrange.stitch_infill_frames(original, SR, start, end)

        def sections(tick: Callable[[], None] | None = None) -> Iterator[np.ndarray]:  # arrange.stitch_infill
            return arrange.stitch_infill_sections(original, SR, start, end, section)

        score = {"kind": "concat_infill", "original": root.id, "section": payload["clip_id"]}
        score.update(start=start, end=end)
    else:
        clips = EngineClip.objects.in_bulk([entry["id"] for entry in payload["chain"]])

        def pieces() -> Iterator[tuple[arrange.Audio, float | None]]:  # opened as their turn comes
            for entry in payload["chain"]:
                clip = clips[entry["id"]]
                yield storage.open_audio(clip.id, clip.metadata.get("duration")), entry["continue_at"]

        frames = sum(arrange.kept_frames(audio, keep, SR) for audio, keep in pieces())

        def sections(tick: Callable[[], None] | None = None) -> Iterator[np.ndarray]:  # arrange.whole_song
            return arrange.whole_song_sections(pieces(), SR)

        root = clips[payload["chain"][0]["id"]]
        score = {"kind": "concat", "parts": [[e["id"], e["continue_at"]] for e in payload["chain"]]}
    style = stored_style(root) or analyse(arrange.opening(sections(), 30 * SR))  # read only if needed
    return Rendered(None, style, score, arrange.Sections(frames, SR, sections))
