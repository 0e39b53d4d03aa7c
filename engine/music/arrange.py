"""Cutting and joining song audio: continuations, infills and whole songs. Pure numpy, no Django.

Audio is float32 (n, 2) at one sample rate; times are seconds on a clip's own timeline (sample 0 is
time 0). A clip's bar grid is ``bar_offset + k * bar_s``: 0 for songs the composer made, estimated for
uploads, and carried along by continuations so the grid runs on across every join.

The joins are built so that the stitched song is what a listener hears:
- continue: ``source[:continue_at] + part`` where ``part`` starts with the source's own audio up to the
  next bar line, then the new composition with its downbeat on that line, while the source's audio rings
  on under it for TAIL_S, fading out (no click, no lost downbeat);
- infill: ``source[:start] + section + source[end:]``, crossfaded at both edges.
"""

from __future__ import annotations

import math

import numpy as np

TAIL_S = 0.06  # the old part rings on under the new downbeat this long (docs/engine.md: "a short faded tail")
XFADE_S = 0.05  # edge crossfade of an infill section
LIMIT_S = 0.003  # how early the limiter starts turning an overlap down


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


def take(audio: np.ndarray, start: int, stop: int) -> np.ndarray:
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
    source: np.ndarray, sample_rate: int, continue_at: float, join_at: float, new: np.ndarray
) -> np.ndarray:
    """The new clip of a continuation: source[continue_at:join_at] (the rest of the bar), then ``new``.

    join_at is the bar line where ``new`` (composed with no intro, bar 0 at its sample 0) begins.
    """
    cut, join = samples(continue_at, sample_rate), samples(join_at, sample_rate)
    fill = join - cut
    out = np.empty((fill + len(new), 2), dtype=np.float32)
    out[:fill] = take(source, cut, join)
    out[fill:] = new
    tail = min(samples(TAIL_S, sample_rate), len(new))
    out[fill : fill + tail] += take(source, join, join + tail) * fade(tail, out=True)
    _limit(out, fill, fill + tail, sample_rate)
    return out


def infill_part(
    source: np.ndarray, sample_rate: int, start_s: float, end_s: float, new: np.ndarray, new_at: float
) -> np.ndarray:
    """The replacement for source[start_s:end_s]; ``new`` is composed audio whose sample 0 sits at song
    time new_at (a bar line at or before start_s), so the replacement keeps the source's bar grid.
    """
    start, end = samples(start_s, sample_rate), samples(end_s, sample_rate)
    offset = start - samples(new_at, sample_rate)
    out = take(new, offset, offset + end - start)
    edge = min(samples(XFADE_S, sample_rate), (end - start) // 2)
    fade_in, fade_out = fade(edge, out=False), fade(edge, out=True)
    out[:edge] = out[:edge] * fade_in + take(source, start, start + edge) * fade_out
    out[-edge:] = out[-edge:] * fade_out + take(source, end - edge, end) * fade_in
    _limit(out, 0, edge, sample_rate)
    _limit(out, len(out) - edge, len(out), sample_rate)
    return out


def whole_song(pieces: list[tuple[np.ndarray, float | None]], sample_rate: int) -> np.ndarray:
    """Concat a continuation chain, root first: each (audio, keep) keeps audio[:keep] (None: all of it).

    keep is where the next clip continues this one, on this clip's own timeline, so
    whole = root[:c1] + part1[:c2] + ... + last. Each part starts with the very samples its source had
    at the cut, so the joins need no further fading.
    """
    kept = [audio if keep is None else audio[: samples(keep, sample_rate)] for audio, keep in pieces]
    return np.concatenate(kept, axis=0) if kept else np.zeros((0, 2), dtype=np.float32)


def stitch_infill(
    original: np.ndarray, sample_rate: int, start_s: float, end_s: float, section: np.ndarray
) -> np.ndarray:
    """original[:start] + section + original[end:]: the edited song, as long as the original."""
    start, end = samples(start_s, sample_rate), samples(end_s, sample_rate)
    section = take(section, 0, end - start)  # exactly the replaced length, whatever was stored
    return np.concatenate([original[:start], section, original[end:]], axis=0)
