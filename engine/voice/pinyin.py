"""How a hanzi sounds, as far as a singer and a rhymer need it: its pinyin initial and final.

The table (engine/data/hanzi_pinyin.txt, made once with pypinyin by engine/data/build_pinyin.py) holds the
usual reading of each of the 8,836 hanzi the cover font draws. From it:
- rhyme groups, the traditional 十三辙 of Chinese song: line ends in one group rhyme;
- the vowel the formant voice sings and the consonant it starts with.
Characters outside the table get a stable guess from a hash, so nothing fails on rare characters.
"""

from __future__ import annotations

import functools
import zlib
from pathlib import Path

TABLE = Path(__file__).resolve().parents[1] / "data" / "hanzi_pinyin.txt"

RHYME_GROUPS: dict[str, tuple[str, ...]] = {  # 十三辙: finals (v = ü) that rhyme in song
    "发花": ("a", "ia", "ua"),
    "梭波": ("o", "e", "uo"),
    "乜斜": ("ie", "ve"),
    "一七": ("i", "v", "er"),
    "姑苏": ("u",),
    "怀来": ("ai", "uai"),
    "灰堆": ("ei", "uei"),
    "遥条": ("ao", "iao"),
    "由求": ("ou", "iou"),
    "言前": ("an", "ian", "uan", "van"),
    "人辰": ("en", "in", "uen", "vn"),
    "江阳": ("ang", "iang", "uang"),
    "中东": ("eng", "ing", "ong", "iong", "ueng"),
}
_GROUP_OF = {final: group for group, finals in RHYME_GROUPS.items() for final in finals}

# The sung vowel is the final's nucleus, folded onto the voice's five formant sets: ü and -ian are front
# vowels (i, e), the buzzed vowel of zhi/chi/shi/ri/zi/ci/si is closer to e than to i.
_VOWEL = {
    **dict.fromkeys(("a", "ia", "ua", "ai", "uai", "ao", "iao", "an", "uan", "ang", "iang", "uang"), "a"),
    **dict.fromkeys(("e", "ie", "ve", "ei", "uei", "en", "uen", "eng", "ueng", "er", "ian", "van"), "e"),
    **dict.fromkeys(("i", "in", "ing", "v", "vn"), "i"),
    **dict.fromkeys(("o", "uo", "ou", "iou", "ong", "iong"), "o"),
    "u": "u",
}
_APICAL = ("z", "c", "s", "zh", "ch", "sh", "r")
_HISS = ("s", "sh", "x", "c", "ch", "z", "zh", "f", "h")
_CLICK = ("b", "p", "d", "t", "g", "k", "j", "q")


@functools.cache
def _readings() -> dict[str, tuple[str, str]]:
    out: dict[str, tuple[str, str]] = {}
    for line in TABLE.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            initial, final, chars = line.split(" ", 2)
            for char in chars:
                out[char] = ("" if initial == "-" else initial, final)
    return out


def reading(char: str) -> tuple[str, str] | None:
    """(initial, final) of a hanzi, e.g. 乡 -> ("x", "iang"); None for anything the table lacks."""
    return _readings().get(char)


def rhyme_group(char: str) -> str | None:
    """The 十三辙 group of a hanzi: 乡 and 光 are both 江阳; None when unknown."""
    found = reading(char)
    return _GROUP_OF.get(found[1]) if found else None


def sung(char: str) -> tuple[str, str]:
    """(vowel, onset) the voice sings for one hanzi: 乡 -> ("a", "hiss"), 木 -> ("u", "soft")."""
    found = reading(char)
    if found is None:  # rare character: a stable guess, so timbre still varies
        h = zlib.crc32(char.encode())
        return "aeiou"[h % 5], ("soft", "hiss", "click")[(h >> 3) % 3]
    initial, final = found
    vowel = "e" if final == "i" and initial in _APICAL else _VOWEL.get(final, "a")
    onset = "hiss" if initial in _HISS else "click" if initial in _CLICK else "soft"
    return vowel, onset
