"""Melody: one note per syllable (one per hanzi) on a grid of onset slots, chord tones on the beats.

A phrase is seeded by the plan's hash, the section role, the line's parity and its syllable count, so
alike lines repeat. The voice (or the lead instrument) sings what these functions write.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.music import instruments as ins
from engine.music.plan import Plan, Section, chord_of_beat, degree_midi
from engine.voice.syllables import syllables


def _rhythm(count: int, slots: int, seed: int) -> list[int]:
    """Onset slots for a phrase: start from even notes, then split or stretch some so it is not square."""
    usable = slots - 2  # leave a breath before the next line
    rng = np.random.default_rng(seed)
    durs = [2] * count
    while sum(durs) > usable:  # too many syllables: some become short notes
        longs = [i for i, d in enumerate(durs) if d > 1]
        durs[longs[int(rng.integers(len(longs)))]] -= 1
    for _ in range(int(rng.integers(0, 3))):  # a few dotted rhythms (long-short) for swing in the line
        i = int(rng.integers(max(1, count - 1)))
        if i + 1 < count and durs[i] == 2 and durs[i + 1] == 2:
            durs[i], durs[i + 1] = 3, 1
    while sum(durs) + 2 <= usable:  # few syllables: stretch notes (by whole 8ths, so onsets stay on the grid)
        i = count - 1 if rng.random() < 0.4 else int(rng.integers(count))
        durs[i] += 2
    return [int(x) for x in np.cumsum([0] + durs[:-1])]


def _snap(degree: int, chord: tuple[int, ...]) -> int:
    tones = {d % 7 for d in chord[:3]}
    for delta in (0, -1, 1, -2, 2, 3):
        if (degree + delta) % 7 in tones:
            return degree + delta
    return degree


# Melody steps between beats and the chance to turn, by variety ("weirdness"): tame, usual, adventurous.
_LEAPS = (((1, 1, 1, 1), 0.1), ((1, 1, 1, 2), 0.2), ((1, 2, 3, 4), 0.35))


def phrase(plan: Plan, sec: Section, line_index: int, count: int) -> list[tuple[float, float, int]]:
    """(start beat within the line, length in beats, scale degree) for each syllable of one sung line."""
    slots = 16 if count <= 14 else 32
    span = 4.0 * plan.bar_lines
    slot_beats = span / slots
    count = min(count, slots - 2)
    seed = ins.stable_seed(plan.seed, sec.role, line_index % 2, count)
    onsets = _rhythm(count, slots, seed)
    rng = np.random.default_rng(seed + 1)
    lo, hi = (1, 9) if sec.role == "chorus" else (-2, 6)
    steps, turn = _LEAPS[min(2, int(plan.variety * 3))]
    if plan.variety > 2 / 3:  # a weirder tune also ranges wider
        lo, hi = lo - 2, hi + 2
    degree = int(rng.integers(lo + 1, lo + 5))
    direction = 1
    out = []
    unit = plan.chord_beats / 4  # a cover at twice its source's tempo counts two of its beats as one
    for i, slot in enumerate(onsets):
        beat = slot * slot_beats
        held = beat / unit  # the beat as the source counts it: strong beats stay strong in a cover
        chord = chord_of_beat(plan, sec, line_index * plan.bar_lines * 4 + beat)
        if i == len(onsets) - 1 and count > 1:
            # answering (odd) lines come home to the tonic, the others stay open on the 2nd or 5th
            targets = (0, 7) if line_index % 2 else (1, 4, 8)
            degree = _snap(min((t for t in targets if lo <= t <= hi), key=lambda t: abs(t - degree)), chord)
        elif i and abs(held - round(held)) < 1e-9 and round(held) % 2 == 0:
            degree = _snap(degree + direction, chord)
        elif i:
            degree += direction * int(rng.choice(steps))
        if degree >= hi or degree <= lo or rng.random() < turn:
            direction = -1 if degree >= hi else 1 if degree <= lo else -direction
        degree = int(np.clip(degree, lo, hi))
        end = onsets[i + 1] if i + 1 < len(onsets) else slots - 1
        out.append((beat, (end - slot) * slot_beats * 0.92, degree))
    return out


@dataclass(frozen=True)
class SungNote:
    beat: float  # from the start of the line
    beats: float  # length
    degree: int  # scale degree from the voice root
    midi: int
    vowel: str
    onset: str


def sung_line(plan: Plan, sec: Section, line_index: int, line: str) -> list[SungNote]:
    """The notes of one lyric line: one per syllable (one per hanzi), each with the vowel it is sung on."""
    sylls = syllables(line)
    notes = phrase(plan, sec, line_index, len(sylls)) if sylls else []
    return [
        SungNote(beat, length, deg, degree_midi(plan, deg, plan.voice_root), vowel, onset)
        for (beat, length, deg), (vowel, onset) in zip(notes, sylls, strict=False)
    ]


def section_lines(plan: Plan, sec: Section) -> list[list[SungNote]]:
    if sec.lines:
        return [sung_line(plan, sec, li, line) for li, line in enumerate(sec.lines)]
    if sec.role not in ("verse", "chorus", "inst"):
        return []
    # no words here: the lead instrument plays a tune of 5-9 notes per line
    rng = np.random.default_rng(ins.stable_seed(plan.seed, sec.role))
    count, root = int(rng.integers(5, 10)), plan.voice_root
    tune = [phrase(plan, sec, li, count) for li in range(sec.bars // plan.bar_lines)]
    return [[SungNote(b, n, d, degree_midi(plan, d, root), "a", "soft") for b, n, d in line] for line in tune]
