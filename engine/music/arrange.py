"""Cutting and joining song audio: continuations, infills and whole songs. Pure numpy, no Django.

Audio is float32 (n, 2) at one sample rate; times are seconds on a clip's own timeline (sample 0 is
time 0). A clip's bar grid is ``bar_offset + k * bar_s``: 0 for songs the composer made, estimated for
uploads, and carried along by continuations so the grid runs on across every join.

The joins are built so that the stitched song is what a listener hears:
- continue: ``source[:continue_at] + part`` where ``part`` starts with the source's own audio up to the
  next bar line, then the new composition with its downbeat on that line, while the source's audio rings
  on under it for TAIL_S, fading out (no click, no lost downbeat);
- infill: ``source[:start] + section + source[end:]``, crossfaded at both edges.

Each join has a counterpart made a section at a time (``*_sections``, handed out as ``Sections``), which
gives the same samples from the new music's sections and from sources read a slice at a time
(storage.Lossless), so memory does not grow with the clip's length and the clip streams as it is made.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Protocol

import numpy as np

TAIL_S = 0.06  # the old part rings on under the new downbeat this long (docs/engine.md: "a short faded tail")
XFADE_S = 0.05  # edge crossfade of an infill section
LIMIT_S = 0.003  # how early the limiter starts turning an overlap down
CHUNK_S = 5.0  # source audio read and handed on at a time (like a composed song's sections)


class Audio(Protocol):
    """Float32 (n, 2) audio, or what reads like it a slice at a time (storage.Lossless)."""

    def __len__(self) -> int: ...

    def __getitem__(self, key: slice) -> np.ndarray: ...


@dataclass
class Sections:
    """A clip handed out a piece at a time (a composed song: composer.SongSections): ``sections(tick)``
    yields (m, 2) float32 arrays, ``frames`` samples in all (tick, if given, is called while new music is
    made)."""

    frames: int
    sample_rate: int
    sections: Callable[[Callable[[], None] | None], Iterator[np.ndarray]]

    @property
    def duration(self) -> float:
        return self.frames / self.sample_rate


def samples(seconds: float, sample_rate: int) -> int:
    return int(round(float(seconds) * sample_rate))


ON_THE_LINE_S = 1e-4  # a cut this close to a bar line is on it (stored bar lengths are rounded to 1 us)


def next_bar_line(t: float, bar_s: float, offset: float = 0.0) -> float:
    """The first bar line at or after t; never before t, even when t sits a hair past the line."""
    line = offset + math.ceil((t - offset - ON_THE_LINE_S) / bar_s) * bar_s
    return max(line, t)


def prev_bar_line(t: float, bar_s: float, offset: float = 0.0) -> float:
    line = offset + math.floor((t - offset + ON_THE_LINE_S) / bar_s) * bar_s
    return min(line, t)


def take(audio: Audio, start: int, stop: int) -> np.ndarray:
    """audio[start:stop], zero-padded where the range runs past either end."""
    out = np.zeros((max(0, stop - start), 2), dtype=np.float32)
    lo, hi = max(start, 0), min(stop, len(audio))
    if hi > lo:
        out[lo - start : hi - start] = audio[lo:hi]
    return out


def fade(n: int, *, out: bool) -> np.ndarray:
    """Equal-power curve (n, 1): the joined parts are different music, so their powers add."""
    x = (np.arange(n, dtype=np.float32) + 0.5) / max(n, 1)
    curve = np.cos(x * np.float32(np.pi / 2)) if out else np.sin(x * np.float32(np.pi / 2))
    return curve[:, None]


def _limit(audio: np.ndarray, start: int, stop: int, sample_rate: int, ceiling: float = 0.98) -> None:
    """Two overlapping parts can sum past full scale: turn the gain down smoothly there, not clip.

    A look-ahead limiter on audio[start:stop] only: the gain each sample needs, spread by a running
    minimum and smoothed by a moving average of the same width (so it stays below the need without
    steps), then held up to 1 at both ends of the region, so the samples just outside it (the original's,
    at a join) still meet it without a step.
    """
    start, stop = max(0, start), min(len(audio), stop)
    if stop <= start:
        return
    peak = np.abs(audio[start:stop]).max(axis=1)
    if peak.max() <= ceiling:
        return
    width = max(1, samples(LIMIT_S, sample_rate))
    window = 2 * width + 1
    need = np.minimum(1.0, ceiling / np.maximum(peak, 1e-9))
    spread = np.lib.stride_tricks.sliding_window_view(np.pad(need, width, "edge"), window).min(axis=1)
    gain = np.convolve(np.pad(spread, width, "edge"), np.ones(window) / window, "valid")
    inward = np.minimum(np.arange(len(gain)), np.arange(len(gain))[::-1])
    gain = np.maximum(gain, 1.0 - inward / width)
    audio[start:stop] *= gain.astype(np.float32)[:, None]


def continue_part(
    source: Audio, sample_rate: int, continue_at: float, join_at: float, new: np.ndarray
) -> np.ndarray:
    """The new clip of a continuation: source[continue_at:join_at] (the rest of the bar), then ``new``,
    the source's next TAIL_S fading out under its start (limited where they overlap).

    join_at is the bar line where ``new`` (composed with no intro, bar 0 at its sample 0) begins. Whole:
    continue_sections() with ``new`` as its one section."""
    return _joined(continue_sections(source, sample_rate, continue_at, join_at, [new], len(new)))


def infill_part(
    source: Audio, sample_rate: int, start_s: float, end_s: float, new: np.ndarray, new_at: float
) -> np.ndarray:
    """The replacement for source[start_s:end_s]; ``new`` is composed audio whose sample 0 sits at song
    time new_at (a bar line at or before start_s), so the replacement keeps the source's bar grid; it
    crossfades into the source over XFADE_S at both edges. Whole: infill_sections() with one section."""
    return _joined(infill_sections(source, sample_rate, start_s, end_s, [new], new_at))


def whole_song(pieces: list[tuple[Audio, float | None]], sample_rate: int) -> np.ndarray:
    """Concat a continuation chain, root first: each (audio, keep) keeps audio[:keep] (None: all of it).

    keep is where the next clip continues this one, on this clip's own timeline, so
    whole = root[:c1] + part1[:c2] + ... + last. Each part starts with the very samples its source had
    at the cut, so the joins need no further fading. Whole: whole_song_sections() joined.
    """
    return _joined(whole_song_sections(pieces, sample_rate))


def stitch_infill(
    original: Audio, sample_rate: int, start_s: float, end_s: float, section: Audio
) -> np.ndarray:
    """original[:start] + section + original[end:]: the edited song, as long as the original (the section
    cut or padded to exactly the replaced length, whatever was stored). Whole: stitch_infill_sections()."""
    return _joined(stitch_infill_sections(original, sample_rate, start_s, end_s, section))


def _joined(sections: Iterable[np.ndarray]) -> np.ndarray:
    parts = list(sections)
    return np.concatenate(parts, axis=0) if parts else np.zeros((0, 2), dtype=np.float32)


# --- the same joins, a section at a time --------------------------------------------------------------------


def chunks(audio: Audio, start: int, stop: int, sample_rate: int) -> Iterator[np.ndarray]:
    """take(audio, start, stop), CHUNK_S at a time: a source is only ever read (and made float32) a few
    seconds at a time."""
    size = samples(CHUNK_S, sample_rate)
    for a in range(start, stop, size):
        yield take(audio, a, min(stop, a + size))


class _Tape:
    """Sections of any sizes read as one stream: the joins need exactly the samples at their edges."""

    def __init__(self, sections: Iterable[np.ndarray]):
        self.sections, self.left = iter(sections), np.zeros((0, 2), dtype=np.float32)

    def _more(self) -> bool:
        if not len(self.left):
            self.left = next(self.sections, None)
            if self.left is None:
                self.left = np.zeros((0, 2), dtype=np.float32)
                return False
        return True

    def read(self, n: int) -> np.ndarray:
        """The next n samples, a copy (silence past the end, as take() pads)."""
        out, have = np.zeros((max(0, n), 2), dtype=np.float32), 0
        while have < n and self._more():
            m = min(n - have, len(self.left))
            out[have : have + m] = self.left[:m]
            self.left, have = self.left[m:], have + m
        return out

    def run(self, n: int) -> Iterator[np.ndarray]:
        """The next n samples as they come, section by section (silence past the end)."""
        while n > 0 and self._more():
            part = self.left[:n]
            self.left, n = self.left[n:], n - len(part)
            yield part
        if n > 0:
            yield np.zeros((n, 2), dtype=np.float32)

    def close(self) -> None:
        """Stops the sections' maker (a composition's master keeps temporary files while it runs)."""
        close = getattr(self.sections, "close", None)
        if close is not None:
            close()


def continue_sections(
    source: Audio,
    sample_rate: int,
    continue_at: float,
    join_at: float,
    new: Iterable[np.ndarray],
    new_frames: int,
) -> Iterator[np.ndarray]:
    """continue_part(), the new music given as its sections (``new_frames`` samples in all): the same
    samples, with only the tail's overlap (TAIL_S, all the limiter looks at) ever held together.

    The rest of the bar is handed out once the new music's first section is made, not before: a new
    part's first section comes after its master's first passes, and a stream that started with the fill
    would stop there for as long.
    """
    cut, join = samples(continue_at, sample_rate), samples(join_at, sample_rate)
    tail = min(samples(TAIL_S, sample_rate), new_frames)
    tape = _Tape(new)
    try:
        head = tape.read(tail)
        yield from chunks(source, cut, join, sample_rate)
        head += take(source, join, join + tail) * fade(tail, out=True)
        _limit(head, 0, tail, sample_rate)
        if tail:
            yield head
        yield from tape.run(new_frames - tail)
    finally:
        tape.close()


def infill_sections(
    source: Audio, sample_rate: int, start_s: float, end_s: float, new: Iterable[np.ndarray], new_at: float
) -> Iterator[np.ndarray]:
    """infill_part(), the new music given as its sections: the same samples, crossfaded and limited at
    both edges, with only an edge (XFADE_S) ever held together."""
    start, end = samples(start_s, sample_rate), samples(end_s, sample_rate)
    length = end - start
    edge = min(samples(XFADE_S, sample_rate), length // 2)
    fade_in, fade_out = fade(edge, out=False), fade(edge, out=True)
    tape = _Tape(new)
    try:
        for _ in tape.run(start - samples(new_at, sample_rate)):  # the new music before the section
            pass
        first = tape.read(edge) * fade_in + take(source, start, start + edge) * fade_out
        _limit(first, 0, edge, sample_rate)
        if edge:
            yield first
        yield from tape.run(length - 2 * edge)
        last = tape.read(edge) * fade_out + take(source, end - edge, end) * fade_in
        _limit(last, 0, edge, sample_rate)
        if edge:
            yield last
    finally:
        tape.close()


def kept_frames(audio: Audio, keep: float | None, sample_rate: int) -> int:
    """len(audio[:keep]): what whole_song() keeps of a piece."""
    return len(audio) if keep is None else min(len(audio), max(0, samples(keep, sample_rate)))


def whole_song_sections(
    pieces: Iterable[tuple[Audio, float | None]], sample_rate: int
) -> Iterator[np.ndarray]:
    """whole_song(), handed out CHUNK_S at a time; ``pieces`` may open each source only when its turn
    comes (a generator), so one source is open at a time."""
    for audio, keep in pieces:
        yield from chunks(audio, 0, kept_frames(audio, keep, sample_rate), sample_rate)


def stitch_infill_frames(original: Audio, sample_rate: int, start_s: float, end_s: float) -> int:
    """len(stitch_infill(original, ...))."""
    start, end = samples(start_s, sample_rate), samples(end_s, sample_rate)
    return min(start, len(original)) + (end - start) + max(0, len(original) - end)


def stitch_infill_sections(
    original: Audio, sample_rate: int, start_s: float, end_s: float, section: Audio
) -> Iterator[np.ndarray]:
    """stitch_infill(), handed out CHUNK_S at a time."""
    start, end = samples(start_s, sample_rate), samples(end_s, sample_rate)
    yield from chunks(original, 0, min(start, len(original)), sample_rate)
    yield from chunks(section, 0, end - start, sample_rate)
    yield from chunks(original, end, len(original), sample_rate)


def opening(sections: Iterable[np.ndarray], n: int) -> np.ndarray:
    """The first n samples of what ``sections`` hand out (all of it, if that is shorter); the rest is never
    made."""
    parts, have, made = [], 0, iter(sections)
    try:
        for part in made:
            parts.append(part[: n - have])
            have += len(parts[-1])
            if have >= n:
                break
    finally:
        getattr(made, "close", lambda: None)()
    return np.concatenate(parts) if parts else np.zeros((0, 2), dtype=np.float32)
