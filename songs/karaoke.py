"""Karaoke lyrics from a clip's aligned words: lines for the card, LRC and SRT for downloads. Pure.

The words are what ``act/timing`` answers (``ClipTiming.words``): dicts with ``word``, ``start_s``,
``end_s``, ``success`` and ``p_align``, in lyric order. A word keeps its trailing space or newline, and
the section tags and blank lines before it ride on it (``"[Verse]\\nWinter "``): a newline ends a line,
a tag starts a section. Words never sung (``success`` false: cut off by the song's length) keep their
place in the lyrics but have no time of their own; a line with no sung word is left out of LRC and SRT.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_TAG = re.compile(r"\s*\[([^\]\n]{0,60})\]")


@dataclass
class Word:
    text: str
    start: float
    end: float
    sung: bool


@dataclass
class Line:
    section: str  # the section tag this line opens ("Verse"), "" for the lines after the first
    words: list[Word] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "".join(word.text for word in self.words).strip()

    @property
    def sung(self) -> bool:
        return any(word.sung for word in self.words)

    @property
    def start(self) -> float:
        return min((word.start for word in self.words if word.sung), default=0.0)

    @property
    def end(self) -> float:
        return max((word.end for word in self.words if word.sung), default=self.start)


def _split(raw: str) -> tuple[list[str], bool, str]:
    """(section tags before the word, whether a new line starts before it, the word itself)."""
    tags, rest, new_line = [], raw, False
    while True:
        lead = len(rest) - len(rest.lstrip())
        if "\n" in rest[:lead]:
            new_line = True
        match = _TAG.match(rest)
        if match is None:
            return tags, new_line, rest.lstrip()
        tags.append(match.group(1).strip())
        rest, new_line = rest[match.end() :], True


def lines_of(words: list[dict]) -> list[Line]:
    """The lyric lines, each with its words (tags taken out) and the section it opens, in order."""
    lines: list[Line] = []
    current: Line | None = None
    section = ""
    for item in words:
        raw = item.get("word") if isinstance(item, dict) else None
        if not isinstance(raw, str):
            continue
        tags, new_line, text = _split(raw)
        if tags:
            section = tags[-1]
        if new_line or current is None:
            current = None
        if not text.strip():
            continue
        if current is None:
            current = Line(section=section)
            section = ""
            lines.append(current)
        start = float(item.get("start_s") or 0.0)
        end = max(start, float(item.get("end_s") or start))
        current.words.append(Word(text.rstrip("\n"), start, end, bool(item.get("success", True))))
        if text.endswith("\n"):
            current = None
    return lines


def _lrc_time(seconds: float) -> str:
    centis = round(max(0.0, seconds) * 100)
    return f"{centis // 6000:02d}:{centis // 100 % 60:02d}.{centis % 100:02d}"


def _srt_time(seconds: float) -> str:
    millis = round(max(0.0, seconds) * 1000)
    hours, minutes, secs = millis // 3_600_000, millis // 60_000 % 60, millis // 1000 % 60
    return f"{hours:02d}:{minutes:02d}:{secs:02d},{millis % 1000:03d}"


def _one_line(text: str) -> str:
    return " ".join(text.replace("[", "(").replace("]", ")").split())


def lrc_text(words: list[dict], *, title: str = "") -> str:
    """LRC lyrics: ``[mm:ss.xx]`` and the line, a blank line between sections; ``[ti:]`` the title."""
    out = [f"[ti:{_one_line(title)}]"] if title.strip() else []
    wrote = False
    for line in lines_of(words):
        if not line.sung:
            continue
        if line.section and wrote:
            out.append("")
        out.append(f"[{_lrc_time(line.start)}]{line.text}")
        wrote = True
    return "\n".join(out) + "\n"


def srt_text(words: list[dict]) -> str:
    """SubRip subtitles: one numbered cue per sung line, from its first sung word to its last."""
    cues = []
    sung = [line for line in lines_of(words) if line.sung]
    for number, line in enumerate(sung, start=1):
        end = max(line.end, line.start + 0.5)
        cues.append(f"{number}\n{_srt_time(line.start)} --> {_srt_time(end)}\n{line.text}\n")
    return "\n".join(cues)


def section_lyrics(
    *, lyrics: str, words: list[dict] | None, duration: float, start: float, end: float
) -> str:
    """The lyrics sung between ``start`` and ``end`` (Replace section starts from these, not the whole song).

    With the clip's aligned words, the lines sung in that window, each with the section tag it opens;
    without them, the lines whose share of the song falls there (lines spread evenly over its length).
    """
    if words:
        chosen = [line for line in lines_of(words) if line.sung and line.start < end and line.end > start]
        return "\n".join((f"[{line.section}]\n" if line.section else "") + line.text for line in chosen)
    rows = [row.strip() for row in lyrics.splitlines()]
    sung = [n for n, row in enumerate(rows) if row and not _TAG.fullmatch(row)]
    if not sung or duration <= 0:
        return ""
    share = duration / len(sung)
    kept: list[str] = []
    for order, n in enumerate(sung):
        if order * share < end and (order + 1) * share > start:
            tag = next((rows[m] for m in range(n - 1, -1, -1) if rows[m]), "")
            if _TAG.fullmatch(tag) and tag not in kept[-1:]:
                kept.append(tag)
            kept.append(rows[n])
    return "\n".join(kept)
