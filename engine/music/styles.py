"""Negative tags: what a request asks the engine to leave out, kept deliberately simple.

- Any genre word (the same words that pick a genre from the tags: "metal", "edm", "lo-fi", ...) excludes
  that genre: the style is then picked from the remaining words of the tags, or the default profile.
- "drums"/"percussion"/"beat"/"kick"/"snare"/"hi-hat" mute the drum kit; "bass"/"808"/"sub" the bass line.
- "vocals"/"voice"/"singing"/"lyrics" make the song instrumental (the lead instrument plays the tune).
Other words are accepted and ignored, as a gateway would (it cannot refuse a style it does not know).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from engine.music.composer import genres_named, pick_genre

_PARTS = (
    ("drums", r"\b(drums?|percussion|beats?|kick|snares?|hi-?hats?|cymbals?)\b|鼓"),
    ("bass", r"\b(bass|808s?|sub-?bass|sub)\b|贝斯"),
)
_VOCALS = r"\b(vocals?|voices?|vox|singing|singers?|lyrics)\b|人声"


@dataclass(frozen=True)
class Negative:
    genres: frozenset[str] = frozenset()
    mute: frozenset[str] = frozenset()
    no_vocals: bool = False

    def genre_for(self, tags: str) -> str:
        return pick_genre(tags, exclude=self.genres)


def parse_negative(text: str) -> Negative:
    low = (text or "").lower()
    return Negative(
        genres=frozenset(genres_named(low)),
        mute=frozenset(part for part, pattern in _PARTS if re.search(pattern, low)),
        no_vocals=bool(re.search(_VOCALS, low)),
    )
