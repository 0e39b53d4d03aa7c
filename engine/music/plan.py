"""The song plan: tempo, key, mode, progressions and the form (sections and bars), from tags and lyrics.

hash(tags, title, seed) picks the genre profile's tempo, key, mode and progressions; the lyric section tags
shape the form. Also the harmony helpers the plan implies (chord of a bar, voicings). engine.music.composer
renders a plan; engine.music.melody writes its tunes.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

import numpy as np

from engine.music.genres import NOTE_NAMES, PROFILES, SCALES, Profile, mood_mode, pick_genre, tempo_span
from engine.voice.syllables import syllables

_ROMAN = ("i", "ii", "iii", "iv", "v", "vi", "vii")
TAIL_S = 2.0  # ring-out after the form (ambient: 3 s); counted when a song is stretched to a length


# --- song plan ----------------------------------------------------------------------------------------------


@dataclass
class Section:
    name: str
    role: str  # intro, verse, prechorus, chorus, bridge, inst, outro
    lines: list[str]
    bars: int = 0
    start: int = 0  # bar index


@dataclass
class Plan:
    profile: Profile
    bpm: float
    tonic: int
    mode: str
    progs: dict[str, tuple[int, ...]]
    sections: list[Section]
    seed: int
    voice_root: int
    bar_lines: int  # bars per sung line
    variety: float = 0.5  # melody leaps (Controls.variety)

    @property
    def bar_s(self) -> float:
        return 240.0 / self.bpm

    @property
    def scale(self) -> tuple[int, ...]:
        return SCALES[self.mode]


def _digest(*parts: object) -> int:
    raw = "\x1f".join(map(str, parts)).encode()
    return int.from_bytes(hashlib.sha256(raw).digest()[:8], "big")


def _key_pc(key: str) -> int:
    """'F#', 'Bb', 'c' -> pitch class."""
    k = key.strip().replace("♯", "#").replace("♭", "b")
    name = k[:1].upper() + k[1:2]
    if name in NOTE_NAMES:
        return NOTE_NAMES.index(name)
    return (NOTE_NAMES.index(name[0]) - (1 if name[1:] == "b" else 0)) % 12


TAG_LINE = re.compile(r"^\s*[\[【]([^\]】]+)[\]】]\s*$")  # [Verse] or 【主歌】


_ROLE_WORDS = (
    ("chorus", ("chorus", "hook", "refrain", "drop", "副歌")),
    ("bridge", ("bridge", "桥段")),
    ("intro", ("intro", "前奏")),
    ("outro", ("outro", "ending", "fade", "尾奏")),
    ("inst", ("instrumental", "solo", "break", "interlude", "间奏")),
)


def _role(tag: str) -> str:
    """Section role from a tag; anything unknown is sung like a verse."""
    t = tag.lower()
    if "pre" in t and "chorus" in t:
        return "prechorus"
    for role, words in _ROLE_WORDS:
        if any(w in t for w in words):
            return role
    return "outro" if t.strip() == "end" else "verse"


def parse_sections(lyrics: str) -> list[Section]:
    """Split lyrics on [Tag] lines. Untagged stanzas: repeats are choruses, the rest alternate."""
    sections: list[Section] = []
    if any(TAG_LINE.match(line) for line in lyrics.splitlines()):
        for line in lyrics.splitlines():
            m = TAG_LINE.match(line)
            if m:
                sections.append(Section(m.group(1).strip().title(), _role(m.group(1)), []))
            elif line.strip():
                if not sections:
                    sections.append(Section("Verse", "verse", []))
                sections[-1].lines.append(line.strip())
        return sections
    stanzas = [[ln.strip() for ln in s.splitlines() if ln.strip()] for s in re.split(r"\n\s*\n", lyrics)]
    stanzas = [s for s in stanzas if s]
    for s in stanzas:
        role = "chorus" if stanzas.count(s) > 1 else "verse"
        if len(stanzas) > 1 and all(stanzas.count(x) == 1 for x in stanzas):
            role = "chorus" if len(sections) % 2 else "verse"
        sections.append(Section(role.title(), role, s))
    return sections


def _default_form(bar_s: float) -> list[Section]:
    """Instrumental / description-only form whose length lands nearest to about 60 s."""
    options = []
    for edge, body, bridge in ((2, 4, False), (2, 8, False), (4, 8, False), (2, 4, True), (2, 8, True)):
        bars = 2 * edge + 4 * body + (body // 2 + body if bridge else 0)
        options.append((abs(bars * bar_s - 60.0), edge, body, bridge))
    _, edge, body, bridge = min(options)
    middle = ["bridge", "chorus"] if bridge else []
    roles = ["intro", "verse", "chorus", "verse", "chorus", *middle, "outro"]
    lengths = {"intro": edge, "outro": edge, "bridge": body // 2}
    return [Section(r.title(), r, [], lengths.get(r, body)) for r in roles]


def _lyric_form(lyrics: str, bar_s: float, bar_lines: int, intro: bool) -> list[Section]:
    sections = parse_sections(lyrics)
    edge = 2 if bar_s > 2.6 else 4
    for s in sections:
        if s.lines:
            s.bars = max(2, len(s.lines) * bar_lines)
        else:
            s.bars = edge if s.role in ("intro", "outro") else 4
    if intro and sections and sections[0].role != "intro":  # slow songs: a one-bar intro is already ~3.5 s
        sections.insert(0, Section("Intro", "intro", [], 1 if bar_s > 2.6 else 2))
    if sections and sections[-1].role != "outro":
        sections.append(Section("Outro", "outro", [], edge))
    missing = 30.0 - sum(s.bars for s in sections) * bar_s
    if missing > 0:  # short lyrics: Suno-like clips stay >= ~30 s, so a band break fills the gap
        bars = 4 * int(np.ceil(missing / bar_s / 4))
        sections.insert(len(sections) - 1, Section("Instrumental", "inst", [], bars))
    return sections


def _fit(sections: list[Section], bar_s: float, max_seconds: float) -> list[Section]:
    """Drop trailing sections (keeping the outro) so a capped song still ends like a song.

    The first sung section always stays; if even that does not fit, the render is simply cut and faded.
    """
    if max_seconds < 30.0:
        return sections
    outro = [sections[-1]] if sections[-1].role == "outro" else []
    body = sections[: len(sections) - len(outro)]
    keep = next((i + 1 for i, s in enumerate(body) if s.lines), 1)
    while len(body) > keep and (sum(s.bars for s in body + outro)) * bar_s + 2 > max_seconds:
        if body[-1].role == "inst" and body[-1].bars > 2:  # shorten a band break before dropping it
            body[-1].bars -= 2
        else:
            body.pop()
    return body + outro


def _bar_lines(lyrics: str, tempo: float) -> int:
    """Bars per sung line: two, but slow songs with short lines (or very many lines) sing one per bar."""
    if tempo >= 96 or not lyrics.strip():
        return 2
    counts = sorted(len(syllables(line)) for s in parse_sections(lyrics) for line in s.lines)
    if not counts:
        return 2
    too_long = len(counts) * 2 * 240.0 / tempo > 110.0
    return 1 if counts[len(counts) // 2] <= 7 or too_long else 2


@dataclass(frozen=True)
class Controls:
    """Finer control from the request (newest models), and what a cover or a persona carries over.

    Defaults reproduce the engine's original choices exactly.
    """

    style_weight: float | None = None  # 0-1: how closely tempo and mood follow the tags
    variety: float = 0.5  # 0-1 ("weirdness"): how far and how often the melody leaps
    target_seconds: float | None = None  # the song's length, form stretched or trimmed to it
    voice_base: int = 55  # the singer's register: the melody's root is the tonic at or above this
    melody_from: dict | None = None  # a cover: make_plan arguments of the song whose tune it keeps


def _tempo_range(prof: Profile, tags: str, weight: float | None) -> tuple[int, int]:
    """The genre's tempo range as the tags ask for it; a low style weight loosens, a high one tightens."""
    lo, hi = tempo_span(prof.bpm, tags)
    if weight is None or 1 / 3 <= weight <= 2 / 3:
        return lo, hi
    if weight < 1 / 3:  # the tags matter less: anywhere in (and a little around) the genre's range
        lo, hi = prof.bpm
        return int(lo * 0.9), int(hi * 1.1)
    quarter = (hi - lo) // 4  # the tags matter more: the middle of what they ask for
    return lo + quarter, hi - quarter


def make_plan(
    *,
    tags: str,
    lyrics: str,
    title: str,
    seed: int,
    instrumental: bool,
    max_seconds: float,
    genre: str | None = None,
    bpm: float | None = None,
    key: str | None = None,
    mode: str | None = None,
    intro: bool = True,
    controls: Controls | None = None,
) -> Plan:
    controls = controls or Controls()
    h = _digest(tags.strip().lower(), title.strip(), seed)
    rng = np.random.default_rng(h)
    prof = PROFILES.get(genre or "", PROFILES[pick_genre(tags)])
    lo, hi = _tempo_range(prof, tags, controls.style_weight)
    tempo = float(rng.integers(lo, hi + 1))
    tonic = int(rng.integers(12))
    scale_mode = "minor" if rng.random() < prof.minor else "major"
    if controls.style_weight is None or controls.style_weight >= 1 / 3:
        scale_mode = mood_mode(tags) or scale_mode  # a sad song is minor whatever the hash says
    if bpm is not None:
        if not 30 <= bpm <= 300:
            raise ValueError(f"bpm {bpm} is outside 30-300")
        tempo = float(bpm)
    if key:
        tonic = _key_pc(key)
    if mode:
        if mode.lower() not in SCALES:
            raise ValueError(f"mode must be one of {sorted(SCALES)}")
        scale_mode = mode.lower()
    if controls.melody_from is not None:
        return _cover_plan(controls, prof, tempo, max_seconds)
    progs = prof.progs_minor if scale_mode == "minor" else prof.progs_major
    picks = rng.permutation(len(progs))
    verse, chorus = progs[picks[0]], progs[picks[1 % len(progs)]]
    bridge = (3, 4, 5, 4) if scale_mode == "major" else (5, 6, 3, 4)
    chosen = {"verse": verse, "chorus": chorus, "bridge": bridge}
    bar_s = 240.0 / tempo
    bar_lines = _bar_lines(lyrics if not instrumental else "", tempo)
    if instrumental or not lyrics.strip():
        sections = _default_form(bar_s)
        if not intro:
            sections = sections[1:]
    else:
        sections = _lyric_form(lyrics, bar_s, bar_lines, intro)
    sections = _fit(_stretch(sections, bar_s, controls.target_seconds), bar_s, max_seconds)
    base = controls.voice_base
    voice_root = base + (tonic - base) % 12
    plan = Plan(prof, tempo, tonic, scale_mode, chosen, sections, h, voice_root, bar_lines)
    plan.variety = controls.variety
    return _number_bars(plan)


def _number_bars(plan: Plan) -> Plan:
    start = 0
    for s in plan.sections:
        s.start, start = start, start + s.bars
    return plan


def _stretch(sections: list[Section], bar_s: float, target: float | None) -> list[Section]:
    """A requested length: a band break before the outro fills what the lyrics leave short of it."""
    if target is None or not sections:
        return sections
    missing = target - TAIL_S - sum(s.bars for s in sections) * bar_s
    bars = int(missing // bar_s)
    if bars >= 1:
        at = len(sections) - 1 if sections[-1].role == "outro" else len(sections)
        sections.insert(at, Section("Instrumental", "inst", [], bars))
    return sections


def _cover_plan(controls: Controls, prof: Profile, tempo: float, max_seconds: float) -> Plan:
    """The source's plan (form, progressions, key, melody seed) played by another genre at another tempo.

    Only the profile and the tempo change, so every phrase has the same notes on the same beats; the
    form is refitted to the length limit at the new tempo, and the tune moves by octaves only, towards
    the new singer's register.
    """
    args = dict(controls.melody_from)
    args["controls"] = Controls(**(args.get("controls") or {}))
    source = make_plan(**args)
    sections = [Section(s.name, s.role, list(s.lines), s.bars) for s in source.sections]
    bar_s = 240.0 / tempo
    sections = _fit(_stretch(sections, bar_s, controls.target_seconds), bar_s, max_seconds)
    shift = 12 * round((controls.voice_base - args["controls"].voice_base) / 12)
    plan = Plan(
        prof,
        tempo,
        source.tonic,
        source.mode,
        source.progs,
        sections,
        source.seed,
        source.voice_root + shift,
        source.bar_lines,
    )
    plan.variety = source.variety
    return _number_bars(plan)


# --- harmony ------------------------------------------------------------------------------------------------


def chord_at(plan: Plan, sec: Section, bar: int) -> tuple[int, ...]:
    """Scale degrees (root first) of the chord for a bar within a section."""
    if sec.role == "outro" and bar >= sec.bars - 2:
        root = 0
    else:
        fallback = "chorus" if sec.role in ("inst", "prechorus") else "verse"
        prog = plan.progs.get(sec.role, plan.progs[fallback])
        root = prog[bar % len(prog)]
        if sec.role == "prechorus":
            root = (3, 4)[bar % 2]
    size = 4 if plan.profile.sevenths else 3
    return tuple(root + 2 * i for i in range(size))


def degree_midi(plan: Plan, degree: int, root_midi: int) -> int:
    return root_midi + 12 * (degree // 7) + plan.scale[degree % 7]


def voicing(plan: Plan, degrees: tuple[int, ...], centre: int) -> list[int]:
    """Close voicing around a centre pitch: smooth voice leading without search."""
    notes = []
    for d in degrees:
        pc = (plan.tonic + plan.scale[d % 7]) % 12
        notes.append(centre - 6 + (pc - (centre - 6)) % 12)
    return sorted(notes)


def roman(plan: Plan, prog: tuple[int, ...]) -> str:
    third = {d: (plan.scale[(d + 2) % 7] - plan.scale[d]) % 12 for d in range(7)}
    return "-".join(_ROMAN[d].upper() if third[d] == 4 else _ROMAN[d] for d in prog)
