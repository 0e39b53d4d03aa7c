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
    chord_beats: float = 4.0  # beats per chord: a bar; a cover at twice (half) its source's tempo: 8 (2)

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


# --- length: 2-4 minutes by default, from the lyric's own sections ----------------------------------------
# A default song sings its lyrics once (karaoke follows every sung word) and is arranged around them to a
# length a listener expects from a song: DEFAULT_S at least, about DEFAULT_RATIO times its sung part, at
# most DEFAULT_MAX_S (longer lyrics simply take longer, up to the model's limit). What the arrangement adds is
# instrumental: a longer intro and outro, a hook after each chorus, a solo before the last chorus.
DEFAULT_S, DEFAULT_MAX_S, DEFAULT_RATIO = 135.0, 225.0, 1.45


def default_seconds(sung_s: float) -> float:
    """The length a song with ``sung_s`` seconds of singing is arranged to when nobody asks for one."""
    return float(np.clip(DEFAULT_RATIO * sung_s + 20.0, DEFAULT_S, DEFAULT_MAX_S))


def _edge(bar_s: float) -> int:
    """Bars of an intro or outro: about 8 s, whole bars."""
    return 2 if bar_s > 2.6 else 4


def _default_form(bar_s: float) -> list[Section]:
    """Instrumental / description-only form: the band plays verses and choruses (the lead has the tune)."""
    body = 4 if bar_s > 2.6 else 8
    roles = ["intro", "verse", "chorus", "verse", "chorus", "bridge", "chorus", "outro"]
    lengths = {"intro": _edge(bar_s), "outro": _edge(bar_s), "bridge": body // 2}
    return [Section(r.title(), r, [], lengths.get(r, body)) for r in roles]


def _lyric_form(lyrics: str, bar_s: float, bar_lines: int, intro: bool) -> list[Section]:
    """The lyric's own sections in its order; untagged ends get an intro and an outro."""
    sections = parse_sections(lyrics)
    for s in sections:
        if s.lines:
            s.bars = max(2, len(s.lines) * bar_lines)
        elif s.role in ("intro", "outro"):
            s.bars = _edge(bar_s)
        else:  # [Instrumental], [Solo], [Break] with no words: the band and the lead instrument
            s.bars = 2 * _edge(bar_s) if s.role == "inst" else _edge(bar_s)
    if intro and sections and sections[0].role != "intro":
        sections.insert(0, Section("Intro", "intro", [], _edge(bar_s)))
    if sections and sections[-1].role != "outro":
        sections.append(Section("Outro", "outro", [], _edge(bar_s)))
    return sections


def _seconds(sections: list[Section], bar_s: float) -> float:
    return sum(s.bars for s in sections) * bar_s + TAIL_S


def _arrange(sections: list[Section], bar_s: float, aim: float) -> list[Section]:
    """Grow the form's instrumental parts, in whole bars, until the song lasts about ``aim`` seconds.

    In turn: a solo before the last chorus (or before the outro), a hook after each earlier chorus, a
    longer intro and outro; when all are at their longest (few words), more 16-bar rounds of the band
    before the outro. Sung sections never change, so the words stay in place.
    """
    missing_bars = int((aim - _seconds(sections, bar_s)) // bar_s)
    if missing_bars <= 0 or not sections:
        return sections
    edge = _edge(bar_s)
    choruses = [i for i, s in enumerate(sections) if s.role == "chorus" and s.lines]
    has_break = any(s.role == "inst" for s in sections)
    outro_at = len(sections) - 1 if sections[-1].role == "outro" else len(sections)
    slots: list[tuple[Section, int]] = []  # (section, the most bars it may grow to)
    if not has_break:
        solo = Section("Instrumental", "inst", [], 0)
        at = choruses[-1] if len(choruses) >= 2 else outro_at
        sections.insert(at, solo)
        outro_at += 1
        slots.append((solo, 4 * edge))
    for chorus in [s for s in sections if s.role == "chorus" and s.lines][:-1]:
        hook = Section("Post-Chorus", "inst", [], 0)
        sections.insert(next(i for i, s in enumerate(sections) if s is chorus) + 1, hook)
        slots.append((hook, edge))
    for s in sections:
        if s.role in ("intro", "outro") and not s.lines:
            slots.append((s, 2 * edge))
        elif s.role == "inst" and not s.lines and all(s is not x for x, _ in slots):
            slots.append((s, 4 * edge))
    if not slots:  # every part is sung (intro, outro and breaks with words): a solo before the end
        solo = Section("Instrumental", "inst", [], 0)
        sections.insert(outro_at, solo)
        slots.append((solo, 4 * edge))
    step = 2 if edge >= 4 else 1
    while missing_bars > 0:
        grew = False
        for section, most in slots:
            if missing_bars <= 0:
                break
            if section.bars < most:
                add = min(step, most - section.bars, missing_bars)
                section.bars += add
                missing_bars -= add
                grew = True
        if not grew:  # every part at its longest (few words): the band plays another round before the end
            more = Section("Instrumental", "inst", [], 0)
            sections.insert(len(sections) - 1 if sections[-1].role == "outro" else len(sections), more)
            slots.append((more, 4 * edge))
    return [s for s in sections if s.bars > 0]


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
    """Bars per sung line, so a line lasts about 3-7 s: two; one for slow songs with short lines (or very
    many lines); four for fast songs with long lines (the voice in half time over the band)."""
    if not lyrics.strip():
        return 2
    counts = sorted(len(syllables(line)) for s in parse_sections(lyrics) for line in s.lines)
    if not counts:
        return 2
    median = counts[len(counts) // 2]
    if tempo >= 150:
        return 4 if median >= 8 else 2
    if tempo >= 96:
        return 2
    too_long = len(counts) * 2 * 240.0 / tempo > 110.0
    return 1 if median <= 7 or too_long else 2


@dataclass(frozen=True)
class Controls:
    """Finer control from the request (newest models), and what a cover or a persona carries over.

    Defaults reproduce the engine's original choices exactly.
    """

    style_weight: float | None = None  # 0-1: how closely tempo and mood follow the tags
    variety: float = 0.5  # 0-1 ("weirdness"): how far and how often the melody leaps
    target_seconds: float | None = None  # the song's length, form stretched or trimmed to it
    min_seconds: float | None = None  # no shorter than this unless target_seconds says so (continuations)
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
        return _cover_plan(controls, prof, (lo, hi), max_seconds)
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
    sung = sum(s.bars for s in sections if s.lines) * bar_s
    sections = _fit(_arrange(sections, bar_s, _aim(controls, sung, max_seconds)), bar_s, max_seconds)
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


def _aim(controls: Controls, sung_s: float, max_seconds: float) -> float:
    """How long the song should last: the length asked for; else the default for its singing, never
    below ``min_seconds`` (a continuation does not shorten the song); within the cap either way."""
    if controls.target_seconds:
        return min(controls.target_seconds, max_seconds)
    return min(max(default_seconds(sung_s), controls.min_seconds or 0.0), max_seconds)


def _cover_scale(source_bpm: float, bar_lines: int, lo: float, hi: float) -> float:
    """How many of its bars a cover plays for each bar of its source: 1, 2 (a faster genre) or 1/2 (a
    slower one), whichever puts ``scale x source tempo`` nearest the new genre's range. Sections and words
    then keep their times exactly: the cover is as long as its source."""

    def distance(scale: float) -> float:
        bpm = source_bpm * scale
        return 0.0 if lo <= bpm <= hi else abs(np.log(bpm / (lo if bpm < lo else hi)))

    scales = [s for s in (1.0, 2.0, 0.5) if bar_lines * s >= 1 and 30 <= source_bpm * s <= 300]
    return min(scales, key=lambda s: (distance(s), s != 1.0))


def _cover_plan(controls: Controls, prof: Profile, span: tuple[int, int], max_seconds: float) -> Plan:
    """The source's plan (form, progressions, key, melody seed) played by another genre.

    Only the profile and the tempo change: the tempo is the source's times 1, 2 or 1/2 (nearest the new
    genre's range), each source bar becoming that many bars, each line sung over that many more bars and
    each chord held that much longer, so every phrase has the same notes at the same moments and the cover
    lasts as long as its source (a length asked for still wins). The tune moves by octaves only, towards
    the new singer's register.
    """
    args = dict(controls.melody_from)
    args["controls"] = Controls(**(args.get("controls") or {}))
    source = make_plan(**args)
    scale = _cover_scale(source.bpm, source.bar_lines, *span)
    tempo = source.bpm * scale
    sections = [
        Section(s.name, s.role, list(s.lines), max(1, int(round(s.bars * scale)))) for s in source.sections
    ]
    bar_s = 240.0 / tempo
    if controls.target_seconds:
        sections = _arrange(sections, bar_s, min(controls.target_seconds, max_seconds))
    sections = _fit(sections, bar_s, max_seconds)
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
        int(source.bar_lines * scale),
    )
    plan.variety = source.variety
    plan.chord_beats = source.chord_beats * scale
    return _number_bars(plan)


# --- harmony ------------------------------------------------------------------------------------------------


def chords_in_bar(plan: Plan, sec: Section, bar: int) -> list[tuple[int, int, tuple[int, ...]]]:
    """(first step, end step, chord degrees) of each chord in a bar of a section (16 steps a bar)."""
    if plan.chord_beats >= 4:
        return [(0, 16, chord_at(plan, sec, int(bar * 4 // plan.chord_beats)))]
    per = int(round(4 / plan.chord_beats))
    steps = 16 // per
    return [(i * steps, (i + 1) * steps, chord_at(plan, sec, bar * per + i)) for i in range(per)]


def chord_of_beat(plan: Plan, sec: Section, beat: float) -> tuple[int, ...]:
    """The chord at a beat counted from the section's start."""
    return chord_at(plan, sec, int(beat // plan.chord_beats))


def chord_at(plan: Plan, sec: Section, bar: int) -> tuple[int, ...]:
    """Scale degrees (root first) of the section's chord number ``bar`` (one a bar, unless a cover holds
    its source's chords for longer or shorter: Plan.chord_beats)."""
    chords = int(np.ceil(sec.bars * 4 / plan.chord_beats))
    if sec.role == "outro" and bar >= chords - 2:
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
