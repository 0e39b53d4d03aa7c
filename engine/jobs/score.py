"""What a clip played, read back: its sung words with their times (lyric timing) and its voice (stems).

Every clip the engine renders keeps a score (EngineClip.score, engine.jobs.render.played): the compose()
arguments of its composition, where that composition sits on the clip's timeline (``offset``: clip time =
composition time + offset), and each lead note the voice sang as [line, syllable, onset, offset, midi].
Concats keep their parts instead. Both readers below walk the same way: a song or a continuation
reads its own score; a concat joins its parts'; an infill section shows the window it replaced.
"""

from __future__ import annotations

import re

import numpy as np

from engine.jobs import storage
from engine.models import EngineClip
from engine.music import arrange, composer
from engine.music.plan import TAG_LINE
from engine.voice.syllables import syllables

SR = storage.SAMPLE_RATE
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")
_CHUNK = re.compile(r"\S+\s*")


# --- words --------------------------------------------------------------------------------------------------


def _pieces(line: str) -> list[str]:
    """The words of one sung line, each with its trailing space: Latin words whole, CJK one per character."""
    out: list[str] = []
    for chunk in _CHUNK.findall(line):
        parts = [p for p in re.split(f"({_CJK.pattern})", chunk) if p]
        for part in parts:
            if out and not syllables(part) and not _CJK.match(part):  # punctuation joins its word
                out[-1] += part
            else:
                out.append(part)
    return out


def lyric_words(lyrics: str) -> list[tuple[str, int, int, int]]:
    """(text, line number, first syllable, syllable count) per word, tags and blank lines carried onto the
    next word's text, so the texts joined give the lyrics back (trailing spaces of lines dropped)."""
    words: list[tuple[str, int, int, int]] = []
    pending, line_no = "", 0
    raw_lines = lyrics.split("\n")
    for i, raw in enumerate(raw_lines):
        end = "\n" if i + 1 < len(raw_lines) else ""
        if not raw.strip() or TAG_LINE.match(raw):
            pending += raw.rstrip() + end
            continue
        stripped = raw.strip()
        pending += raw[: len(raw) - len(raw.lstrip())]
        first = 0
        for j, piece in enumerate(_pieces(stripped)):
            count = len(syllables(piece))
            text = piece.rstrip() + end if j == len(_pieces(stripped)) - 1 else piece
            words.append((pending + text, line_no, first, count))
            pending, first = "", first + count
        line_no += 1
    return words


def sung_words(lyrics: str, notes: list[list], offset: float, duration: float) -> list[dict]:
    """aligned_words for a composition placed at ``offset`` in a clip of ``duration`` seconds."""
    # a note's 6th number is when its syllable's sound begins (the singer starts consonants before the note;
    # scores stored before it was recorded have 5)
    heard = {(n[0], n[1]): (n[-1 if len(n) > 5 else 2] + offset, min(n[3] + offset, duration)) for n in notes}
    heard = {k: v for k, v in heard.items() if 0.0 <= v[0] < duration}
    out, last = [], 0.0
    for text, line, first, count in lyric_words(lyrics):
        times = [heard[(line, s)] for s in range(first, first + count) if (line, s) in heard]
        if times:
            last = times[-1][1]
            start, end, share = times[0][0], last, len(times) / count
        else:  # never sung: cut off by the length limit, past the clip's end, or no syllables at all
            start, end, share = last, last, 0.0
        out.append(
            {
                "word": text,
                "success": bool(times),
                "start_s": round(start, 3),
                "end_s": round(end, 3),
                "p_align": round(share, 3),
            }
        )
    return out


def words_of(clip: EngineClip) -> list[dict]:
    """The clip's aligned words on its own timeline; [] for instrumentals, uploads and instrumental stems."""
    score, meta = clip.score or {}, clip.metadata
    if meta.get("type") == "stem":
        if (meta.get("engine") or {}).get("stem") != "vocals":
            return []
        return words_of(EngineClip.objects.get(id=meta["stem_from_id"]))
    duration = float(meta.get("duration") or 0.0)
    kind = score.get("kind")
    if kind in ("song", "continue", "infill"):
        if not score.get("notes"):
            return []
        return sung_words(score["args"]["lyrics"], score["notes"], score["offset"], duration)
    if kind == "concat":
        return _concat_words(score["parts"])
    if kind == "concat_infill":
        original = words_of(EngineClip.objects.get(id=score["original"]))
        start, end = score["start"], score["end"]
        section = _shift(words_of(EngineClip.objects.get(id=score["section"])), start)
        before = [w for w in original if w["start_s"] < start]
        return before + section + [w for w in original if w["start_s"] >= end]
    return []


def _shift(words: list[dict], by: float) -> list[dict]:
    return [{**w, "start_s": round(w["start_s"] + by, 3), "end_s": round(w["end_s"] + by, 3)} for w in words]


def _concat_words(parts: list[list]) -> list[dict]:
    out, at = [], 0.0
    clips = EngineClip.objects.in_bulk([clip_id for clip_id, _ in parts])
    for clip_id, keep in parts:
        words = words_of(clips[clip_id])
        if keep is not None:
            words = [w for w in words if w["start_s"] < keep]
        out += _shift(words, at)
        at += float(keep) if keep is not None else 0.0
    return out


def waveform(audio: arrange.Audio, per_second: int = 10) -> list[float]:
    """RMS of the mono mix per 1/per_second s, 0-1: the reference's waveform_data (rate undocumented).
    Read a few seconds at a time (storage.open_audio): an 8-minute clip is not held whole in the request."""
    hop = SR // per_second
    usable = len(audio) // hop * hop
    step = hop * max(1, arrange.samples(arrange.CHUNK_S, SR) // hop)
    rms: list[float] = []
    for a in range(0, usable, step):
        mono = audio[a : min(usable, a + step)].mean(axis=1)
        rms += np.sqrt(np.mean(mono.reshape(-1, hop) ** 2, axis=1)).tolist()
    return [round(float(x), 5) for x in rms]


# --- vocals -------------------------------------------------------------------------------------------------


def vocals_of(clip: EngineClip, length: int) -> np.ndarray:
    """The voice as it sits in the clip's mix, (length, 2) float32: the composition rendered again with its
    voice kept apart (composer.recompose); audio not composed by this clip (a continuation's first bar,
    an upload) counts as instrumental."""
    score = clip.score or {}
    kind = score.get("kind")
    if kind in ("song", "continue", "infill"):
        song = composer.recompose(score["args"], stems=True)
        start = arrange.samples(-score["offset"], SR)  # composition sample at clip sample 0
        vocals = arrange.take(song.vocals, start, start + length)
        if kind == "infill":  # the section's edges crossfade into the original
            edge = min(arrange.samples(arrange.XFADE_S, SR), length // 2)
            vocals[:edge] *= arrange.fade(edge, out=False)
            vocals[length - edge :] *= arrange.fade(edge, out=True)
        return vocals
    if kind == "concat":
        clips = EngineClip.objects.in_bulk([clip_id for clip_id, _ in score["parts"]])
        pieces = [(vocals_of(clips[i], _length(clips[i])), keep) for i, keep in score["parts"]]
        return arrange.take(arrange.whole_song(pieces, SR), 0, length)
    if kind == "concat_infill":
        original = EngineClip.objects.get(id=score["original"])
        section = EngineClip.objects.get(id=score["section"])
        joined = arrange.stitch_infill(
            vocals_of(original, _length(original)), SR, score["start"], score["end"],
            vocals_of(section, _length(section)),
        )  # fmt: skip
        return arrange.take(joined, 0, length)
    return np.zeros((length, 2), dtype=np.float32)


def _length(clip: EngineClip) -> int:
    return len(storage.open_audio(clip.id, clip.metadata.get("duration")))  # its lossless copy's header
