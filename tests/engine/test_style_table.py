"""Styles that sound like their names, measured with the engine's own analysis on short renders of one lyric:
lofi has a clear laid-back beat, ambient the least beat of all, punk and metal are fast and bright, and no
two style families sound alike (tempo, beat strength, brightness or instruments)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from engine.music import analysis, composer
from engine.music.genres import PROFILES

FAMILIES = {
    "pop": "pop",
    "rock": "rock",
    "punk": "punk",
    "metal": "heavy metal",
    "lofi": "lofi chill",
    "edm": "edm",
    "trap": "trap",
    "ambient": "ambient",
    "ballad": "ballad",
}
LYRICS = (
    "[Verse]\nWhispers of the rainy city\nWalking through the city\nThe embers start to glow\n"
    "Lost in the city nights\n\n[Chorus]\nRainy city nights\nI leave it all behind\n"
    "Oh rainy city nights\nI want a little more"
)
SECONDS = 24.0


def instruments(genre: str) -> frozenset[str]:
    p = PROFILES[genre]
    return frozenset(filter(None, (p.chords, p.bass, p.pad, p.arp, p.lead)))


@pytest.fixture(scope="module")
def table() -> dict[str, dict]:
    rows = {}
    for genre, tags in FAMILIES.items():
        song = composer.compose(tags=tags, lyrics=LYRICS, title="Rain", seed=1, max_seconds=SECONDS)
        assert song.meta["genre"] == genre
        audio, sr = song.audio, song.sample_rate
        lo, hi = composer.tempo_window(genre)
        rows[genre] = {
            "bpm": analysis.estimate_tempo(audio, sr, lo=lo, hi=hi),
            "beat": analysis.beat_strength(audio, sr, song.meta["bpm"]),
            "centroid": analysis.spectral_centroid(audio, sr),
            "swing": PROFILES[genre].swing,
        }
    print(
        "\n".join(
            f"{g:8} {r['bpm']:6.1f} bpm  beat {r['beat']:.2f}  {r['centroid']:5.0f} Hz"
            for g, r in rows.items()
        )
    )
    return rows


def test_lofi_has_a_clear_laid_back_beat(table):
    lofi = table["lofi"]
    assert lofi["beat"] >= 0.45 and lofi["swing"] > 0.3  # a steady kit, swung
    assert lofi["beat"] > table["ambient"]["beat"] + 0.2  # (it measured weaker than ambient's before)
    assert lofi["bpm"] < table["pop"]["bpm"]  # laid back


def test_ambient_has_the_least_beat_of_all(table):
    others = [row["beat"] for genre, row in table.items() if genre != "ambient"]
    assert table["ambient"]["beat"] < 0.25 and table["ambient"]["beat"] < min(others) - 0.1


def test_punk_and_metal_are_fast_and_bright(table):
    for genre in ("punk", "metal"):
        row = table[genre]
        assert row["bpm"] >= 140, genre
        brighter = [
            g for g in table if g not in ("punk", "metal") and table[g]["centroid"] >= row["centroid"]
        ]
        assert brighter == [], (genre, brighter)  # the two brightest families
        slower = [g for g in table if g not in ("punk", "metal") and table[g]["bpm"] >= row["bpm"]]
        assert slower == [], (genre, slower)  # and the two fastest


def test_no_two_style_families_sound_alike(table):
    for a, b in itertools.combinations(table, 2):
        x, y = table[a], table[b]
        tempo = abs(np.log(x["bpm"] / y["bpm"])) > np.log(1.08)
        beat = abs(x["beat"] - y["beat"]) > 0.1
        bright = abs(np.log(x["centroid"] / y["centroid"])) > np.log(1.15)
        band = len(instruments(a) ^ instruments(b)) >= 2
        assert tempo or beat or bright or band, (a, b, x, y)
