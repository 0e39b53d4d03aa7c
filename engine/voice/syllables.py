"""Syllables of a lyric line: the composer sings one note per syllable, with its vowel and first consonant.

- Each hanzi is one syllable (Chinese is one character, one syllable); its vowel and onset come from its
  pinyin (engine.voice.pinyin), so 乡愁 is sung "a" then "o" rather than one vowel throughout.
- Kana and Hangul characters are one syllable each too, with a hashed vowel.
- English words have the syllables espeak-ng says (engine.voice.phonemes: one per vowel nucleus), the
  syllables the singer will speak: quiet 2, smile 1, city 2, beautiful 3, every 2 (ev-ry). The vowel and
  onset come from those phonemes. An apostrophe keeps a word whole (don't, I'm). Without espeak-ng a word
  is split into vowel groups (a silent final e is not sung).
- Digits, punctuation and spaces are not sung.

``words`` gives the same syllables grouped by word: the singer (engine.voice.singer) speaks each word and
lays its syllables on that word's notes.
"""

from __future__ import annotations

import functools
import re
import unicodedata
import zlib

from engine.voice import phonemes, pinyin

_VOWELS = ("a", "e", "i", "o", "u")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_KANA_HANGUL = re.compile(r"[\u3040-\u30ff\uac00-\ud7af]")
_TOKENS = re.compile(
    r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]|[^\W\d_]+(?:['’][^\W\d_]+)*"
)
_VOWEL_GROUP = re.compile(r"[^aeiouy]*[aeiouy]+")


def _crc(text: str) -> int:
    return zlib.crc32(text.encode())


# IPA nucleus (its first vowel letter) -> the vowel class sung on; onset consonants -> their kind of onset
_VOWEL_CLASSES = zip("aeiou", ("aæɑɐʌɒ", "eɛɜəɚɝɘɞ", "iɪyᵻɨʏ", "oɔøœɵɤ", "uʊɯʉ"), strict=True)
_IPA_VOWEL = {ipa: v for v, chars in _VOWEL_CLASSES for ipa in chars}
_HISS = set("sfθʃzvðʒh")
_CLICK = set("ptkbdgɡq") | {"tʃ", "dʒ"}


@functools.lru_cache(maxsize=8192)
def _spoken_word(token: str) -> tuple[tuple[str, str], ...]:
    """(vowel, onset) per syllable of an English word as espeak-ng speaks it; () when it cannot."""
    try:
        sylls = phonemes.syllables_of(phonemes.speak(token, voice="en-us", rate=phonemes.SUNG_RATE))
    except (ImportError, OSError, RuntimeError, ValueError):
        return ()
    out = []
    for syl in sylls:
        nucleus = unicodedata.normalize("NFD", syl.phones[syl.nucleus].ipa)
        vowel = next((_IPA_VOWEL[c] for c in nucleus if c in _IPA_VOWEL), "e")
        first = syl.phones[0].ipa if syl.nucleus else ""
        kind = "hiss" if first[:1] in _HISS else "click" if first in _CLICK or first[:1] in _CLICK else "soft"
        out.append((vowel, kind))
    return tuple(out)


def _word(token: str) -> list[tuple[str, str]]:
    """English word: its syllables as espeak-ng speaks them; else one syllable per vowel group; other
    alphabets: roughly one per three letters."""
    if token.isascii() and (token.isalpha() or token.replace("'", "").isalpha()):
        spoken = _spoken_word(token)
        if spoken:
            return list(spoken)
    groups = _VOWEL_GROUP.findall(token) if token.isascii() else []
    if len(groups) > 1 and token.endswith("e") and groups[-1][-1:] == "e" and not token.endswith("le"):
        groups = groups[:-1]
    if not groups:
        h = _crc(token)
        return [(_VOWELS[(h + i) % 5], "soft") for i in range(max(1, len(token) // 3))]
    out = []
    for g in groups:
        vowel = next(c for c in g if c in "aeiouy")
        onset = "hiss" if g[:1] in set("sfzcx") else "click" if g[:1] in set("ptkbdgqj") else "soft"
        out.append(("i" if vowel == "y" else vowel, onset))
    return out


def _token(token: str) -> list[tuple[str, str]]:
    if _HAN.match(token):
        return [pinyin.sung(token)]
    if _KANA_HANGUL.match(token):
        h = _crc(token)
        return [(_VOWELS[h % 5], ("soft", "hiss", "click")[(h >> 3) % 3])]
    return _word(token.replace("’", "'"))


def syllables(line: str) -> list[tuple[str, str]]:
    """(vowel, onset) per sung syllable; onset is 'hiss', 'click' or 'soft'."""
    return [syl for token in _TOKENS.findall(line.lower()) for syl in _token(token)]


def words(line: str) -> list[tuple[str, int]]:
    """(word as written, syllable count) for each sung word, in order: their syllables one after another
    are syllables(line). Each hanzi, kana or hangul is a word of its own."""
    return [(token, len(_token(token.lower()))) for token in _TOKENS.findall(line)]
