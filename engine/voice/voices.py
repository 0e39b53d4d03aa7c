"""Singers: the few numbers that make the formant voice one person rather than another.

A voice is its formant scale (vocal tract length: lower in men, higher in women), its brightness (the
spectral tilt of the glottal source), its register (the lowest root the melody is built on) and its
vibrato (rate and depth). NEUTRAL is the engine's original voice, used when a request asks for nothing;
vocal_gender ("m"/"f") picks a gendered voice, varied a little per song by the seed; a persona keeps the
voice of the clip it was made from (engine.api.personas).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

import numpy as np

GENDERS = ("m", "f")


@dataclass(frozen=True)
class Voice:
    formant: float = 1.0  # formant frequencies are multiplied by this
    tilt: float = 1.2  # source harmonics fall as 1/k**tilt: lower is brighter
    register: int = 55  # MIDI: the melody's root is the song's tonic at or above this
    vibrato_hz: float = 5.6
    vibrato_st: float = 0.3  # depth in semitones
    gender: str = ""  # "m", "f" or "" (neutral)

    def to_dict(self) -> dict:
        return asdict(self)


NEUTRAL = Voice()

# (formant, tilt, register, vibrato Hz, vibrato depth): centre and spread per gender
_GENDERED = {
    "m": ((0.87, 1.40, 47, 5.2, 0.30), (0.07, 0.30, 3, 0.8, 0.12)),
    "f": ((1.16, 1.05, 60, 5.9, 0.32), (0.08, 0.30, 3, 0.8, 0.12)),
}


def for_gender(gender: str, seed: int) -> Voice:
    """A voice of that gender; the seed varies it within the gender's range (no two singers alike)."""
    centre, spread = _GENDERED[gender]
    rng = np.random.default_rng(seed ^ 0x5106E5)
    pick = [c + s * float(rng.uniform(-1.0, 1.0)) for c, s in zip(centre, spread, strict=True)]
    return Voice(
        formant=round(pick[0], 4),
        tilt=round(pick[1], 4),
        register=int(round(pick[2])),
        vibrato_hz=round(pick[3], 3),
        vibrato_st=round(pick[4], 3),
        gender=gender,
    )


def from_dict(data: dict | None) -> Voice:
    """The voice stored in a clip's metadata (engine.voice); NEUTRAL when there is none."""
    if not data:
        return NEUTRAL
    fields = Voice.__dataclass_fields__
    return Voice(**{k: v for k, v in data.items() if k in fields})


def gender_in(tags: str) -> str:
    """ "f" or "m" when the style names the singer ("female vocals", 男声), else ""."""
    low = tags.lower()
    female = bool(re.search(r"\bfemale\b|\bwoman\b|女声", low))
    male = bool(re.search(r"\bmale\b|\bman\b|男声", low))
    return "f" if female and not male else "m" if male and not female else ""
