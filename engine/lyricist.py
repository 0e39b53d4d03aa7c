"""Template lyricist: a prompt becomes a titled, sectioned lyric that visibly uses the prompt's words.

Lines are built from a line opener that carries a keyword phrase and an ending drawn from a rhyme family,
so pairs of lines rhyme and every line is grammatical. Chinese prompts get Chinese templates; other
scripts are used as nouns inside the English templates.
"""

from __future__ import annotations

import hashlib
import random
import re
import zlib

# --- word banks ---------------------------------------------------------------------------------------------

# Rhyme families: (full clauses that can follow a comma, phrases that can close a line).
_RHYMES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "ight": (
        (
            "everything feels right",
            "we were burning bright",
            "I won't give up the fight",
            "you held me close tonight",
            "the world turns black and white",
        ),
        (
            "into the night",
            "under the neon light",
            "out of sight",
            "with all my might",
            "until the morning light",
        ),
    ),
    "ain": (
        (
            "I'm calling out your name again",
            "nothing stays the same",
            "I'd do it all again",
            "I can feel it in my veins",
        ),
        ("through the falling rain", "down memory lane", "on the midnight train", "like a hurricane"),
    ),
    "ay": (
        (
            "I don't wanna walk away",
            "you told me I could stay",
            "the colors fade to gray",
            "we'll find a better day",
        ),
        ("far away", "every single day", "along the way", "at the break of day"),
    ),
    "ow": (
        (
            "I'll never let you go",
            "the rivers start to flow",
            "I think you'll never know",
            "the embers start to glow",
        ),
        ("down below", "in the afterglow", "nice and slow", "so long ago"),
    ),
    "art": (
        (
            "you're still inside my heart",
            "we were torn apart",
            "it's time to make a start",
            "I knew it from the start",
        ),
        ("with all my heart", "worlds apart", "right from the start", "falling apart"),
    ),
    "ire": (
        ("we're standing in the fire", "you take me higher", "I'm burning with desire"),
        ("like a wildfire", "on a high wire", "higher and higher"),
    ),
    "ee": (
        ("you were meant for me", "now I'm finally free", "it's where I wanna be", "it's all I need to see"),
        ("by the sea", "endlessly", "out here with me", "for you and me"),
    ),
    "ound": (
        ("my feet don't touch the ground", "the world keeps spinning round", "I love the way it sounds"),
        ("all around", "without a sound", "back to solid ground", "when no one is around"),
    ),
    "ore": (
        ("I want a little more", "I've been here before", "my heart is on the floor"),
        ("on the shore", "forevermore", "through the open door", "like never before"),
    ),
    "ind": (
        ("you're always on my mind", "I leave it all behind", "the answers hard to find"),
        ("one of a kind", "left behind", "to ease my mind", "for the rest of time"),
    ),
    "un": (
        ("we have only just begun", "we're racing with the sun", "I'm not the only one"),
        ("under the sun", "on the run", "one by one", "till the day is done"),
    ),
    "eams": (
        ("nothing's what it seems", "I'm bursting at the seams", "we're living out our dreams"),
        ("in my dreams", "in silver streams", "in golden beams"),
    ),
}

_OPENERS = (  # {k}: a keyword phrase (already with its article when it needs one)
    ("Walking through {k}, ", "C"),
    ("I remember {k} ", "P"),
    ("Lost in {k} ", "P"),
    ("Take me back to {k} ", "P"),
    ("Hold on to {k}, ", "C"),
    ("All I need is {k} ", "P"),
    ("I've been chasing {k} ", "P"),
    ("Tell me 'bout {k}, ", "C"),
    ("We were dancing with {k} ", "P"),
    ("Every little piece of {k} ", "P"),
    ("Call it {k}, ", "C"),
    ("There's a fire in {k} ", "P"),
    ("Whispers of {k}, ", "C"),
    ("I keep dreaming of {k} ", "P"),
    ("Underneath {k}, ", "C"),
    ("Running back to {k} ", "P"),
    ("I can hear {k} calling ", "P"),
)
_BRIDGE = (
    ("And if {k} should fade, ", "C"),
    ("Maybe {k} is all we need ", "P"),
    ("When {k} is gone, ", "C"),
    ("So I'll sing about {k} ", "P"),
    ("Even when {k} falls apart, ", "C"),
)
_PRE = (
    ("And I can feel it now ", "P"),
    ("Here it comes again, ", "C"),
    ("Don't you let it go ", "P"),
    ("Can you hear it calling ", "P"),
)

_THEMES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {  # trigger stems -> imagery nouns
    "rain": (
        ("rain", "storm", "cloud", "thunder", "grey", "gray"),
        ("puddles", "gray skies", "windows", "umbrellas"),
    ),
    "night": (
        ("night", "city", "neon", "moon", "midnight", "dark"),
        ("streetlights", "shadows", "neon signs", "taxis"),
    ),
    "summer": (
        ("summer", "sun", "beach", "sea", "ocean", "wave", "holiday"),
        ("sunsets", "golden days", "ocean waves", "sandy roads"),
    ),
    "love": (
        ("love", "heart", "kiss", "baby", "darling"),
        ("heartbeats", "promises", "love letters", "slow dances"),
    ),
    "road": (
        ("road", "drive", "car", "highway", "travel", "train"),
        ("highways", "headlights", "open roads", "motels"),
    ),
    "home": (
        ("home", "town", "mother", "father", "family", "child"),
        ("old photographs", "front porches", "kitchen lights", "hometown streets"),
    ),
    "sky": (
        ("star", "sky", "dream", "space", "fly"),
        ("satellites", "shooting stars", "constellations", "clouds"),
    ),
    "winter": (
        ("winter", "snow", "cold", "ice", "christmas"),
        ("snowflakes", "frozen lakes", "fireplaces", "white hills"),
    ),
    "party": (
        ("party", "dance", "club", "friday", "weekend"),
        ("disco lights", "dance floors", "loud speakers", "crowds"),
    ),
}
_DEFAULT_IMAGERY = ("city lights", "open skies", "old songs", "empty streets")

_STOP = {
    "a",
    "an",
    "the",
    "and",
    "or",
    "but",
    "of",
    "to",
    "in",
    "on",
    "at",
    "for",
    "with",
    "about",
    "from",
    "by",
    "as",
    "is",
    "are",
    "was",
    "were",
    "be",
    "been",
    "being",
    "it",
    "its",
    "this",
    "that",
    "these",
    "those",
    "my",
    "your",
    "our",
    "their",
    "his",
    "her",
    "me",
    "you",
    "we",
    "they",
    "i",
    "he",
    "she",
    "them",
    "us",
    "song",
    "songs",
    "track",
    "tune",
    "music",
    "write",
    "make",
    "create",
    "compose",
    "generate",
    "please",
    "some",
    "something",
    "lyrics",
    "lyric",
    "into",
    "over",
    "under",
    "very",
    "really",
    "just",
    "like",
    "feel",
    "feeling",
    "vibe",
    "vibes",
    "style",
    "kind",
    "sort",
}
_ADJ_SUFFIX = ("y", "ful", "less", "ous", "ive", "al", "ic", "ish", "ed", "ant", "ent")
_ADJ_WORDS = {
    "blue",
    "red",
    "green",
    "golden",
    "silver",
    "dark",
    "bright",
    "cold",
    "warm",
    "wild",
    "free",
    "lonely",
    "sad",
    "happy",
    "young",
    "old",
    "new",
    "last",
    "first",
    "lost",
    "broken",
    "quiet",
    "loud",
    "slow",
    "fast",
    "sweet",
    "bitter",
    "electric",
    "upbeat",
    "chill",
    "dreamy",
    "late",
    "early",
    "deep",
    "high",
    "long",
    "little",
    "big",
    "small",
    "soft",
    "hard",
    "true",
    "pure",
    "endless",
    "neon",
    "midnight",
}

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_KANA_HANGUL = re.compile(r"[\u3040-\u30ff\uac00-\ud7af]")

_ZH_OPENERS = (
    "想起{k}",
    "那年的{k}",
    "梦里的{k}",
    "一路的{k}",
    "谁在唱着{k}",
    "我把{k}",
    "写给{k}",
    "风吹过{k}",
    "{k}啊{k}",
    "守着{k}",
)
_ZH_RHYMES = (
    ("在远方", "梦一场", "风在唱", "回故乡", "夜未央", "月光长", "泪两行", "心里的光"),
    ("在心头", "不回头", "慢慢走", "到白头", "握紧手", "在街口", "向前走"),
    ("在天边", "梦里见", "又一年", "在眼前", "说再见", "看不见", "灯火阑珊"),
    ("在梦里", "忘不了你", "风里雨里", "写进日记", "在一起", "藏在心底"),
)


# --- helpers ------------------------------------------------------------------------------------------------


def _rng(*parts: object) -> random.Random:
    digest = hashlib.sha256("\x1f".join(map(str, parts)).encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


_SMALL = {"a", "an", "the", "and", "or", "but", "of", "to", "in", "on", "at", "for", "by", "with", "from"}


def title_case(text: str) -> str:
    words = text.split()
    out = [
        w
        if not w[:1].isalpha()
        else (w.lower() if 0 < i < len(words) - 1 and w.lower() in _SMALL else w[:1].upper() + w[1:])
        for i, w in enumerate(words)
    ]
    title = " ".join(out)
    if len(title) > 80:
        title = title[:80].rsplit(" ", 1)[0] if " " in title[:80] else title[:80]
    return title


def topic_of(prompt: str) -> str:
    """The subject of a request: 'write a sad song about rainy city nights' -> 'rainy city nights'."""
    text = " ".join(prompt.strip().split())
    zh = re.search(r"关于(.+?)(?:的(?:歌|歌曲|曲子|民谣|摇滚|说唱)?)?$", text)  # 一首关于乡愁的民谣 -> 乡愁
    if zh:
        return zh.group(1).strip("，。！？ ") or text
    m = re.search(r"\b(?:about|of|for|on)\s+(.+)$", text, flags=re.I)
    if m and re.search(r"\b(song|track|tune|ballad|anthem|lyrics|piece)\b", text[: m.start()], flags=re.I):
        text = m.group(1)
    text = re.sub(r"^(?:a|an|the)\s+", "", text, flags=re.I)
    return text.strip(" .,!?;:\"'")[:120] or "tonight"


def keywords(text: str) -> list[str]:
    words = re.findall(r"[^\W\d_]+(?:'[^\W\d_]+)?", text.lower())
    out: list[str] = []
    for w in words:
        if w not in _STOP and len(w) > 1 and w not in out:
            out.append(w)
    return out


_NOUNS_LIKE_ADJECTIVES = {
    "party",
    "body",
    "story",
    "baby",
    "lady",
    "money",
    "honey",
    "family",
    "country",
    "journey",
    "energy",
    "melody",
    "harmony",
    "galaxy",
    "destiny",
    "symphony",
    "army",
    "daddy",
    "mommy",
    "drive",
    "festival",
    "animal",
    "crystal",
    "signal",
    "arrival",
    "island",
    "diamond",
    "moment",
    "ocean",
    "element",
}
_ADVERBS = {
    "away",
    "again",
    "back",
    "out",
    "up",
    "down",
    "off",
    "around",
    "together",
    "alone",
    "tonight",
    "forever",
    "now",
    "here",
    "there",
    "still",
}


def _is_adjective(word: str) -> bool:
    if word in _ADJ_WORDS:
        return True
    if not word.isascii() or len(word) <= 4 or word in _NOUNS_LIKE_ADJECTIVES:
        return False
    return word.endswith(_ADJ_SUFFIX) and not word.endswith(("ity", "ry", "ey", "ay", "oy", "ed"))


_DETERMINERS = {"my", "your", "our", "their", "his", "her", "the", "a", "an", "this", "that"}


def noun_phrases(topic: str) -> list[str]:
    """Keyword phrases with sensible articles: runs of content words, their head nouns and adjective pairs.

    'rainy city nights' -> ['the rainy city nights', 'the city', 'the nights', 'the rainy city'];
    'my grandmother's kitchen' keeps its own determiner: ['my grandmother's kitchen', 'the kitchen'].
    """
    tokens = re.findall(r"[^\W\d_]+(?:'[^\W\d_]+)?|\d+\w*", topic)
    chunks: list[tuple[str, list[str]]] = []
    det, run = "", []
    for tok in [*tokens, "."]:
        low = tok.lower()
        if low in _STOP or tok == ".":
            if run:
                chunks.append((det, run))
            det, run = (low if low in _DETERMINERS else ""), []
        else:
            run.append(tok if not tok.isascii() else low)
    out: list[str] = []

    def add(text: str) -> None:
        if text not in out:
            out.append(text)

    for det, run in chunks:
        article = det if det not in ("a", "an", "") else "the"
        if not run[0].isascii() or _is_modifier(run[-1]):  # "studying late" takes no article
            article = ""
        add(f"{article} {' '.join(run)}".strip())
        for i, word in enumerate(run):
            if not _is_modifier(word) and not word.endswith("'s") and len(run) > 1:
                add(f"the {word}" if word.isascii() else word)
            elif _is_adjective(word) and i + 1 < len(run) and len(run) > 2 and not _is_modifier(run[i + 1]):
                add(f"the {word} {run[i + 1]}")
    return out


def _is_modifier(word: str) -> bool:
    """Adjectives, gerunds and adverbs: words that cannot stand alone after 'the'."""
    if word in _ADVERBS or _is_adjective(word):
        return True
    return word.isascii() and len(word) > 4 and word.endswith(("ing", "ly"))


def _imagery(words: list[str]) -> tuple[str, ...]:
    for _, (stems, nouns) in _THEMES.items():
        if any(w.startswith(s) for w in words for s in stems):
            return nouns
    return _DEFAULT_IMAGERY


def _shares_word(ending: str, used: str) -> bool:
    stems = {w[:4] for w in re.findall(r"[a-z']+", used.lower()) if len(w) > 3}
    return any(w[:4] in stems for w in re.findall(r"[a-z']+", ending.lower()) if len(w) > 3)


class _Writer:
    """Deals openers, endings and rhyme families like cards, so nothing repeats until the deck runs out."""

    def __init__(self, rng: random.Random, phrases: list[str]):
        self.rng, self.phrases, self.turn = rng, phrases, 0
        self.used: set[str] = set()
        self.families = list(_RHYMES)
        rng.shuffle(self.families)
        self.decks: dict[int, list[tuple[str, str]]] = {}

    def family(self) -> str:
        fam = self.families.pop(0)
        self.families.append(fam)
        return fam

    def next_phrase(self) -> str:
        p = self.phrases[self.turn % len(self.phrases)]
        self.turn += 1
        return p

    def opener(self, openers: tuple[tuple[str, str], ...]) -> tuple[str, str]:
        deck = self.decks.setdefault(id(openers), [])
        if not deck:
            deck.extend(openers)
            self.rng.shuffle(deck)
        return deck.pop()

    def ending(self, family: str, kind: str, head: str = "") -> str:
        options = _RHYMES[family][0 if kind == "C" else 1]
        pool = [e for e in options if e not in self.used and not _shares_word(e, head)]
        choice = self.rng.choice(pool or list(options))
        self.used.add(choice)
        return choice

    def line(self, family: str, openers: tuple[tuple[str, str], ...], phrase: str | None = None) -> str:
        opener, kind = self.opener(openers)
        head = opener.format(k=phrase or self.next_phrase())
        text = head + self.ending(family, kind, head)
        return text[:1].upper() + text[1:]


def _english(prompt: str, seed: int) -> tuple[str, str]:
    topic = topic_of(prompt)
    words = keywords(topic) or keywords(prompt) or ["tonight"]
    rng = _rng("lyrics", prompt, seed)
    imagery = list(_imagery(words))
    rng.shuffle(imagery)
    phrases = noun_phrases(topic) or [f"the {w}" for w in words]
    hook = topic if len(topic.split()) <= 5 else phrases[0]
    hook = hook if hook.isascii() else topic
    hook_cap = hook[:1].upper() + hook[1:]
    w = _Writer(rng, phrases[1:] + phrases[:1] if len(phrases) > 2 else phrases)

    def couplet(openers: tuple[tuple[str, str], ...]) -> list[str]:
        fam = w.family()
        return [w.line(fam, openers), w.line(fam, openers)]

    verse1 = couplet(_OPENERS) + couplet(_OPENERS)
    fam_a, fam_b = w.family(), w.family()
    chorus = [
        f"{hook_cap}, {w.ending(fam_a, 'C', hook)}",
        w.line(fam_a, _OPENERS, phrase=rng.choice(imagery)),
        f"Oh, {hook}, {w.ending(fam_b, 'C', hook)}",
        w.line(fam_b, _OPENERS, phrase=phrases[0]),
    ]
    verse2 = couplet(_OPENERS) + couplet(_OPENERS)
    parts = [("Verse", verse1)]
    if rng.random() < 0.5:
        parts.append(("Pre-Chorus", couplet(_PRE)))
    parts += [("Chorus", chorus), ("Verse 2", verse2)]
    if rng.random() < 0.75:
        parts.append(("Bridge", couplet(_BRIDGE) + (couplet(_BRIDGE) if rng.random() < 0.4 else [])))
    parts.append(("Chorus", chorus))
    if rng.random() < 0.4:
        parts.append(("Outro", [f"{hook_cap}...", f"Oh, {hook}"]))
    return title_case(topic), _join(parts)


def _chinese(prompt: str, seed: int) -> tuple[str, str]:
    runs = _HAN.findall(prompt)
    key = max(runs, key=len)[:8]
    rng = _rng("lyrics-zh", prompt, seed)
    families = list(_ZH_RHYMES)
    rng.shuffle(families)

    def stanza(fam: tuple[str, ...], count: int = 4) -> list[str]:
        ends = rng.sample(fam, min(count, len(fam)))
        return [f"{rng.choice(_ZH_OPENERS).format(k=key)}，{ends[i % len(ends)]}" for i in range(count)]

    chorus = [
        f"{key}，{families[1][0]}",
        f"{rng.choice(_ZH_OPENERS).format(k=key)}，{families[1][1]}",
        f"哦，{key}，{families[1][2]}",
        f"{rng.choice(_ZH_OPENERS).format(k=key)}，{families[1][3]}",
    ]
    parts = [
        ("Verse", stanza(families[0])),
        ("Chorus", chorus),
        ("Verse 2", stanza(families[2])),
        ("Bridge", stanza(families[3], 2)),
        ("Chorus", chorus),
    ]
    return prompt.strip()[:80], _join(parts)


def _join(parts: list[tuple[str, list[str]]]) -> str:
    return "\n\n".join(f"[{name}]\n" + "\n".join(lines) for name, lines in parts)


# --- syllables (the composer sings one note per syllable) ------------------------------------------------

_VOWELS = ("a", "e", "i", "o", "u")


def _crc(text: str) -> int:
    return zlib.crc32(text.encode())


_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")
_VOWEL_GROUP = re.compile(r"[^aeiouy]*[aeiouy]+")


def syllables(line: str) -> list[tuple[str, str]]:
    """(vowel, onset) per syllable; onset is 'hiss', 'click' or 'soft'. Each CJK character is a syllable."""
    out: list[tuple[str, str]] = []
    for token in re.findall(
        r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]|[^\W\d_]+", line.lower()
    ):
        if _CJK.match(token):
            h = _crc(token)
            out.append((_VOWELS[h % 5], ("soft", "hiss", "click")[(h >> 3) % 3]))
            continue
        groups = _VOWEL_GROUP.findall(token) if token.isascii() else []
        if len(groups) > 1 and token.endswith("e") and groups[-1][-1:] == "e" and not token.endswith("le"):
            groups = groups[:-1]
        if not groups:  # non-Latin alphabets or vowel-less words: roughly one syllable per 3 letters
            h = _crc(token)
            out.extend((_VOWELS[(h + i) % 5], "soft") for i in range(max(1, len(token) // 3)))
            continue
        for g in groups:
            vowel = next(c for c in g if c in "aeiouy")
            onset = "hiss" if g[:1] in set("sfzcx") else "click" if g[:1] in set("ptkbdgqj") else "soft"
            out.append(("i" if vowel == "y" else vowel, onset))
    return out


# --- public API ---------------------------------------------------------------------------------------------


def write_lyrics(*, prompt: str, seed: int = 0) -> tuple[str, str]:
    """(title, sectioned lyrics) for a prompt; deterministic for (prompt, seed)."""
    prompt = prompt.strip() or "tonight"
    if _HAN.search(prompt) and not _KANA_HANGUL.search(prompt):
        return _chinese(prompt, seed)
    return _english(prompt, seed)


_STYLE_WORDS = (  # (regex, tag) in the order they are offered to the composer
    (r"heavy metal|metal", "metal"),
    (r"pop[- ]?punk|punk", "punk"),
    (r"lo-?fi", "lofi"),
    (r"hip[- ]?hop", "hip hop"),
    (r"\btrap\b", "trap"),
    (r"\brap\b", "rap"),
    (r"\bedm\b", "edm"),
    (r"\bhouse\b", "house"),
    (r"techno", "techno"),
    (r"synthwave", "synthwave"),
    (r"ambient", "ambient"),
    (r"ballad", "ballad"),
    (r"\brock\b", "rock"),
    (r"\bpop\b", "pop"),
    (r"\bjazz", "jazz"),
    (r"\bfolk\b", "folk"),
    (r"r&b|rnb", "r&b"),
    (r"country", "country"),
    (r"\bindie\b", "indie"),
    (r"acoustic", "acoustic"),
    (r"cinematic|orchestral", "cinematic"),
    (r"\bdance\b", "dance"),
    (r"disco", "disco"),
    (r"funk", "funk"),
    (r"\bsoul\b", "soul"),
    (r"blues", "blues"),
    (r"民谣", "folk"),
    (r"摇滚", "rock"),
    (r"流行", "pop"),
    (r"说唱", "rap"),
    (r"电子", "edm"),
    (r"抒情", "ballad"),
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
    "piano",
    "guitar",
    "synth",
    "strings",
    "808",
    "bass",
    "drums",
    "violin",
    "female vocals",
    "male vocals",
)


def inspire(*, description: str, seed: int = 0, instrumental: bool = False) -> dict:
    """Description-to-song: {"title", "tags", "lyrics"} from a free-text idea."""
    low = description.lower()
    found: list[tuple[int, str]] = []
    for pattern, tag in _STYLE_WORDS:
        m = re.search(pattern, low)
        if m and tag not in (t for _, t in found):
            found.append((m.start(), tag))
    genres = [t for _, t in sorted(found)]
    moods = [w for w in _MOOD_WORDS if re.search(rf"\b{re.escape(w)}\b", low)]
    gear = [w for w in _INSTRUMENT_WORDS if re.search(rf"\b{re.escape(w)}\b", low)]
    if not genres:
        sad = {"sad", "melancholic"} & set(moods)
        genres = ["lofi"] if "chill" in moods else ["ballad"] if sad else ["pop"]
    if not moods:
        moods = ["upbeat"] if genres[0] in ("pop", "edm", "punk", "house", "dance", "disco") else []
    tags = ", ".join(dict.fromkeys(moods[:2] + genres[:2] + gear[:2]))
    topic = topic_of(description)
    if topic.lower() == description.strip().lower():  # no "song about ...": drop the style words instead
        style = set(moods) | set(genres) | set(gear) | {"song", "track", "tune", "music", "beat"}
        rest = [w for w in re.findall(r"[^\W_]+", topic) if w.lower() not in style and w.lower() not in _STOP]
        topic = " ".join(rest) if any(w.isalpha() for w in rest) else ""
        if not topic:  # nothing but style words: borrow imagery ("dark trap beat" -> "dark shadows")
            mood = moods[0] if moods else "midnight"
            topic = f"{mood} {_rng('topic', description, seed).choice(_imagery(moods + genres))}"
    title, lyrics = write_lyrics(prompt=topic, seed=seed)
    return {"title": title, "tags": tags or "pop, upbeat", "lyrics": "" if instrumental else lyrics}
