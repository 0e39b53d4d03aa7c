"""What a description is about, in English or Chinese: a theme that picks the song's mood and style.

One table serves both the style picker (engine.words.inspiration: 乡愁 -> a slow, melancholic folk ballad) and
the Chinese lyric writer (engine.words.lyricist_zh: which phrase bank to draw imagery from). A description
that matches several themes gets the one it names most often; ties go to the earlier row, so sadness
outweighs love and love outweighs a party ("a sad love song" is sad).
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Theme:
    name: str
    pattern: str  # English stems (matched at word starts) | Chinese words
    moods: tuple[str, ...]  # mood tags offered to the composer ("melancholic" makes it minor)
    genres: tuple[str, ...]  # style tags, the first one the composer knows picks the profile


THEMES: tuple[Theme, ...] = (
    Theme(
        "longing",
        r"\b(homesick|nostalgi|lonel|alone|goodbye|farewell|miss(ing)? (you|home)|heartbr|sad|sorrow|grief"
        r"|tears|melanchol|memor|far from home)"
        r"|乡愁|思乡|故乡|家乡|想家|怀念|思念|想念|回忆|离别|告别|分别|再见|远方|孤独|寂寞|孤单|悲伤|伤心|难过"
        r"|忧伤|哀|泪|遗憾|失恋|分手|漂泊|异乡",
        ("melancholic", "slow"),
        ("folk", "ballad"),
    ),
    Theme(
        "sleep",
        r"\b(sleep|meditat|lullab|dreamy|bedtime)|睡觉|睡眠|入睡|晚安|冥想|摇篮|梦境",
        ("calm", "dreamy"),
        ("ambient",),
    ),
    Theme(
        "calm",
        r"\b(relax|calm|quiet|study|studying|coffee|lazy|rainy|peaceful|chill)"
        r"|安静|放松|学习|咖啡|慵懒|下雨|雨天|宁静|平静|午后",
        ("chill", "mellow"),
        ("lofi",),
    ),
    Theme(
        "love",
        r"\b(love|romanc|crush|wedding|kiss|sweetheart)|爱情|恋爱|爱你|喜欢你|心动|浪漫|表白|婚礼|情歌|甜蜜",
        ("romantic",),
        ("ballad", "pop"),
    ),
    Theme(
        "party",
        r"\b(party|danc|club|celebrat|disco|rave)|派对|聚会|跳舞|舞会|蹦迪|狂欢|夜店|庆祝|嗨",
        ("upbeat", "energetic"),
        ("dance", "pop"),
    ),
    Theme(
        "joy",
        r"\b(happy|joy|sunshine|summer|cheer|fun)|快乐|开心|高兴|欢乐|阳光|夏天|假期|微笑",
        ("happy", "upbeat"),
        ("pop",),
    ),
    Theme(
        "defiance",
        r"\b(angry|anger|rage|rebel|fight|freedom|youth|rock)|愤怒|生气|反抗|叛逆|青春|自由|呐喊|燃烧|摇滚",
        ("energetic", "aggressive"),
        ("rock",),
    ),
    Theme(
        "street",
        r"\b(street|hustle|money|hood|flex)|街头|说唱|嘻哈|兄弟",
        ("confident",),
        ("hip hop",),
    ),
)
DEFAULT = Theme("default", "", (), ("pop",))


def theme_of(text: str) -> Theme:
    """The theme a text names most often; DEFAULT when it names none."""
    low = text.lower()
    scored = [(len(re.findall(t.pattern, low)), -i, t) for i, t in enumerate(THEMES)]
    hits, _, theme = max(scored, key=lambda s: s[:2])
    return theme if hits else DEFAULT
