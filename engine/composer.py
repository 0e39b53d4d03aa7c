"""Procedural song composer: tags + lyrics -> a stereo float32 song, deterministically.

hash(tags, title, seed) picks the genre profile's tempo, key, mode and progressions; the lyric section tags
shape the form; the syllables of each lyric line become the rhythm of a formant "voice". Sound sources live
in engine.instruments; this module decides what plays when, then mixes and masters.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Collection
from dataclasses import dataclass

import numpy as np

from engine import instruments as ins
from engine.genres import GENRES as GENRES  # the genre table; these names stay importable from here
from engine.genres import NOTE_NAMES as NOTE_NAMES
from engine.genres import PROFILES as PROFILES
from engine.genres import SCALES as SCALES
from engine.genres import Profile as Profile
from engine.genres import genres_named as genres_named
from engine.genres import mood_mode, tempo_span
from engine.genres import pick_genre as pick_genre
from engine.genres import tempo_window as tempo_window
from engine.syllables import syllables

_ROMAN = ("i", "ii", "iii", "iv", "v", "vi", "vii")


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

    @property
    def bar_s(self) -> float:
        return 240.0 / self.bpm

    @property
    def scale(self) -> tuple[int, ...]:
        return SCALES[self.mode]


@dataclass
class Song:
    audio: np.ndarray
    sample_rate: int
    meta: dict

    @property
    def duration(self) -> float:
        return len(self.audio) / self.sample_rate


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


_TAG = re.compile(r"^\s*[\[【]([^\]】]+)[\]】]\s*$")  # [Verse] or 【主歌】


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
    if any(_TAG.match(line) for line in lyrics.splitlines()):
        for line in lyrics.splitlines():
            m = _TAG.match(line)
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
) -> Plan:
    h = _digest(tags.strip().lower(), title.strip(), seed)
    rng = np.random.default_rng(h)
    prof = PROFILES.get(genre or "", PROFILES[pick_genre(tags)])
    lo, hi = tempo_span(prof.bpm, tags)
    tempo = float(rng.integers(lo, hi + 1))
    tonic = int(rng.integers(12))
    scale_mode = "minor" if rng.random() < prof.minor else "major"
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
    sections = _fit(sections, bar_s, max_seconds)
    start = 0
    for s in sections:
        s.start, start = start, start + s.bars
    voice_root = 55 + (tonic - 7) % 12
    return Plan(prof, tempo, tonic, scale_mode, chosen, sections, h, voice_root, bar_lines)


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


def _roman(plan: Plan, prog: tuple[int, ...]) -> str:
    third = {d: (plan.scale[(d + 2) % 7] - plan.scale[d]) % 12 for d in range(7)}
    return "-".join(_ROMAN[d].upper() if third[d] == 4 else _ROMAN[d] for d in prog)


# --- rendering ----------------------------------------------------------------------------------------------


class Mix:
    """Stereo buses plus a per-song note cache (songs repeat the same notes all the time)."""

    def __init__(self, plan: Plan, sr: int, n: int, mute: Collection[str] = ()):
        self.plan, self.sr, self.n = plan, sr, n
        self.mute = frozenset(mute)  # parts left out at the listener's request ("drums", "bass")
        self.buses = {name: np.zeros((2, n), dtype=np.float32) for name in ("drums", "music", "voice")}
        self.cache: dict[tuple, np.ndarray] = {}
        self.kicks: list[int] = []
        self.rng = np.random.default_rng(plan.seed ^ 0x5EED)  # drum timing and velocity
        self.touch = np.random.default_rng(plan.seed ^ 0x70C4)  # note velocity: no two hits quite alike

    def beat_time(self, bar: int, beats: float) -> float:
        """Seconds for a position in a bar, bending off-beat 8ths late when the genre swings."""
        whole, part = divmod(beats, 1.0)
        d = self.plan.profile.swing * 0.25
        part = part * (0.5 + d) / 0.5 if part < 0.5 else 0.5 + d + (part - 0.5) * (0.5 - d) / 0.5
        return (bar * 4 + whole + part) * 60.0 / self.plan.bpm

    def add(self, bus: str, t: float, sig: np.ndarray, gain: float, pan: float = 0.0) -> None:
        start = int(round(t * self.sr))
        if start >= self.n or gain <= 0:
            return
        if start < 0:
            sig, start = sig[..., -start:], 0
        m = min(sig.shape[-1], self.n - start)
        dest = self.buses[bus][:, start : start + m]
        if sig.ndim == 1:
            angle = (pan + 1.0) * np.pi / 4.0
            dest[0] += sig[:m] * np.float32(gain * np.cos(angle) * 1.41)
            dest[1] += sig[:m] * np.float32(gain * np.sin(angle) * 1.41)
        else:
            dest += sig[:, :m] * np.float32(gain)

    def note(self, inst: str, midi: int, seconds: float) -> np.ndarray:
        n_on = max(1, int(seconds * self.sr))
        key = (inst, midi, n_on)
        if key not in self.cache:
            self.cache[key] = ins.note(inst, midi, n_on, self.sr)
        return self.cache[key]

    def play(
        self, bus: str, inst: str, midi: int, t: float, seconds: float, gain: float, pan: float = 0.0
    ) -> None:
        if t * self.sr < self.n:
            vel = gain * (0.94 + 0.12 * float(self.touch.random()))
            self.add(bus, t, self.note(inst, midi, seconds), vel, pan)


_ENERGY = {
    "intro": 0.55,
    "verse": 0.72,
    "prechorus": 0.82,
    "chorus": 1.0,
    "bridge": 0.65,
    "inst": 0.95,
    "outro": 0.55,
}


def _pattern_notes(pattern: str) -> list[tuple[int, int, str]]:
    """(step, length in steps, char) for each note start in a melodic pattern."""
    out = []
    for i, c in enumerate(pattern):
        if c not in ".-":
            length = 1
            while i + length < len(pattern) and pattern[i + length] == "-":
                length += 1
            out.append((i, length, c))
    return out


def _render_harmony(mix: Mix, sec: Section) -> None:
    plan, prof = mix.plan, mix.plan.profile
    high = sec.role in ("chorus", "inst")
    energy = _ENERGY[sec.role]
    step_beats = 0.25
    for bar in range(sec.bars):
        b = sec.start + bar
        if mix.beat_time(b, 0) * mix.sr >= mix.n:
            return
        degrees = chord_at(plan, sec, bar)
        final = sec.role == "outro" and bar == sec.bars - 1
        comp = "x" + "-" * 15 if final or sec.role == "bridge" else prof.comp[high]
        chord_notes = [voicing(plan, degrees[:1], 46)[0]] if prof.power else voicing(plan, degrees, 62)
        for step, length, _ in _pattern_notes(comp):
            t = mix.beat_time(b, step * step_beats)
            dur = length * step_beats * 60 / plan.bpm * (2.0 if final else 1.0)
            for m in chord_notes:
                gain = (1.1 if prof.power else 0.5) * energy  # one power chord is as loud as a triad
                mix.play("music", prof.chords, m, t, dur, gain, pan=(m % 7 - 3) * 0.08)
        if prof.pad and (high or sec.role in ("prechorus", "bridge", "outro") or prof.name == "lofi"):
            for m in voicing(plan, degrees, 57) + [voicing(plan, degrees[:1], 45)[0]]:
                mix.play("music", prof.pad, m, mix.beat_time(b, 0), plan.bar_s, 0.3 * energy)
        _render_bass(mix, sec, b, degrees, high, final)
        rate = prof.arp_rate[high]
        if prof.arp and rate and sec.role not in ("intro", "outro"):
            tones = voicing(plan, degrees, 74)
            up = (tones + [tones[0] + 12])[:4]
            seq = up + up[::-1]  # eight notes: the pattern repeats every bar, never across the barline
            for i, step in enumerate(range(0, 16, rate)):
                t = mix.beat_time(b, step * step_beats)
                mix.play(
                    "music",
                    prof.arp,
                    seq[i % len(seq)],
                    t,
                    rate * 1.5 * step_beats * 60 / plan.bpm,
                    (0.6 if prof.name == "ambient" else 0.35) * energy,
                    pan=0.4 * np.sin(i),
                )


def _render_bass(mix: Mix, sec: Section, b: int, degrees: tuple[int, ...], high: bool, final: bool) -> None:
    plan, prof = mix.plan, mix.plan.profile
    if "bass" in mix.mute:
        return
    if sec.role == "intro" and not prof.band:
        return
    pattern = "x" + "-" * 15 if final or sec.role == "bridge" else prof.bass_pat[high]
    root = voicing(plan, degrees[:1], 41 if prof.bass != "808" else 38)[0]
    fifth = voicing(plan, degrees[2:3], root + 7)[0]
    for step, length, c in _pattern_notes(pattern):
        midi = root + 12 if c == "o" else fifth if c == "f" else root
        dur = length * 0.25 * 60 / plan.bpm * (0.9 if length > 1 else 0.7)
        mix.play("music", prof.bass, midi, mix.beat_time(b, step * 0.25), dur, 0.85 * _ENERGY[sec.role])


_DRUM_PAN = {
    "hat": 0.3,
    "ohat": 0.35,
    "ride": -0.35,
    "crash": -0.25,
    "shaker": 0.4,
    "rim": -0.1,
    "tom_hi": -0.3,
    "tom_mid": 0.0,
    "tom_lo": 0.3,
}
_VEL = {"X": 1.0, "x": 0.78, "o": 0.42}


def _drum_bar(mix: Mix, sec: Section, bar: int, kit: dict[str, np.ndarray], nxt: Section | None) -> None:
    prof = mix.plan.profile
    high = sec.role in ("chorus", "inst")
    pats = dict(prof.drums[high])
    if sec.role == "intro" and not prof.band:
        pats = {k: v for k, v in pats.items() if k in ("hat", "shaker", "ride")}
    if sec.role == "bridge":
        pats = {k: (v[:8] + "." * 8 if k in ("kick", "snare", "clap") else v) for k, v in pats.items()}
    if sec.role == "outro" and bar >= max(1, sec.bars - 2):
        pats = {"kick": "X..............."} if bar == sec.bars - 2 else {}
    last = bar == sec.bars - 1 and nxt is not None and nxt.role != "outro"
    if last and pats and prof.name not in ("ambient", "ballad"):
        fill_len = 8 if nxt.role == "chorus" else 4
        fill_inst = "snare" if prof.name in ("edm", "pop", "trap", "lofi") else None
        for k in pats:
            pats[k] = pats[k][: 16 - fill_len] + "." * fill_len
        toms = ("tom_hi", "tom_hi", "tom_mid", "tom_mid", "tom_lo", "tom_lo", "tom_lo", "tom_lo")
        for i in range(fill_len):
            name = fill_inst or toms[i * 8 // fill_len]
            pats[name] = pats.get(name, "." * 16)
            pats[name] = pats[name][: 16 - fill_len + i] + "x" + pats[name][17 - fill_len + i :]
    b = sec.start + bar
    energy = _ENERGY[sec.role]
    for name, pattern in pats.items():
        for step, c in enumerate(pattern):
            if c in _VEL:
                jitter = 0.0 if name == "kick" or prof.sidechain else float(mix.rng.normal(0, 0.003))
                vel = _VEL[c] * energy * (0.9 + 0.1 * float(mix.rng.random()))
                if last and name.startswith(("tom", "snare")) and step >= 8:
                    vel *= 0.6 + 0.4 * (step - 8) / 8  # fills crescendo into the next section
                t = mix.beat_time(b, step * 0.25) + jitter
                mix.add("drums", t, kit[name], vel, _DRUM_PAN.get(name, 0.0))
                if name == "kick":
                    mix.kicks.append(int(t * mix.sr))
    if prof.name == "trap" and high and bar % 2 == 1:  # hat rolls: 32nds over the last beat
        for i in range(8):
            mix.add("drums", mix.beat_time(b, 3 + i / 8), kit["hat"], 0.35 + 0.06 * i, 0.3)


def _render_drums(mix: Mix, kit: dict[str, np.ndarray]) -> None:
    prof, secs = mix.plan.profile, mix.plan.sections
    for i, sec in enumerate(secs):
        nxt = secs[i + 1] if i + 1 < len(secs) else None
        if sec.role in ("chorus", "inst") or (sec.role == "verse" and prof.band and i > 0):
            mix.add("drums", mix.beat_time(sec.start, 0), kit["crash"], 0.8 * _ENERGY[sec.role], -0.25)
        if sec.role == "outro":
            mix.add("drums", mix.beat_time(sec.start + sec.bars - 1, 0), kit["crash"], 0.6, 0.25)
        for bar in range(sec.bars):
            if mix.beat_time(sec.start + bar, 0) * mix.sr >= mix.n:
                return
            _drum_bar(mix, sec, bar, kit, nxt)
        if prof.riser and nxt is not None and nxt.role == "chorus":
            _riser(mix, mix.beat_time(nxt.start - 2, 0), 2 * mix.plan.bar_s)


def _riser(mix: Mix, t: float, seconds: float) -> None:
    n = int(seconds * mix.sr)
    ramp = np.linspace(0.0, 1.0, n, dtype=np.float32) ** 2
    sig = ins.highpass(ins.noise(mix.plan.seed % 1000 + n, n), 3) * ramp * 0.12
    mix.add("drums", t, sig, 1.0, 0.0)


# --- melody -------------------------------------------------------------------------------------------------


def _rhythm(count: int, slots: int, seed: int) -> list[int]:
    """Onset slots for a phrase: start from even notes, then split or stretch some so it is not square."""
    usable = slots - 2  # leave a breath before the next line
    rng = np.random.default_rng(seed)
    durs = [2] * count
    while sum(durs) > usable:  # too many syllables: some become short notes
        longs = [i for i, d in enumerate(durs) if d > 1]
        durs[longs[int(rng.integers(len(longs)))]] -= 1
    for _ in range(int(rng.integers(0, 3))):  # a few dotted rhythms (long-short) for swing in the line
        i = int(rng.integers(max(1, count - 1)))
        if i + 1 < count and durs[i] == 2 and durs[i + 1] == 2:
            durs[i], durs[i + 1] = 3, 1
    while sum(durs) + 2 <= usable:  # few syllables: stretch notes (by whole 8ths, so onsets stay on the grid)
        i = count - 1 if rng.random() < 0.4 else int(rng.integers(count))
        durs[i] += 2
    return [int(x) for x in np.cumsum([0] + durs[:-1])]


def _snap(degree: int, chord: tuple[int, ...]) -> int:
    tones = {d % 7 for d in chord[:3]}
    for delta in (0, -1, 1, -2, 2, 3):
        if (degree + delta) % 7 in tones:
            return degree + delta
    return degree


def phrase(plan: Plan, sec: Section, line_index: int, count: int) -> list[tuple[float, float, int]]:
    """(start beat within the line, length in beats, scale degree) for each syllable of one sung line."""
    slots = 16 if count <= 14 else 32
    span = 4.0 * plan.bar_lines
    slot_beats = span / slots
    count = min(count, slots - 2)
    seed = ins.stable_seed(plan.seed, sec.role, line_index % 2, count)
    onsets = _rhythm(count, slots, seed)
    rng = np.random.default_rng(seed + 1)
    lo, hi = (1, 9) if sec.role == "chorus" else (-2, 6)
    degree = int(rng.integers(lo + 1, lo + 5))
    direction = 1
    out = []
    for i, slot in enumerate(onsets):
        beat = slot * slot_beats
        chord = chord_at(plan, sec, line_index * plan.bar_lines + int(beat // 4))
        if i == len(onsets) - 1 and count > 1:
            # answering (odd) lines come home to the tonic, the others stay open on the 2nd or 5th
            targets = (0, 7) if line_index % 2 else (1, 4, 8)
            degree = _snap(min((t for t in targets if lo <= t <= hi), key=lambda t: abs(t - degree)), chord)
        elif i and abs(beat - round(beat)) < 1e-9 and round(beat) % 2 == 0:
            degree = _snap(degree + direction, chord)
        elif i:
            degree += direction * int(rng.choice((1, 1, 1, 2)))
        if degree >= hi or degree <= lo or rng.random() < 0.2:
            direction = -1 if degree >= hi else 1 if degree <= lo else -direction
        degree = int(np.clip(degree, lo, hi))
        end = onsets[i + 1] if i + 1 < len(onsets) else slots - 1
        out.append((beat, (end - slot) * slot_beats * 0.92, degree))
    return out


@dataclass(frozen=True)
class SungNote:
    beat: float  # from the start of the line
    beats: float  # length
    degree: int  # scale degree from the voice root
    midi: int
    vowel: str
    onset: str


def sung_line(plan: Plan, sec: Section, line_index: int, line: str) -> list[SungNote]:
    """The notes of one lyric line: one per syllable (one per hanzi), each with the vowel it is sung on."""
    sylls = syllables(line)
    notes = phrase(plan, sec, line_index, len(sylls)) if sylls else []
    return [
        SungNote(beat, length, deg, degree_midi(plan, deg, plan.voice_root), vowel, onset)
        for (beat, length, deg), (vowel, onset) in zip(notes, sylls, strict=False)
    ]


def _section_lines(plan: Plan, sec: Section) -> list[list[SungNote]]:
    if sec.lines:
        return [sung_line(plan, sec, li, line) for li, line in enumerate(sec.lines)]
    if sec.role not in ("verse", "chorus", "inst"):
        return []
    # no words here: the lead instrument plays a tune of 5-9 notes per line
    rng = np.random.default_rng(ins.stable_seed(plan.seed, sec.role))
    count, root = int(rng.integers(5, 10)), plan.voice_root
    tune = [phrase(plan, sec, li, count) for li in range(sec.bars // plan.bar_lines)]
    return [[SungNote(b, n, d, degree_midi(plan, d, root), "a", "soft") for b, n, d in line] for line in tune]


def _render_voice(mix: Mix) -> None:
    """Sing each lyric line (or play the lead in instrumental songs / sections) over bar_lines bars."""
    plan = mix.plan
    beat_s = 60.0 / plan.bpm
    for sec in plan.sections:
        for li, notes in enumerate(_section_lines(plan, sec)):
            line_bar = sec.start + li * plan.bar_lines
            if mix.beat_time(line_bar, 0) * mix.sr >= mix.n:
                return
            for note in notes:
                t, seconds = mix.beat_time(line_bar, note.beat), note.beats * beat_s
                if not sec.lines:
                    gain = 0.5 * (1.0 if sec.role != "verse" else 0.7)
                    lead = plan.profile.lead
                    mix.play("voice", lead, note.midi + 12 * (lead in ("glass", "bell")), t, seconds, gain)
                    continue
                _sing(mix, t, seconds, note.midi, note.vowel, note.onset)
                if sec.role == "chorus":  # a double and a quiet third above thicken the chorus
                    _sing(mix, t + 0.015, seconds, note.midi, note.vowel, "soft", 0.3, -0.45, cents=-9)
                    third = degree_midi(plan, note.degree + 2, plan.voice_root)
                    _sing(mix, t + 0.012, seconds, third, note.vowel, "soft", gain=0.28, pan=0.45)


def _sing(
    mix: Mix,
    t: float,
    seconds: float,
    midi: int,
    vowel: str,
    onset: str,
    gain: float = 0.8,
    pan: float = 0.0,
    cents: float = 0.0,
) -> None:
    n_on = max(1, int(seconds * mix.sr))
    key = ("voice", midi, vowel, n_on, onset, cents)
    if key not in mix.cache:
        mix.cache[key] = ins.voice(midi, vowel, n_on, mix.sr, onset == "soft", cents)
    mix.add("voice", t, mix.cache[key], gain, pan)
    if onset != "soft":
        ckey = ("consonant", onset)
        if ckey not in mix.cache:
            mix.cache[ckey] = ins.consonant(onset, mix.sr, mix.plan.seed % 9973)
        mix.add("voice", t - 0.02, mix.cache[ckey], gain * 0.9)


# --- master -------------------------------------------------------------------------------------------------


def _master(mix: Mix, fade_s: float) -> np.ndarray:
    """Level the buses against the music, add reverb, soft-clip, fade and normalise to about -1 dBFS.

    Works in place on the bus arrays: a 120 s song is 42 MB per stereo float32 buffer.
    """
    prof, sr, n = mix.plan.profile, mix.sr, mix.n
    drums, music, voice = (mix.buses.pop(name) for name in ("drums", "music", "voice"))
    if prof.sidechain:
        music *= ins.duck(n, mix.kicks, prof.sidechain, sr)
    if prof.crackle:
        drums += ins.vinyl(sr, n, mix.plan.seed % 65521)
    ref = ins.active_rms(music)
    for bus, ratio in ((drums, prof.levels[0]), (voice, prof.levels[1])):
        level = ins.active_rms(bus)
        if level > 1e-6 and ref > 1e-6:
            bus *= np.float32(ratio * ref / level)
    if prof.echo:  # dotted-eighth vocal echo
        voice += ins.echo(voice, sr, 0.75 * 60.0 / mix.plan.bpm, prof.echo)
    send_amt, seconds = prof.reverb
    send = music.sum(axis=0) + drums.sum(axis=0) * np.float32(0.35) + voice.sum(axis=0) * np.float32(1.3)
    send *= np.float32(0.5 * send_amt)
    out = music
    out += drums
    out += voice
    del drums, voice
    out += ins.reverb(send, sr, seconds, mix.plan.seed % 4093)
    if prof.tone:  # dark genres: two cascaded moving averages as a gentle master low-pass
        for ch in out:
            ch[:] = ins.box(ins.box(ch, prof.tone), prof.tone // 2 + 1)
    out -= out.mean(axis=1, keepdims=True)
    out *= np.float32(prof.drive / (float(np.max(np.abs(out))) or 1.0))
    np.tanh(out, out=out)
    fade = min(n, int(fade_s * sr))
    out[:, n - fade :] *= np.linspace(1.0, 0.0, fade, dtype=np.float32) ** 2
    k = min(n, int(0.005 * sr))
    out[:, :k] *= np.linspace(0.0, 1.0, k, dtype=np.float32)
    out *= np.float32(0.891 / (float(np.max(np.abs(out))) or 1.0))  # about -1 dBFS
    return np.ascontiguousarray(out.T)


def compose(
    *,
    tags: str,
    lyrics: str = "",
    title: str = "",
    seed: int = 0,
    instrumental: bool = False,
    max_seconds: float = 120.0,
    sample_rate: int = 44100,
    genre: str | None = None,
    bpm: float | None = None,
    key: str | None = None,
    mode: str | None = None,
    intro: bool = True,
    mute: Collection[str] = (),
) -> Song:
    """Compose and render a song. genre/bpm/key/mode/intro override the hashed choices (for continuations);
    mute leaves out "drums" and/or "bass" (negative tags)."""
    plan = make_plan(
        tags=tags,
        lyrics=lyrics,
        title=title,
        seed=seed,
        instrumental=instrumental,
        max_seconds=max_seconds,
        genre=genre,
        bpm=bpm,
        key=key,
        mode=mode,
        intro=intro,
    )
    sr = int(sample_rate)
    form_s = sum(s.bars for s in plan.sections) * plan.bar_s
    tail = 3.0 if plan.profile.name == "ambient" else 2.0
    if not max_seconds > 0:
        raise ValueError("max_seconds must be positive")
    duration = min(form_s + tail, float(max_seconds))
    cut = form_s + tail > max_seconds
    mix = Mix(plan, sr, int(round(duration * sr)), mute)
    kit = ins.drum_kit(sr, plan.seed % 100003, **plan.profile.kit)
    for sec in plan.sections:
        _render_harmony(mix, sec)
    if "drums" not in mix.mute:
        _render_drums(mix, kit)
    _render_voice(mix)
    fade = (0.5 if duration < 30 else 3.0) if cut else tail
    audio = _master(mix, fade)
    sung = any(s.lines for s in plan.sections)
    return Song(audio, sr, _meta(plan, seed, instrumental or not sung, audio.shape[0] / sr))


def _meta(plan: Plan, seed: int, instrumental: bool, duration: float) -> dict:
    return {
        "genre": plan.profile.name,
        "bpm": float(plan.bpm),
        "key": NOTE_NAMES[plan.tonic],
        "mode": plan.mode,
        "seed": int(seed),
        "bar_seconds": round(plan.bar_s, 6),
        "duration": round(duration, 3),
        "sections": [
            {"name": s.name, "start": round(s.start * plan.bar_s, 3)}
            for s in plan.sections
            if s.start * plan.bar_s < duration
        ],
        "instrumental": bool(instrumental),
        "progression": _roman(plan, plan.progs["verse"]),
    }
