"""English lyric writer: a prompt becomes a titled, sectioned lyric that visibly uses the prompt's words.

Lines are built from a line opener that carries a keyword phrase and an ending drawn from a rhyme family,
so pairs of lines rhyme and every line is grammatical. Other scripts (kana, Hangul) are used as nouns
inside the English templates; Chinese prompts go to engine.words.lyricist_zh.
"""

from __future__ import annotations

import hashlib
import random
import re

from engine.words import lyric_words as bank


def seeded_rng(*parts: object) -> random.Random:
    digest = hashlib.sha256("\x1f".join(map(str, parts)).encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def title_case(text: str) -> str:
    words = text.split()
    out = [
        w
        if not w[:1].isalpha()
        else (w.lower() if 0 < i < len(words) - 1 and w.lower() in bank.SMALL else w[:1].upper() + w[1:])
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
        if w not in bank.STOP and len(w) > 1 and w not in out:
            out.append(w)
    return out


def _is_adjective(word: str) -> bool:
    if word in bank.ADJ_WORDS:
        return True
    if not word.isascii() or len(word) <= 4 or word in bank.NOUNS_LIKE_ADJECTIVES:
        return False
    return word.endswith(bank.ADJ_SUFFIX) and not word.endswith(("ity", "ry", "ey", "ay", "oy", "ed"))


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
        if low in bank.STOP or tok == ".":
            if run:
                chunks.append((det, run))
            det, run = (low if low in bank.DETERMINERS else ""), []
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
    if word in bank.ADVERBS or _is_adjective(word):
        return True
    return word.isascii() and len(word) > 4 and word.endswith(("ing", "ly"))


def imagery(words: list[str]) -> tuple[str, ...]:
    for _, (stems, nouns) in bank.THEMES.items():
        if any(w.startswith(s) for w in words for s in stems):
            return nouns
    return bank.DEFAULT_IMAGERY


def _shares_word(ending: str, used: str) -> bool:
    stems = {w[:4] for w in re.findall(r"[a-z']+", used.lower()) if len(w) > 3}
    return any(w[:4] in stems for w in re.findall(r"[a-z']+", ending.lower()) if len(w) > 3)


class _Writer:
    """Deals openers, endings and rhyme families like cards, so nothing repeats until the deck runs out."""

    def __init__(self, rng: random.Random, phrases: list[str]):
        self.rng, self.phrases, self.turn = rng, phrases, 0
        self.used: set[str] = set()
        self.families = list(bank.RHYMES)
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
        options = bank.RHYMES[family][0 if kind == "C" else 1]
        pool = [e for e in options if e not in self.used and not _shares_word(e, head)]
        choice = self.rng.choice(pool or list(options))
        self.used.add(choice)
        return choice

    def line(self, family: str, openers: tuple[tuple[str, str], ...], phrase: str | None = None) -> str:
        opener, kind = self.opener(openers)
        head = opener.format(k=phrase or self.next_phrase())
        text = head + self.ending(family, kind, head)
        return text[:1].upper() + text[1:]


def write(*, prompt: str, seed: int = 0) -> tuple[str, str]:
    """(title, sectioned lyrics) in English; deterministic for (prompt, seed)."""
    topic = topic_of(prompt)
    words = keywords(topic) or keywords(prompt) or ["tonight"]
    rng = seeded_rng("lyrics", prompt, seed)
    images = list(imagery(words))
    rng.shuffle(images)
    phrases = noun_phrases(topic) or [f"the {w}" for w in words]
    hook = topic if len(topic.split()) <= 5 else phrases[0]
    hook = hook if hook.isascii() else topic
    hook_cap = hook[:1].upper() + hook[1:]
    w = _Writer(rng, phrases[1:] + phrases[:1] if len(phrases) > 2 else phrases)

    def couplet(openers: tuple[tuple[str, str], ...]) -> list[str]:
        fam = w.family()
        return [w.line(fam, openers), w.line(fam, openers)]

    verse1 = couplet(bank.OPENERS) + couplet(bank.OPENERS)
    fam_a, fam_b = w.family(), w.family()
    chorus = [
        f"{hook_cap}, {w.ending(fam_a, 'C', hook)}",
        w.line(fam_a, bank.OPENERS, phrase=rng.choice(images)),
        f"Oh, {hook}, {w.ending(fam_b, 'C', hook)}",
        w.line(fam_b, bank.OPENERS, phrase=phrases[0]),
    ]
    verse2 = couplet(bank.OPENERS) + couplet(bank.OPENERS)
    parts = [("Verse", verse1)]
    if rng.random() < 0.5:
        parts.append(("Pre-Chorus", couplet(bank.PRE)))
    parts += [("Chorus", chorus), ("Verse 2", verse2)]
    if rng.random() < 0.75:
        parts.append(("Bridge", couplet(bank.BRIDGE) + (couplet(bank.BRIDGE) if rng.random() < 0.4 else [])))
    parts.append(("Chorus", chorus))
    if rng.random() < 0.4:
        parts.append(("Outro", [f"{hook_cap}...", f"Oh, {hook}"]))
    return title_case(topic), _join(parts)


def _join(parts: list[tuple[str, list[str]]]) -> str:
    return "\n\n".join(f"[{name}]\n" + "\n".join(lines) for name, lines in parts)
