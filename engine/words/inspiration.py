"""Inspiration mode: a free-text idea (English, Chinese or both) becomes a title, style tags and lyrics.

Style comes first from what the description names outright ("rock", "摇滚", "lo-fi"), then from its theme
(engine.words.moods): 乡愁 is a slow, melancholic folk ballad, 派对 an upbeat dance-pop song. The composer
reads the mood tags too (engine.music.genres.mood_mode, tempo_span), so "melancholic" makes the song minor and
"slow" keeps it in the lower half of the genre's tempo range.
"""

from __future__ import annotations

import re

from engine.words import lyric_words, lyricist_en, lyricist_zh, moods

_STYLE_WORDS = (  # (regex, tag) in the order they are offered to the composer
    (r"heavy metal|metal|金属", "metal"),
    (r"pop[- ]?punk|punk|朋克", "punk"),
    (r"lo-?fi|低保真", "lofi"),
    (r"hip[- ]?hop|说唱|嘻哈", "hip hop"),
    (r"\btrap\b", "trap"),
    (r"\brap\b", "rap"),
    (r"\bedm\b|电音|电子", "edm"),
    (r"\bhouse\b", "house"),
    (r"techno", "techno"),
    (r"synthwave", "synthwave"),
    (r"ambient|氛围", "ambient"),
    (r"ballad|抒情", "ballad"),
    (r"\brock\b|摇滚", "rock"),
    (r"\bpop\b|流行", "pop"),
    (r"\bjazz|爵士", "jazz"),
    (r"\bfolk\b|民谣", "folk"),
    (r"r&b|rnb", "r&b"),
    (r"country|乡村", "country"),
    (r"\bindie\b|独立", "indie"),
    (r"acoustic|木吉他", "acoustic"),
    (r"cinematic|orchestral|管弦", "cinematic"),
    (r"\bdance\b|舞曲", "dance"),
    (r"disco|迪斯科", "disco"),
    (r"funk|放克", "funk"),
    (r"\bsoul\b|灵魂乐", "soul"),
    (r"blues|蓝调", "blues"),
)
_MOOD_WORDS = (
    "upbeat",
    "happy",
    "sad",
    "melancholic",
    "melancholy",
    "chill",
    "dreamy",
    "energetic",
    "dark",
    "epic",
    "romantic",
    "nostalgic",
    "aggressive",
    "mellow",
    "uplifting",
    "emotional",
    "angry",
    "peaceful",
    "calm",
    "groovy",
    "catchy",
    "bright",
    "moody",
    "hopeful",
    "fast",
    "slow",
    "heavy",
    "soft",
)
_INSTRUMENT_WORDS = (
    ("piano", r"\bpiano\b|钢琴"),
    ("guitar", r"\bguitar\b|吉他"),
    ("synth", r"\bsynth\b|合成器"),
    ("strings", r"\bstrings\b|弦乐"),
    ("808", r"\b808\b"),
    ("bass", r"\bbass\b|贝斯"),
    ("drums", r"\bdrums\b|鼓"),
    ("violin", r"\bviolin\b|小提琴"),
    ("erhu", r"\berhu\b|二胡"),
    ("guzheng", r"\bguzheng\b|古筝"),
    ("female vocals", r"\bfemale vocals\b|女声"),
    ("male vocals", r"\bmale vocals\b|男声"),
)
_UPBEAT_GENRES = ("pop", "edm", "punk", "house", "dance", "disco")


def _named_styles(low: str) -> list[str]:
    """Style tags the description names outright, in the order it names them."""
    found: list[tuple[int, str]] = []
    for pattern, tag in _STYLE_WORDS:
        m = re.search(pattern, low)
        if m and tag not in (t for _, t in found):
            found.append((m.start(), tag))
    return [t for _, t in sorted(found)]


def style_tags(description: str) -> str:
    """'乡愁' -> 'melancholic, slow, folk, ballad'; 'an upbeat pop song' -> 'upbeat, pop'."""
    low = description.lower()
    theme = moods.theme_of(description)
    genres = _named_styles(low) or list(theme.genres)
    named_moods = [w for w in _MOOD_WORDS if re.search(rf"\b{re.escape(w)}\b", low)]
    mood_tags = named_moods or list(theme.moods)
    if not mood_tags and genres[0] in _UPBEAT_GENRES:
        mood_tags = ["upbeat"]
    gear = [name for name, pattern in _INSTRUMENT_WORDS if re.search(pattern, low)]
    return ", ".join(dict.fromkeys(mood_tags[:2] + genres[:2] + gear[:2])) or "pop, upbeat"


def _english_topic(description: str, tags: str, seed: int) -> str:
    topic = lyricist_en.topic_of(description)
    if topic.lower() != description.strip().lower():
        return topic
    style = set(re.split(r",\s*", tags)) | {"song", "track", "tune", "music", "beat"}
    words = [
        w
        for w in re.findall(r"[^\W_]+", topic)
        if w.lower() not in style and w.lower() not in lyric_words.STOP
    ]
    if any(w.isalpha() for w in words):
        return " ".join(words)
    # nothing but style words: borrow imagery ("dark trap beat" -> "dark shadows")
    mood = next(iter(tags.split(", ")), "midnight")
    picks = lyricist_en.imagery(tags.split(", "))
    return f"{mood} {lyricist_en.seeded_rng('topic', description, seed).choice(picks)}"


def inspire(*, description: str, seed: int = 0, instrumental: bool = False) -> dict:
    """Description-to-song: {"title", "tags", "lyrics"} from a free-text idea."""
    tags = style_tags(description)
    if lyricist_zh.is_chinese(description):
        theme = moods.theme_of(description)
        title, lyrics = lyricist_zh.write(prompt=description, seed=seed, theme=theme)
    else:
        title, lyrics = lyricist_en.write(prompt=_english_topic(description, tags, seed), seed=seed)
    return {"title": title, "tags": tags, "lyrics": "" if instrumental else lyrics}
