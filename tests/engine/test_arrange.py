"""Cutting and joining audio (engine.music.arrange), bar grids, negative tags: no database, small signals."""

from __future__ import annotations

import numpy as np
import pytest

from engine.music import analysis, arrange, composer
from engine.music.styles import parse_negative

SR = 8000


def tone(seconds: float, hz: float, phase: float = 0.0) -> np.ndarray:
    t = np.arange(int(round(seconds * SR))) / SR
    mono = (0.45 * np.sin(2 * np.pi * hz * t + phase)).astype(np.float32)
    return np.stack([mono, mono], axis=1)


def max_step(audio: np.ndarray) -> float:
    return float(np.abs(np.diff(audio, axis=0)).max())


def test_bar_lines_snap_forward_and_back_on_a_grid_with_an_offset():
    assert arrange.next_bar_line(3.0, 2.0) == 4.0
    assert arrange.next_bar_line(4.0, 2.0) == 4.0
    assert arrange.next_bar_line(4.00005, 2.0) == 4.00005  # a hair past the line is on it, never before t
    assert arrange.next_bar_line(0.2, 2.0, offset=0.5) == 0.5
    assert arrange.next_bar_line(0.7, 2.0, offset=0.5) == 2.5
    assert arrange.prev_bar_line(3.0, 2.0) == 2.0
    assert arrange.prev_bar_line(0.2, 2.0, offset=0.5) == pytest.approx(-1.5)


def test_take_pads_with_silence_past_either_end():
    audio = tone(1.0, 100)
    assert arrange.take(audio, -10, 10).shape == (20, 2)
    assert not arrange.take(audio, -10, 0).any()
    assert np.array_equal(arrange.take(audio, SR - 5, SR + 5)[:5], audio[-5:])


def test_continue_part_keeps_the_rest_of_the_bar_and_has_no_click():
    source, new = tone(4.0, 220), tone(3.0, 330, phase=2.0)  # the new part starts far from the old value
    new[:40] *= np.linspace(0, 1, 40, dtype=np.float32)[:, None]  # the composer's 5 ms fade-in
    part = arrange.continue_part(source, SR, 1.3, 2.0, new)
    assert len(part) == arrange.samples(0.7, SR) + len(new)
    assert np.array_equal(part[: arrange.samples(0.7, SR)], source[arrange.samples(1.3, SR) : 2 * SR])
    song = np.concatenate([source[: arrange.samples(1.3, SR)], part])
    bound = max_step(source) + max_step(new)  # the most two overlapping signals can move per sample
    assert max_step(song) <= bound
    naive = np.concatenate([source[: arrange.samples(1.3, SR)], tone(3.0, 330, phase=2.0)])
    assert max_step(naive) > 2 * bound  # the same cut without fill, fade and tail clicks


def test_continue_part_at_the_end_of_the_source_pads_with_silence():
    source, new = tone(1.0, 220), tone(1.0, 330)
    part = arrange.continue_part(source, SR, 0.9, 1.5, new)
    assert len(part) == arrange.samples(0.6, SR) + len(new)
    assert not part[arrange.samples(0.1, SR) : arrange.samples(0.6, SR)].any()


def test_overlapping_parts_are_limited_instead_of_clipped():
    loud = np.full((SR, 2), 0.95, dtype=np.float32)
    new = loud.copy()
    new[:40] *= np.linspace(0, 1, 40, dtype=np.float32)[:, None]  # the composer's 5 ms fade-in
    part = arrange.continue_part(loud, SR, 0.5, 0.5, new)
    assert np.abs(part).max() <= 0.98 + 1e-6
    assert part[0, 0] == pytest.approx(loud[0, 0], abs=1e-4) and max_step(np.concatenate([loud, part])) < 0.05


def test_whole_song_adds_up_the_kept_parts():
    root, first, last = tone(30.0, 110), tone(20.0, 220), tone(7.25, 330)
    whole = arrange.whole_song([(root, 12.5), (first, 4.0), (last, None)], SR)
    assert len(whole) / SR == pytest.approx(12.5 + 4.0 + 7.25)
    assert arrange.whole_song([(root, 12.5), (first, None)], SR).shape[0] / SR == pytest.approx(32.5)


def test_infill_part_is_as_long_as_the_section_and_stitches_seamlessly():
    source, new = tone(10.0, 220), tone(8.0, 330, phase=1.0)
    section = arrange.infill_part(source, SR, 3.3, 6.1, new, new_at=2.0)
    assert len(section) == arrange.samples(2.8, SR)
    # the section holds the new music laid from its own time origin (new_at), not from its first sample
    middle = slice(arrange.samples(1.0, SR), arrange.samples(1.1, SR))
    offset = arrange.samples(1.3, SR)
    assert np.allclose(section[middle], new[middle.start + offset : middle.stop + offset])
    song = arrange.stitch_infill(source, SR, 3.3, 6.1, section)
    assert len(song) == len(source)
    assert max_step(song) <= max_step(source) + max_step(new)


def test_the_bar_offset_of_shifted_audio_is_found():
    song = composer.compose(tags="pop", seed=3, instrumental=True, max_seconds=20)
    bar = song.meta["bar_seconds"]
    for shift in (0.2, 0.77):
        offset = analysis.estimate_bar_offset(song.audio[int(shift * 44100) :], 44100, song.meta["bpm"])
        error = (offset - (-shift) % bar + bar / 2) % bar - bar / 2
        assert abs(error) < 0.03


def test_negative_tags_name_genres_and_parts():
    negative = parse_negative("metal, drums, no vocals")
    assert negative.genres == {"metal"} and negative.mute == {"drums"} and negative.no_vocals
    assert negative.genre_for("heavy metal") == "default"
    assert negative.genre_for("metal rock") == "rock"
    assert parse_negative("808, sub bass").mute == {"bass"}
    assert parse_negative("").genres == set() and not parse_negative("").no_vocals
    assert composer.pick_genre("heavy metal", exclude={"metal"}) == "default"
    assert composer.genres_named("lofi edm") == {"lofi", "edm"}


def test_muting_the_drums_takes_the_percussion_out():
    args = {"tags": "classic rock", "seed": 5, "instrumental": True, "max_seconds": 8.0}
    full, muted = composer.compose(**args), composer.compose(**args, mute={"drums"})
    assert full.meta["bpm"] == muted.meta["bpm"] and not np.array_equal(full.audio, muted.audio)
    # without the kit (hats, snare, crash) the sound is duller
    assert analysis.spectral_centroid(muted.audio, 44100) < analysis.spectral_centroid(full.audio, 44100)
    no_bass = composer.compose(**args, mute={"bass"})
    assert not np.array_equal(no_bass.audio, full.audio)


def in_sections(audio: np.ndarray, sizes: tuple[int, ...]) -> list[np.ndarray]:
    """audio cut into sections of these sizes in turn (the last runs to the end): the joins must not care."""
    out, at, turn = [], 0, 0
    while at < len(audio):
        size = sizes[turn % len(sizes)]
        out.append(audio[at : at + size].copy())
        at, turn = at + size, turn + 1
    return out


class Sliced:
    """Audio that can only be read by slices and its length, as storage.Lossless reads a clip."""

    def __init__(self, audio: np.ndarray):
        self.audio, self.reads = audio, []

    def __len__(self) -> int:
        return len(self.audio)

    def __getitem__(self, key: slice) -> np.ndarray:
        part = self.audio[key]
        self.reads.append(len(part))
        return part.copy()


# The joins as first written, whole, in arrays: the reference the section-by-section joins (which the engine
# uses, arrange.continue_part and the others included) must give sample for sample.
def _continue_whole(source, continue_at, join_at, new):
    cut, join = arrange.samples(continue_at, SR), arrange.samples(join_at, SR)
    fill = join - cut
    out = np.empty((fill + len(new), 2), dtype=np.float32)
    out[:fill] = arrange.take(source, cut, join)
    out[fill:] = new
    tail = min(arrange.samples(arrange.TAIL_S, SR), len(new))
    out[fill : fill + tail] += arrange.take(source, join, join + tail) * arrange.fade(tail, out=True)
    arrange._limit(out, fill, fill + tail, SR)
    return out


def _infill_whole(source, start_s, end_s, new, new_at):
    start, end = arrange.samples(start_s, SR), arrange.samples(end_s, SR)
    offset = start - arrange.samples(new_at, SR)
    out = arrange.take(new, offset, offset + end - start)
    edge = min(arrange.samples(arrange.XFADE_S, SR), (end - start) // 2)
    fade_in, fade_out = arrange.fade(edge, out=False), arrange.fade(edge, out=True)
    out[:edge] = out[:edge] * fade_in + arrange.take(source, start, start + edge) * fade_out
    out[-edge:] = out[-edge:] * fade_out + arrange.take(source, end - edge, end) * fade_in
    arrange._limit(out, 0, edge, SR)
    arrange._limit(out, len(out) - edge, len(out), SR)
    return out


def _whole_song(pieces):
    return np.concatenate(
        [audio if keep is None else audio[: arrange.samples(keep, SR)] for audio, keep in pieces]
    )


def _stitched(original, start_s, end_s, section):
    start, end = arrange.samples(start_s, SR), arrange.samples(end_s, SR)
    return np.concatenate([original[:start], arrange.take(section, 0, end - start), original[end:]])


SIZES = [(40_000,), (7, 300, 5_000), (1,)]  # one section, odd sizes (some shorter than the tail), tiny


@pytest.mark.parametrize("sizes", SIZES)
@pytest.mark.parametrize(
    "at, join", [(1.3, 2.0), (0.5, 0.5), (3.95, 4.5)]
)  # mid-bar, on the line, at the end
def test_a_continuation_joined_section_by_section_is_the_one_joined_whole(sizes, at, join):
    loud = np.full((4 * SR, 2), 0.9, dtype=np.float32)  # the overlap sums past full scale: the limiter acts
    new = tone(3.0, 330, phase=1.0) * np.float32(2.0)
    new[:40] *= np.linspace(0, 1, 40, dtype=np.float32)[:, None]
    for source in (loud, tone(4.0, 220)):
        whole = _continue_whole(source, at, join, new)
        assert np.array_equal(arrange.continue_part(source, SR, at, join, new), whole)
        reader = Sliced(source)
        parts = list(arrange.continue_sections(reader, SR, at, join, in_sections(new, sizes), len(new)))
        assert np.array_equal(np.concatenate(parts), whole)
        assert max(reader.reads) <= arrange.samples(arrange.CHUNK_S, SR)  # never the whole source at once


def test_the_fill_waits_for_the_new_musics_first_section():
    """The rest of the bar is handed on only once the new part's first section is made, so the stream
    never stops after it to wait for the new part's master."""
    made = []

    def new_sections():
        for part in in_sections(tone(3.0, 330), (5_000,)):
            made.append(len(part))
            yield part

    parts = arrange.continue_sections(tone(4.0, 220), SR, 1.3, 2.0, new_sections(), 3 * SR)
    assert len(next(parts)) == arrange.samples(0.7, SR) and made == [5_000]


@pytest.mark.parametrize("sizes", SIZES)
@pytest.mark.parametrize("start, end, new_at", [(3.3, 6.1, 2.0), (2.0, 2.05, 2.0), (3.3, 9.5, 2.0)])
def test_an_infill_made_section_by_section_is_the_one_made_whole(sizes, start, end, new_at):
    """The last case runs past the end of the new music: silence, as take() pads."""
    source, new = np.full((10 * SR, 2), 0.9, dtype=np.float32), tone(6.0, 330, phase=1.0) * np.float32(2.0)
    whole = _infill_whole(source, start, end, new, new_at)
    assert np.array_equal(arrange.infill_part(source, SR, start, end, new, new_at), whole)
    parts = list(arrange.infill_sections(Sliced(source), SR, start, end, in_sections(new, sizes), new_at))
    assert np.array_equal(np.concatenate(parts), whole)


def test_concats_handed_out_in_chunks_are_the_concats_made_whole():
    root, first, last = tone(30.0, 110), tone(20.0, 220), tone(7.25, 330)
    for pieces in ([(root, 12.5), (first, 4.0), (last, None)], [(root, 12.5), (first, 40.0), (last, None)]):
        sliced = [(Sliced(audio), keep) for audio, keep in pieces]
        parts = list(arrange.whole_song_sections(sliced, SR))
        whole = _whole_song(pieces)
        assert np.array_equal(arrange.whole_song(pieces, SR), whole)
        assert np.array_equal(np.concatenate(parts), whole)
        assert sum(arrange.kept_frames(audio, keep, SR) for audio, keep in sliced) == len(whole)
        assert max(len(part) for part in parts) <= arrange.samples(arrange.CHUNK_S, SR)
    section = tone(3.0, 440)
    for start, end in ((3.3, 6.1), (0.0, 2.0), (28.5, 31.0)):  # the section may run past the original's end
        whole = _stitched(root, start, end, section)
        assert np.array_equal(arrange.stitch_infill(root, SR, start, end, section), whole)
        parts = list(arrange.stitch_infill_sections(Sliced(root), SR, start, end, Sliced(section)))
        assert np.array_equal(np.concatenate(parts), whole)
        assert arrange.stitch_infill_frames(Sliced(root), SR, start, end) == len(whole)
    assert np.array_equal(arrange.opening(iter(in_sections(root, (7, 3000))), SR), root[:SR])
    assert np.array_equal(arrange.opening(iter(in_sections(last, (7, 3000))), 60 * SR), last)
