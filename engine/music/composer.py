"""Procedural song composer: a plan (engine.music.plan) and its tunes (engine.music.melody) -> a stereo song.

The plan fixes tempo, key, mode, progressions and form; the melody gives each syllable of a lyric line a
note the formant "voice" sings. Sound sources live in engine.music.instruments; this module decides what plays
when, then mixes and masters.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator
from dataclasses import asdict, dataclass, field, replace
from functools import partial

import numpy as np

from engine.music import arrange, mastering, sections
from engine.music import instruments as ins
from engine.music.genres import GENRES as GENRES  # the genre table; these names stay importable from here
from engine.music.genres import NOTE_NAMES as NOTE_NAMES
from engine.music.genres import PROFILES as PROFILES
from engine.music.genres import SCALES as SCALES
from engine.music.genres import Profile as Profile
from engine.music.genres import genres_named as genres_named
from engine.music.genres import pick_genre as pick_genre
from engine.music.genres import tempo_window as tempo_window
from engine.music.melody import SungNote as SungNote
from engine.music.melody import section_lines
from engine.music.melody import sung_line as sung_line
from engine.music.plan import Controls as Controls
from engine.music.plan import Plan as Plan
from engine.music.plan import Section, chords_in_bar, degree_midi, roman, voicing
from engine.music.plan import make_plan as make_plan
from engine.music.plan import parse_sections as parse_sections
from engine.voice import singer as vocalist
from engine.voice import voices
from engine.voice.syllables import syllables as syllables


@dataclass
class Song:
    audio: np.ndarray
    sample_rate: int
    meta: dict
    # what the voice sang: [line number, syllable number, onset s, offset s, midi] per lead note
    notes: list[list] = field(default_factory=list)
    args: dict = field(default_factory=dict)  # compose() arguments that make this song again (recompose)
    vocals: np.ndarray | None = None  # the voice as it sits in the master (compose(stems=True))

    @property
    def duration(self) -> float:
        return len(self.audio) / self.sample_rate


@dataclass
class SongSections(arrange.Sections):
    """A song (compose_sections) whose audio is made section by section (arrange.Sections: ``sections()``
    yields its master as (m, 2) float32 arrays, ``frames`` samples in all); the rest is known beforehand."""

    meta: dict
    notes: list[list]
    args: dict


# --- rendering ----------------------------------------------------------------------------------------------


class Mix:
    """Stereo buses plus a per-song note cache (songs repeat the same notes all the time)."""

    def __init__(
        self,
        plan: Plan,
        sr: int,
        n: int,
        mute: Collection[str] = (),
        voice: voices.Voice = voices.NEUTRAL,
        stems: bool = False,
        in_sections: bool = False,
    ):
        self.plan, self.sr, self.n = plan, sr, n
        self.singer = vocalist.for_voice(voice)
        self.sung: list[list] = []  # Song.notes
        self.mute = frozenset(mute)  # parts left out at the listener's request ("drums", "bass")
        names = ("drums", "music", "voice", "sung") if stems else ("drums", "music", "voice")
        # in sections: what each bus plays is recorded (engine.music.sections), not written into buffers
        self.events: list[tuple] | None = [] if in_sections else None
        self.buses = {} if in_sections else {name: np.zeros((2, n), dtype=np.float32) for name in names}
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

    def add(self, bus: str, t: float, sig: np.ndarray | sections.Sung, gain: float, pan: float = 0.0) -> None:
        start = int(round(t * self.sr))
        if start >= self.n or gain <= 0:
            return
        skip = max(0, -start)
        start += skip
        if sig.ndim == 1:
            angle = (pan + 1.0) * np.pi / 4.0
            gains = (np.float32(gain * np.cos(angle) * 1.41), np.float32(gain * np.sin(angle) * 1.41))
        else:
            gains = (np.float32(gain),)
        if self.events is not None:
            self.events.append((start, skip, bus, sig, gains))
            return
        sig = sig[..., skip:]
        m = min(sig.shape[-1], self.n - start)
        dest = self.buses[bus][:, start : start + m]
        if sig.ndim == 1:
            dest[0] += sig[:m] * gains[0]
            dest[1] += sig[:m] * gains[1]
        else:
            dest += sig[:, :m] * gains[0]

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


def _pattern_notes(pattern: str, first: int = 0, end: int = 16) -> list[tuple[int, int, str]]:
    """(step, length in steps, char) for each note start in a melodic pattern, within steps [first, end):
    a note held past ``end`` stops there (the chord changes)."""
    out = []
    for i, c in enumerate(pattern):
        if c not in ".-" and first <= i < end:
            length = 1
            while i + length < min(len(pattern), end) and pattern[i + length] == "-":
                length += 1
            out.append((i, length, c))
    return out


def _render_harmony(mix: Mix, sec: Section) -> None:
    for bar in range(sec.bars):
        if mix.beat_time(sec.start + bar, 0) * mix.sr >= mix.n:
            return
        for first, end, degrees in chords_in_bar(mix.plan, sec, bar):
            _render_chord(mix, sec, bar, (first, end), degrees)


def _render_chord(mix: Mix, sec: Section, bar: int, steps: tuple[int, int], degrees: tuple[int, ...]) -> None:
    """What the band plays over one chord: steps [first, end) of a bar (the whole bar, but for covers at
    half their source's tempo, which change chord at half bar)."""
    plan, prof = mix.plan, mix.plan.profile
    high = sec.role in ("chorus", "inst")
    energy = _ENERGY[sec.role]
    step_beats = 0.25
    first, end = steps
    b = sec.start + bar
    final = sec.role == "outro" and bar == sec.bars - 1
    comp = "x" + "-" * 15 if final or sec.role == "bridge" else prof.comp[high]
    chord_notes = [voicing(plan, degrees[:1], 46)[0]] if prof.power else voicing(plan, degrees, 62)
    for step, length, _ in _pattern_notes(comp, first, end):
        t = mix.beat_time(b, step * step_beats)
        dur = length * step_beats * 60 / plan.bpm * (2.0 if final else 1.0)
        for m in chord_notes:
            gain = (1.1 if prof.power else 0.5) * energy  # one power chord is as loud as a triad
            mix.play("music", prof.chords, m, t, dur, gain, pan=(m % 7 - 3) * 0.08)
    if prof.pad and (high or sec.role in ("prechorus", "bridge", "outro") or prof.name == "lofi"):
        for m in voicing(plan, degrees, 57) + [voicing(plan, degrees[:1], 45)[0]]:
            t = mix.beat_time(b, first * step_beats)
            mix.play("music", prof.pad, m, t, plan.bar_s * (end - first) / 16, 0.3 * energy)
    _render_bass(mix, sec, b, degrees, high, final, steps)
    rate = prof.arp_rate[high]
    if prof.arp and rate and sec.role not in ("intro", "outro"):
        tones = voicing(plan, degrees, 74)
        up = (tones + [tones[0] + 12])[:4]
        seq = up + up[::-1]  # eight notes: the pattern repeats every bar, never across the barline
        for i, step in enumerate(range(0, 16, rate)):
            if not first <= step < end:
                continue
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


def _render_bass(
    mix: Mix,
    sec: Section,
    b: int,
    degrees: tuple[int, ...],
    high: bool,
    final: bool,
    steps: tuple[int, int] = (0, 16),
) -> None:
    plan, prof = mix.plan, mix.plan.profile
    if "bass" in mix.mute:
        return
    if sec.role == "intro" and not prof.band:
        return
    pattern = "x" + "-" * 15 if final or sec.role == "bridge" else prof.bass_pat[high]
    root = voicing(plan, degrees[:1], 41 if prof.bass != "808" else 38)[0]
    fifth = voicing(plan, degrees[2:3], root + 7)[0]
    for step, length, c in _pattern_notes(pattern, *steps):
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
    if sec.role == "intro" and not prof.band and prof.name != "lofi":  # lofi: the beat from the first bar
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


def _render_voice(mix: Mix) -> None:
    """Sing each lyric line (or play the lead in instrumental songs / sections) over bar_lines bars."""
    plan = mix.plan
    beat_s = 60.0 / plan.bpm
    first_line = 0  # number of the section's first lyric line in the whole song
    for sec in plan.sections:
        first_line += len(sec.lines)
        for li, notes in enumerate(section_lines(plan, sec)):
            line_bar = sec.start + li * plan.bar_lines
            if mix.beat_time(line_bar, 0) * mix.sr >= mix.n:
                return
            line_no = first_line - len(sec.lines) + li
            timed = [(mix.beat_time(line_bar, note.beat), note.beats * beat_s, note) for note in notes]
            if not sec.lines:
                gain = 0.5 * (1.0 if sec.role != "verse" else 0.7)
                lead = plan.profile.lead
                for t, seconds, note in timed:
                    mix.play("voice", lead, note.midi + 12 * (lead in ("glass", "bell")), t, seconds, gain)
                continue
            leads = _sing_line(mix, sec, sec.lines[li], timed) if timed else []
            for i, ((t, seconds, note), lead) in enumerate(zip(timed, leads, strict=True)):
                # the 6th number: when the syllable's sound begins (its consonants come before the note)
                mix.sung.append(
                    [line_no, i, round(t, 4), round(t + seconds, 4), note.midi, round(t - lead, 4)]
                )


CHORUS_DOUBLE, CHORUS_THIRD = 0.3, 0.24  # gains of a chorus's double and third, the lead being 1


def _sing_line(mix: Mix, sec: Section, line: str, timed: list[tuple[float, float, SungNote]]) -> list[float]:
    """The singer sings the line (engine.voice.singer); in a chorus a quieter double (a few ms late, to
    the left) and a third above (to the right) thicken it. Lines sung twice on the same notes (choruses)
    are sung once and reused. Returns how long before each note its syllable begins (singer.lead_ins)."""
    t0 = timed[0][0]
    lead = [n.midi for _, _, n in timed]
    parts = [(1.0, 0.0, 0.0, lead)]
    if sec.role == "chorus":
        third = [degree_midi(mix.plan, n.degree + 2, mix.plan.voice_root) for _, _, n in timed]
        parts += [(CHORUS_DOUBLE, -0.45, 0.018, lead), (CHORUS_THIRD, 0.45, 0.012, third)]
    buses = ("voice", "sung") if "sung" in mix.buses else ("voice",)
    room = min(vocalist.LEAD_S, t0)  # a line at the song's very start has no time before it to begin in
    for gain, pan, delay, midis in parts:
        notes = _line_notes(timed, midis)
        key = ("line", line, notes, room)
        if key not in mix.cache:
            sing = partial(
                vocalist.sing, line, list(notes), mix.singer, mix.sr, seed=mix.plan.seed % 65521, room=room
            )
            mix.cache[key] = sections.Sung(sing) if mix.events is not None else sing()
        for bus in buses:  # the line's audio starts before its first note (engine.voice.singer.LEAD_S)
            mix.add(bus, t0 + delay - vocalist.LEAD_S, mix.cache[key], gain, pan)
    return vocalist.lead_ins(line, list(_line_notes(timed, lead)), mix.singer, room)


def _line_notes(timed: list[tuple[float, float, SungNote]], midis: list) -> tuple:
    """(start, end, MIDI) of each note from the line's first note, as the singer takes them."""
    t0 = timed[0][0]
    return tuple(
        (round(t - t0, 4), round(t - t0 + seconds, 4), float(m))
        for (t, seconds, _), m in zip(timed, midis, strict=True)
    )


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
    controls: Controls | None = None,
    voice: voices.Voice = voices.NEUTRAL,
    stems: bool = False,
) -> Song:
    """Compose and render a song. genre/bpm/key/mode/intro override the hashed choices (for continuations);
    mute leaves out "drums" and/or "bass" (negative tags); controls carry finer control and covers
    (engine.music.plan.Controls); voice is the singer (engine.voice.voices); stems also returns the voice
    as mastered."""
    take = _perform(locals(), stems=stems)
    mix, prof, sr = take.mix, take.mix.plan.profile, take.mix.sr
    audio, vocals = mastering.master(
        mix.buses,
        prof=prof,
        kicks=mix.kicks,
        seed=mix.plan.seed,
        bpm=mix.plan.bpm,
        sr=sr,
        fade_s=take.fade,
        vocal_stem=stems,
        singing=[(note[2], note[3]) for note in mix.sung],
    )
    return Song(audio, sr, take.meta, notes=mix.sung, args=take.args, vocals=vocals)


def compose_sections(**kwargs) -> SongSections:
    """compose() (same arguments, no stems), its audio made and mastered a section at a time
    (engine.music.sections): memory stays flat whatever the song's length, and the first section is
    out before the last is mastered. The same song as compose() makes, to the last bits."""
    unknown = set(kwargs) - set(_DEFAULTS)
    if unknown:
        raise TypeError(f"compose_sections() got unexpected arguments {sorted(unknown)}")
    take = _perform({**_DEFAULTS, **kwargs}, stems=False, in_sections=True)
    mix = take.mix

    def sections_of(tick: Callable[[], None] | None = None) -> Iterator[np.ndarray]:
        return sections.master(
            sections.Player(mix.events, ("drums", "music", "voice")),
            mix.n,
            prof=mix.plan.profile,
            kicks=mix.kicks,
            seed=mix.plan.seed,
            bpm=mix.plan.bpm,
            sr=mix.sr,
            fade_s=take.fade,
            singing=[(note[2], note[3]) for note in mix.sung],
            tick=tick,
        )

    return SongSections(mix.n, mix.sr, sections_of, meta=take.meta, notes=mix.sung, args=take.args)


@dataclass
class _Take:
    """A song performed into its buses (or recorded, in sections), not yet mastered."""

    mix: Mix
    fade: float
    meta: dict
    args: dict


def _perform(asked: dict, *, stems: bool, in_sections: bool = False) -> _Take:
    asked = {name: asked[name] for name in _DEFAULTS}
    tags, lyrics, title, seed = asked["tags"], asked["lyrics"], asked["title"], asked["seed"]
    instrumental, max_seconds, voice = asked["instrumental"], asked["max_seconds"], asked["voice"]
    genre, bpm, key, mode, intro = asked["genre"], asked["bpm"], asked["key"], asked["mode"], asked["intro"]
    mute = asked["mute"]
    controls = replace(asked["controls"] or Controls(), voice_base=voice.register)
    plan_args = {
        "tags": tags, "lyrics": lyrics, "title": title, "seed": seed, "instrumental": instrumental,
        "max_seconds": max_seconds, "genre": genre, "bpm": bpm, "key": key, "mode": mode, "intro": intro,
    }  # fmt: skip
    plan = make_plan(**plan_args, controls=controls)
    sr = int(asked["sample_rate"])
    form_s = sum(s.bars for s in plan.sections) * plan.bar_s
    tail = 3.0 if plan.profile.name == "ambient" else 2.0
    if not max_seconds > 0:
        raise ValueError("max_seconds must be positive")
    duration = min(form_s + tail, float(max_seconds))
    if controls.target_seconds:  # a length asked for is kept to the sample: the last chord rings to it
        duration = min(float(controls.target_seconds), float(max_seconds))
        tail = max(tail, duration - form_s)
    cut = form_s + tail > duration + 1e-9
    mix = Mix(plan, sr, int(round(duration * sr)), mute, voice, stems, in_sections)
    kit = ins.drum_kit(sr, plan.seed % 100003, **plan.profile.kit)
    for sec in plan.sections:
        _render_harmony(mix, sec)
    if "drums" not in mix.mute:
        _render_drums(mix, kit)
    _render_voice(mix)
    fade = (0.5 if duration < 30 else 3.0) if cut else tail
    sung = any(s.lines for s in plan.sections)
    meta = _meta(plan, seed, instrumental or not sung, mix.n / sr)
    if voice != voices.NEUTRAL:
        meta["voice"] = voice.to_dict()
    args = {**plan_args, "sample_rate": sr, "mute": sorted(mute), "controls": asdict(controls)}
    args["voice"] = voice.to_dict()
    return _Take(mix, fade, meta, args)


_DEFAULTS = {  # compose()'s arguments but stems, with their defaults
    "tags": "", "lyrics": "", "title": "", "seed": 0, "instrumental": False, "max_seconds": 120.0,
    "sample_rate": 44100, "genre": None, "bpm": None, "key": None, "mode": None, "intro": True, "mute": (),
    "controls": None, "voice": voices.NEUTRAL,
}  # fmt: skip


def recompose(args: dict, *, stems: bool = False) -> Song:
    """The song Song.args describe, again (bit-identical while the engine's code is unchanged)."""
    kwargs = dict(args)
    kwargs["controls"] = Controls(**kwargs.get("controls") or {})
    kwargs["voice"] = voices.from_dict(kwargs.get("voice"))
    return compose(**kwargs, stems=stems)


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
        "progression": roman(plan, plan.progs["verse"]),
    }
