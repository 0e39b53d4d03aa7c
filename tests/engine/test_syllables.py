"""Syllables: an English word gets as many notes as the singer speaks syllables, so no word is smeared
across the next word's note (smile on two notes) or crammed onto one (quiet on one)."""

from __future__ import annotations

import pytest

from engine.voice import phonemes, syllables

KNOWN = {  # word: syllables a listener hears (espeak-ng's count where singers differ: fire, every)
    "quiet": 2, "smile": 1, "fire": 2, "every": 2, "city": 2, "beautiful": 3, "remember": 3, "poem": 2,
    "little": 2, "table": 2, "radio": 3, "everybody": 4, "name": 1, "home": 1, "morning": 2, "window": 2,
    "the": 1, "don't": 1, "I'm": 1, "tonight": 2, "lantern": 2, "valley": 2, "create": 2, "make": 1,
}  # fmt: skip


@pytest.mark.parametrize(("word", "count"), sorted(KNOWN.items()))
def test_english_words_have_the_syllables_a_listener_hears(word, count):
    assert syllables.words(word) == [(word, count)]
    assert len(syllables.syllables(word)) == count


def test_the_note_count_is_what_the_singer_speaks():
    """The melody gives a word one note per syllable; the singer then lays the syllables espeak-ng speaks on
    them: the two counts agree, word by word, for a whole line spoken at once."""
    line = "Let the quiet make you smile every city light is on fire"
    spoken = phonemes.speak(line, voice="en-us", rate=phonemes.SUNG_RATE)
    per_word = [0] * len(line.split())
    for syl in phonemes.syllables_of(spoken):
        per_word[syl.word] += 1
    assert [n for _, n in syllables.words(line)] == per_word


def test_vowels_and_onsets_come_from_the_sound():
    assert syllables.syllables("smile") == [("a", "hiss")]  # s-m-aɪ-l: one "a" syllable, hissed in
    assert syllables.syllables("quiet")[0] == ("a", "click")  # kw-aɪ: a clicked onset
    assert [v for v, _ in syllables.syllables("city")] == ["i", "i"]


def test_mandarin_and_other_scripts_keep_their_counts():
    assert syllables.words("我想回到故乡") == [(c, 1) for c in "我想回到故乡"]
    assert syllables.words("café") == [("café", 1)]
