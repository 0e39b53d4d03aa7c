"""Chinese lyric writer: a prompt like 乡愁 becomes singable Chinese lyrics that rhyme.

Singable means the lines fit the melody: the composer sings one note per character, so every verse and
chorus line has seven characters, read in the 4 + 3 rhythm of classical 七言 verse (a four-character
image, then a three-character ending), and the bridge and outro have five (2 + 3). Line ends rhyme by
the traditional 十三辙 groups (engine.voice.pinyin): the chorus ends every line in one group, the verses every
other line. The prompt's words open lines in every section; imagery comes from a phrase bank for the
prompt's theme (engine.words.moods). The same prompt and seed always give the same lyrics.
"""

from __future__ import annotations

import random
import re

from engine.voice import pinyin
from engine.words import moods
from engine.words.lyricist_en import seeded_rng, topic_of

VERSE_CHARS, CHORUS_CHARS, BRIDGE_CHARS = 7, 7, 5


def _phrases(text: str) -> tuple[str, ...]:
    """Phrase banks are written as space-separated strings: a line of hanzi reads better than a list."""
    return tuple(text.split())


# Three-character line endings by rhyme group: the last character carries the rhyme.
TAILS: dict[str, tuple[str, ...]] = {
    "江阳": _phrases("在远方 回故乡 月光凉 风在唱 梦一场 路还长 桂花香 心里藏 旧时光 满身霜"),
    "言前": _phrases("在天边 又一年 在眼前 说再见 看不见 到明天 月儿圆 在心间 风吹散 走不完"),
    "由求": _phrases("在心头 不回头 慢慢走 到白头 握紧手 在街口 几春秋 水长流 为你留 绕指柔"),
    "一七": _phrases("在梦里 藏心底 在一起 风雨里 写日记 等着你 不放弃 到天际 小雨滴 那首诗"),
    "中东": _phrases("在风中 满天星 一场梦 唱不停 夜空中 有回声 心跳声 向前冲 万家灯 满天红"),
    "人辰": _phrases("梦里人 一颗心 到清晨 雨纷纷 天边云 归来人 在黄昏 等的人 一路奔 最温存"),
    "遥条": _phrases("不知道 慢慢老 心在跳 路迢迢 在奔跑 微微笑 风在飘 忘不掉 刚刚好 月儿高"),
    "发花": _phrases("回到家 满天霞 落窗下 开成花 说句话 走天涯 映晚霞 望着她 一杯茶 看烟花"),
    "灰堆": _phrases("不后悔 心已醉 为了谁 风在吹 梦相随 泪低垂 星光坠 你是谁 不言累 向天飞"),
}

# Four-character images (line openers) and two-character words (short lines), by theme.
IMAGES: dict[str, tuple[str, ...]] = {
    "longing": _phrases("月光如水 老屋门前 站台灯下 炊烟袅袅 离家那天 夜深人静 雁字南飞 故乡小路"),
    "love": _phrases("初见那天 你的眼睛 十指相扣 街角咖啡 心跳加速 晚风轻轻 牵着你手 说好以后"),
    "party": _phrases("灯光闪烁 音乐响起 举起双手 跟着节拍 今夜不眠 舞池中央 周末晚上 尽情摇摆"),
    "joy": _phrases("阳光正好 夏天的风 骑着单车 海边沙滩 蓝天白云 脚步轻快 冰镇汽水 清晨醒来"),
    "calm": _phrases("窗外小雨 一杯咖啡 午后时光 书页翻动 慢慢呼吸 街灯昏黄 猫在窗台 云淡风轻"),
    "sleep": _phrases("星星眨眼 月亮弯弯 晚风轻轻 闭上眼睛 云朵柔软 夜色温柔 银河流淌 萤火点点"),
    "defiance": _phrases("握紧拳头 不再沉默 迎着狂风 年少轻狂 冲破牢笼 大声呐喊 燃烧青春 踏碎黑夜"),
    "street": _phrases("街头巷尾 兄弟并肩 霓虹闪烁 城市角落 脚踩节拍 从零开始 夜里奔跑 一路向前"),
    "default": _phrases("城市灯火 街角路口 晚风吹过 时光匆匆 岁月如歌 一路走来 抬头看天 人来人往"),
}
WORDS: dict[str, tuple[str, ...]] = {
    "longing": _phrases("故乡 明月 归途 乡音 远山"),
    "love": _phrases("爱你 牵手 想你 陪你 心动"),
    "party": _phrases("跳吧 今夜 狂欢 干杯 舞吧"),
    "joy": _phrases("阳光 夏天 微笑 奔跑 晴天"),
    "calm": _phrases("细雨 微风 咖啡 书香 午后"),
    "sleep": _phrases("晚安 星光 睡吧 梦里 月亮"),
    "defiance": _phrases("呐喊 青春 自由 燃烧 向前"),
    "street": _phrases("兄弟 街头 节拍 霓虹 向前"),
    "default": _phrases("晚风 灯火 远方 时光 岁月"),
}

# How a keyword of each length fills the four-character opening of a 4 + 3 line.
_FRAMES = {
    1: ("为{k}而歌", "心中的{k}", "一个{k}字", "说起{k}来"),
    2: ("又见{k}", "{k}依旧", "梦里{k}", "遥望{k}", "唱着{k}", "满眼{k}", "还是{k}", "写给{k}", "那年{k}"),
    3: ("那{k}", "{k}啊", "这{k}", "唱{k}"),
    4: ("{k}",),
}
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_KANA_HANGUL = re.compile(r"[\u3040-\u30ff\uac00-\ud7af]")
_FILLER = re.compile(  # request and style words: not what the song is about
    r"请|帮我|给我|为我|写一首|写首|来一首|一首|一支|首|关于|歌曲|的歌|歌词|音乐|风格|旋律"
    r"|摇滚|民谣|流行|说唱|嘻哈|电子|电音|舞曲|抒情|爵士|金属|朋克|氛围|低保真|乡村|蓝调"
)
_FUNCTION = re.compile(r"[的和与跟在了着是我你他她们吧呢啊吗很也都就把被让]+")


def is_chinese(text: str) -> bool:
    """Han characters and no kana or Hangul (those are Japanese or Korean, written in English templates)."""
    return bool(_HAN.search(text)) and not _KANA_HANGUL.search(text)


def topic(description: str) -> str:
    """The subject of a Chinese request: 写一首关于厦门的歌 -> 厦门, a song about 乡愁 -> 乡愁."""
    text = _FILLER.sub(" ", topic_of(description))
    text = re.sub(r"^[的\s]+|[的\s，。！？、,.!?]+$", "", text)
    return " ".join(text.split()) if _HAN.search(text) else ""  # nothing Chinese left: no subject


def keywords(prompt: str) -> list[str]:
    """Han words of the prompt to sing (1-4 characters each), in order: 厦门的海风 -> [厦门, 海风]."""
    out: list[str] = []
    for run in _HAN.findall(_FILLER.sub(" ", prompt)):
        for chunk in _FUNCTION.split(run):
            pieces = [chunk] if len(chunk) <= 4 else [chunk[i : i + 2] for i in range(0, len(chunk) - 1, 2)]
            out.extend(p for p in pieces if p and p not in out)
    return out


def _opening(word: str, rng: random.Random) -> str:
    """A four-character opening that holds the keyword."""
    return rng.choice(_FRAMES[len(word)]).format(k=word)


def _short(word: str) -> str:
    """A two-character form of a keyword for the 2 + 3 lines."""
    return word if len(word) == 2 else word + "啊" if len(word) == 1 else word[:2]


class _Deck:
    """Deals phrases without repeats until a pile runs out, so a section never says the same thing twice."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.piles: dict[str, list[str]] = {}

    def deal(self, name: str, options: tuple[str, ...]) -> str:
        pile = self.piles.setdefault(name, [])
        if not pile:
            pile.extend(options)
            self.rng.shuffle(pile)
        return pile.pop()


def _groups(words: list[str], rng: random.Random) -> list[str]:
    """Rhyme groups for chorus, verse 1, verse 2, bridge: the chorus rhymes with the keyword when it can."""
    rest = list(TAILS)
    rng.shuffle(rest)
    own = pinyin.rhyme_group(words[0][-1])
    if own in TAILS:
        rest.remove(own)
        rest.insert(0, own)
    return rest[:4]


def _verse(deck: _Deck, theme: str, words: list[str], group: str, rng: random.Random) -> list[str]:
    """Four 7-character lines; lines 2 and 4 end in the group, lines 1 and 3 open with the keywords."""
    other = next(g for g in TAILS if g != group)
    lines = []
    for i in range(4):
        head = _opening(words[i // 2 % len(words)], rng) if i % 2 == 0 else deck.deal(theme, IMAGES[theme])
        tail = deck.deal(group, TAILS[group]) if i % 2 else deck.deal(other, TAILS[other])
        lines.append(head + tail)
    return lines


def _chorus(deck: _Deck, theme: str, words: list[str], group: str, rng: random.Random) -> list[str]:
    """Four 7-character lines all ending in one rhyme group; the hook word opens lines 1 and 3."""
    hook = words[0]
    heads = [_opening(hook, rng), deck.deal(theme, IMAGES[theme]), _opening(hook, rng)]
    heads.append(deck.deal(theme, IMAGES[theme]))
    return [head + deck.deal(group, TAILS[group]) for head in heads]


def _short_lines(deck: _Deck, theme: str, first: str, group: str) -> list[str]:
    """Two 5-character lines (2 + 3) ending in one group, the first opening with a keyword."""
    return [
        _short(first) + deck.deal(group, TAILS[group]),
        deck.deal(f"w-{theme}", WORDS[theme]) + deck.deal(group, TAILS[group]),
    ]


def write(*, prompt: str, seed: int = 0, theme: moods.Theme | None = None) -> tuple[str, str]:
    """(title, lyrics) in Chinese: [Verse] [Chorus] [Verse 2] [Bridge] [Chorus] [Outro]."""
    theme_name = (theme or moods.theme_of(prompt)).name
    rng = seeded_rng("lyrics-zh", prompt, seed)
    subject = topic(prompt) or rng.choice(WORDS[theme_name])  # "一首摇滚" names no subject: borrow one
    words = keywords(subject) or [rng.choice(WORDS[theme_name])]
    deck = _Deck(rng)
    chorus_group, group_a, group_b, group_c = _groups(words, rng)
    chorus = _chorus(deck, theme_name, words, chorus_group, rng)
    parts = [
        ("Verse", _verse(deck, theme_name, words, group_a, rng)),
        ("Chorus", chorus),
        ("Verse 2", _verse(deck, theme_name, words[1:] + words[:1], group_b, rng)),
        ("Bridge", _short_lines(deck, theme_name, words[-1], group_c)),
        ("Chorus", chorus),
        ("Outro", _short_lines(deck, theme_name, words[0], chorus_group)),
    ]
    title = subject if len(subject) <= 20 else words[0]
    return title, "\n\n".join(f"[{name}]\n" + "\n".join(lines) for name, lines in parts)
