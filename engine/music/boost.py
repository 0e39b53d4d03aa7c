"""Style boost (POST /suno/act/tags): a few words -> a full style description the composer follows.

Deterministic: the same words always give the same text. The genre is the one the words name (else the
theme's, engine.words.moods, else pop); mood and tempo words come from the input when it has them; the vocal
type from the input, else from a hash. English in, English out; Han characters in, Chinese out. Each
template names its genre with the genre table's own word and no other genre's word, so the composer's
pick (engine.music.genres.pick_genre) lands on that genre, and its tempo and mood words steer the tempo range
and mode the way engine.music.genres reads them (tests/engine/test_style_boost.py checks every genre).
"""

from __future__ import annotations

import re
import zlib

from engine.music.genres import pick_genre
from engine.words.moods import DEFAULT, theme_of

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")

_EN = {
    "pop": "{mood} pop song built on shimmering piano chords, warm pads and plucked arpeggios over a tight "
    "backbeat. {tempo}, with {vocal}; the chorus lifts with layered harmonies.",
    "rock": "{mood} rock track driven by crunchy power-chord guitars, a punchy bass and live drums with a "
    "ride cymbal in the chorus. {tempo}, with {vocal} and a guitar lead in the break.",
    "punk": "{mood} punk anthem of distorted guitars, straight eighth-note bass and pounding drums. "
    "{tempo}, with shouted {vocal}; short, loud, no frills.",
    "metal": "{mood} heavy metal with down-tuned galloping guitars, double-kick drums and a growling bass. "
    "{tempo}, with {vocal} and a searing guitar solo.",
    "lofi": "{mood} lo-fi groove of dusty e-piano seventh chords, a warm sub bass, swung drums and vinyl "
    "crackle. {tempo}, with {vocal}; hazy and unhurried.",
    "trap": "{mood} trap beat with booming 808s, rolling hi-hats, a half-time clap, deep pads and a bell "
    "melody. {tempo}, with {vocal} riding a confident flow.",
    "edm": "{mood} EDM track: four-on-the-floor kick, sidechained supersaw chords, an offbeat bass and a "
    "big riser into the drop. {tempo}, with {vocal} over the build.",
    "ambient": "{mood} ambient soundscape of softly blooming pads, glassy arpeggios, a deep sub and a long "
    "reverb, with barely any percussion. {tempo}, with {vocal} floating on top.",
    "ballad": "{mood} piano ballad with sweeping strings, a soft sub bass and brushed drums that enter in "
    "the chorus. {tempo}, with {vocal}, intimate and heartfelt.",
}
_ZH = {
    "pop": "{mood}的流行歌曲，明亮的钢琴和弦、温暖的铺底与拨弦琶音，节拍紧凑；"
    "{tempo}，{vocal}，副歌层层叠起和声。",
    "rock": "{mood}的摇滚，失真强力和弦吉他、有力的贝斯与现场鼓，副歌加入叮叮镲；"
    "{tempo}，{vocal}，间奏有吉他独奏。",
    "punk": "{mood}的朋克，失真吉他、八分音符贝斯和猛烈的鼓；{tempo}，{vocal}呐喊，短促响亮。",
    "metal": "{mood}的重金属，降调奔马节奏吉他、双踩鼓与低沉贝斯；{tempo}，{vocal}，炽烈的吉他独奏。",
    "lofi": "{mood}的低保真，带灰尘感的电钢琴七和弦、温暖的低音、摇摆的鼓和黑胶噪声；"
    "{tempo}，{vocal}，朦胧慵懒。",
    "trap": "{mood}的说唱，轰鸣的808、滚动的踩镲、半拍拍手、暗色铺底和铃声旋律；"
    "{tempo}，{vocal}，自信的节奏。",
    "edm": "{mood}的电子舞曲，四拍底鼓、侧链超级锯齿波和弦、反拍贝斯，升腾后进入高潮；{tempo}，{vocal}。",
    "ambient": "{mood}的氛围音乐，缓缓展开的铺底、玻璃般的琶音、深沉的低音和长混响，几乎没有打击乐；"
    "{tempo}，{vocal}。",
    "ballad": "{mood}的抒情钢琴曲，弦乐铺陈、柔和的低音，副歌才进入的刷鼓；{tempo}，{vocal}，真挚动人。",
}
# Mood words: (pattern in the input, English, Chinese); the first that matches is used.
_MOODS = (
    (
        r"\b(sad|melanchol|sorrow|lonely|heartbr|grief)|悲|忧伤|伤感|孤独|寂寞|思念|乡愁",
        "Melancholic",
        "忧伤",
    ),
    (r"\b(happy|joy|cheer|sunny|upbeat)|快乐|欢快|开心|阳光", "Uplifting", "欢快"),
    (r"\b(love|romantic|sweet)|爱|浪漫|甜蜜", "Romantic", "浪漫"),
    (r"\b(angry|rage|aggressive|rebel)|愤怒|叛逆|呐喊", "Aggressive", "激烈"),
    (r"\b(dark|moody|gloomy)|黑暗|阴郁", "Dark, moody", "阴郁"),
    (r"\b(calm|chill|relax|peaceful|dream)|安静|放松|宁静|梦", "Dreamy", "梦幻"),
)
_GENRE_MOOD = {  # when the input names no mood; none of these move the tempo or the mode
    "pop": ("Laid-back", "轻松"), "rock": ("Gritty", "粗粝"), "punk": ("Rowdy", "喧闹"),
    "metal": ("Thunderous", "轰鸣"), "lofi": ("Dusty", "怀旧"), "trap": ("Confident", "自信"),
    "edm": ("Euphoric", "狂热"), "ambient": ("Spacious", "空灵"), "ballad": ("Tender", "温柔"),
}  # fmt: skip
_SLOW_IN = r"\b(slow|calm|mellow|gentle|sleepy|lullaby)|慢|舒缓|安静"
_FAST_IN = r"\b(fast|energetic|hyper|frantic|upbeat)|快节奏|激昂|动感"


def _genre(words: str) -> str:
    genre = pick_genre(words)
    if genre == "default":
        theme = theme_of(words)
        named = [pick_genre(g) for g in theme.genres] if theme is not DEFAULT else []
        genre = next((g for g in named if g != "default"), "pop")
    return genre


def _tempo(words: str, zh: bool) -> str:
    if re.search(_SLOW_IN, words):
        return "慢速" if zh else "Slow tempo"
    if re.search(_FAST_IN, words):
        return "快节奏" if zh else "Fast tempo"
    return "中速" if zh else "Mid-tempo"


def _vocal(words: str, zh: bool, pick: int) -> str:
    if re.search(r"\binstrumental\b|纯音乐", words):
        return "纯器乐" if zh else "instrumental, no vocals"
    if re.search(r"\bfemale\b|\bwoman\b|\bgirl\b|女声|女", words):
        female = True
    elif re.search(r"\bmale\b|\bman\b|\bboy\b|男声|男", words):
        female = False
    else:
        female = pick % 2 == 0
    if zh:
        return "女声主唱" if female else "男声主唱"
    return "breathy female vocals" if female else "warm male vocals"


def upsample(original: str) -> str:
    """The full description for a few style words (English, or Chinese when they hold Han characters)."""
    words = " ".join(original.split()).lower()
    zh = bool(_HAN.search(original))
    genre = _genre(words)
    mood_en, mood_zh = next(
        ((en, cn) for pattern, en, cn in _MOODS if re.search(pattern, words)), _GENRE_MOOD[genre]
    )
    fields = {
        "mood": mood_zh if zh else mood_en,
        "tempo": _tempo(words, zh),
        "vocal": _vocal(words, zh, zlib.crc32(words.encode())),
    }
    return (_ZH if zh else _EN)[genre].format(**fields)
