"""Genre profiles: what each style sounds like (tempo range, keys, progressions, patterns, instruments).

One table, so a new genre is one entry. engine.music.composer decides what plays when from the chosen profile.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field

NOTE_NAMES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")
SCALES = {"major": (0, 2, 4, 5, 7, 9, 11), "minor": (0, 2, 3, 5, 7, 8, 10)}


# --- genre profiles -----------------------------------------------------------------------------------------
# Patterns are 16 sixteenth-note steps. Melodic: 'x' starts a note, '-' holds it, '.' rests ('o'/'f' in bass
# patterns play the octave / fifth). Drums: 'X' accent, 'x' normal, 'o' ghost.


@dataclass(frozen=True)
class Profile:
    name: str
    bpm: tuple[int, int]
    minor: float
    chords: str
    comp: tuple[str, str]
    bass: str
    bass_pat: tuple[str, str]
    drums: tuple[dict[str, str], dict[str, str]]
    pad: str | None = None
    arp: str | None = None
    arp_rate: tuple[int, int] = (0, 2)
    lead: str = "lead_synth"
    power: bool = False
    sevenths: bool = False
    swing: float = 0.0
    sidechain: float = 0.0
    kit: dict[str, float] = field(default_factory=dict)
    reverb: tuple[float, float] = (0.25, 1.8)
    drive: float = 1.6
    levels: tuple[float, float] = (0.9, 1.15)  # drums and voice RMS relative to the music bus
    tone: int = 0
    echo: float = 0.16
    band: bool = False
    crackle: bool = False
    riser: bool = False
    progs_major: tuple[tuple[int, ...], ...] = ((0, 4, 5, 3), (5, 3, 0, 4), (0, 5, 3, 4), (3, 0, 4, 5))
    progs_minor: tuple[tuple[int, ...], ...] = ((0, 5, 2, 6), (0, 3, 5, 4), (0, 6, 5, 6), (5, 6, 0, 0))


_BACKBEAT = {"kick": "X.......x.x.....", "snare": "....X.......X...", "hat": "x.x.x.x.x.x.x.x."}
_EIGHTHS = "x-x-x-x-x-x-x-x-"
_HOLD = "x---------------"
PROFILES: dict[str, Profile] = {
    p.name: p
    for p in (
        Profile(
            "pop",
            (96, 124),
            0.3,
            "piano",
            ("x-------x--x----", "x--x--x-x--x--x-"),
            "bass",
            ("x-------x-----x-", "x--x--x-x--o--x-"),
            (
                _BACKBEAT,
                {
                    "kick": "X.....x.X.x.....",
                    "clap": "....X.......X...",
                    "hat": "x.xxx.x.x.xxx.x.",
                    "ohat": "..............x.",
                },
            ),
            pad="pad",
            arp="pluck",
            arp_rate=(0, 2),
            riser=True,
        ),
        Profile(
            "rock",
            (108, 140),
            0.4,
            "rock_guitar",
            ("x-------x-------", _EIGHTHS),
            "bass",
            (_EIGHTHS, "x-x-x-x-x-x-o-x-"),
            (
                {"kick": "X.....x.X.......", "snare": "....X.......X...", "hat": "x.x.x.x.x.x.x.x."},
                {"kick": "X.....x.X.....x.", "snare": "....X.......X...", "ride": "x.x.x.x.x.x.x.x."},
            ),
            lead="lead_guitar",
            power=True,
            band=True,
            echo=0.08,
            kit={"kick_hz": 56, "snare_hz": 200},
        ),
        Profile(
            "punk",
            (160, 196),
            0.35,
            "punk_guitar",
            (_EIGHTHS, _EIGHTHS),
            "bass",
            (_EIGHTHS, _EIGHTHS),
            (
                {"kick": "X.......X.x.....", "snare": "....X.......X...", "hat": "xxxxxxxxxxxxxxxx"},
                {"kick": "X...x...X...x...", "snare": "..x...X...x...X.", "ohat": "x.x.x.x.x.x.x.x."},
            ),
            lead="lead_guitar",
            power=True,
            band=True,
            drive=2.2,
            echo=0.0,
            kit={"kick_hz": 58, "snare_hz": 210, "snare_decay": 0.13, "hat_decay": 0.06},
        ),
        Profile(  # gallops in the verse, open chords over double kick in the chorus
            "metal",
            (142, 178),
            1.0,
            "metal_guitar",
            ("x.xxx.xxx.xxx.xx", "x-------x-------"),
            "bass",
            ("x.xxx.xxx.xxx.xx", _EIGHTHS),
            (
                {"kick": "X.xxX.xxX.xxX.xx", "snare": "....X.......X...", "hat": "xxxxxxxxxxxxxxxx"},
                {"kick": "xxxxxxxxxxxxxxxx", "snare": "....X.......X...", "ohat": "x.x.x.x.x.x.x.x."},
            ),
            lead="lead_guitar",
            power=True,
            band=True,
            drive=2.4,
            reverb=(0.15, 1.4),
            levels=(1.0, 1.15),
            echo=0.0,
            kit={"kick_hz": 60, "kick_decay": 0.16, "click": 1.0, "drive": 2.5, "snare_hz": 230}
            | {"hat_decay": 0.06},  # longer hats: more sizzle, a brighter kit
            progs_minor=((0, 5, 6, 0), (0, 3, 5, 4), (0, 6, 5, 4), (0, 0, 5, 6)),
        ),
        Profile(  # swung, dusty e-piano sevenths with vinyl crackle
            "lofi",
            (70, 90),
            0.5,
            "epiano",
            ("x------x--------", "x-----x---x-----"),
            "sub",
            ("x-------x.....x-", "x-----x-x.....x-"),
            (
                {"kick": "X.......X.x.....", "snare": "....X.......X...", "hat": "x.x.xox.x.x.xox."},
                {"kick": "X......xX.x.....", "snare": "....X.......X..o", "hat": "x.xox.xox.xox.xo"},
            ),
            pad="pad",
            lead="epiano",
            sevenths=True,
            swing=0.55,
            tone=4,
            crackle=True,
            levels=(1.2, 1.05),  # the beat up front: a clear, laid-back (swung) boom-bap under the keys
            reverb=(0.3, 2.0),
            drive=1.3,
            kit={"kick_hz": 50, "kick_decay": 0.24, "click": 0.3, "snare_decay": 0.14, "hat_decay": 0.025},
            progs_major=((1, 4, 0, 5), (0, 5, 1, 4), (3, 2, 1, 0), (0, 3, 2, 5)),
            progs_minor=((0, 3, 6, 2), (3, 6, 0, 5), (0, 5, 3, 4), (5, 4, 0, 0)),
        ),
        Profile(  # four on the floor, offbeat bass, supersaw stabs then a sidechained drop
            "edm",
            (122, 128),
            0.6,
            "supersaw",
            ("..x...x...x...x.", _HOLD),
            "bass",
            ("..x...x...x...x.", "..x-..x-..x-..x-"),
            (
                {"kick": "X...X...X...X...", "clap": "....X.......X...", "ohat": "..x...x...x...x."},
                {
                    "kick": "X...X...X...X...",
                    "clap": "....X.......X...",
                    "hat": "xx.xxx.xxx.xxx.x",
                    "ohat": "..x...x...x...x.",
                },
            ),
            arp="pluck",
            arp_rate=(0, 1),
            sidechain=0.75,
            riser=True,
            drive=2.2,
            reverb=(0.25, 2.2),
            levels=(1.1, 1.1),
            kit={"kick_hz": 50, "kick_decay": 0.3, "drive": 2.0},
        ),
        Profile(  # half-time clap, rolling hats, 808 bass
            "trap",
            (132, 156),
            0.9,
            "pad",
            (_HOLD, _HOLD),
            "808",
            ("x------x--x-----", "x-----x-x-----x-"),
            (
                {"kick": "X......x..x.....", "clap": "........X.......", "hat": "x.x.x.x.x.x.x.x."},
                {"kick": "X.....x.x.....x.", "clap": "........X.......", "hat": "xoxoxoxoxoxoxoxo"},
            ),
            arp="bell",
            arp_rate=(4, 2),
            lead="bell",
            riser=True,
            reverb=(0.2, 1.6),
            drive=1.8,
            kit={"kick_hz": 48, "snare_decay": 0.12, "hat_decay": 0.02},
        ),
        Profile(  # pads and glassy arpeggios in a long dark reverb; the drums barely there
            "ambient",
            (60, 80),
            0.4,
            "pad",
            (_HOLD, _HOLD),
            "sub",
            (_HOLD, "x-------x-------"),
            (  # barely a pulse: the least beat of all the styles
                {},
                {"kick": "o...............", "shaker": "......o.......o."},
            ),
            arp="glass",
            arp_rate=(0, 4),
            lead="glass",
            reverb=(0.55, 4.5),
            drive=1.1,
            tone=6,
            levels=(0.45, 1.1),
            echo=0.3,
            kit={"kick_hz": 46, "kick_decay": 0.4, "click": 0.0},
        ),
        Profile(  # piano arpeggios, strings and soft drums only in the chorus
            "ballad",
            (64, 84),
            0.35,
            "piano",
            ("x-------x-------", "x-------x-------"),
            "sub",
            ("x-------x-------", "x-------x---x---"),
            ({}, {"kick": "X.......x.x.....", "snare": "....x.......x...", "hat": "o.o.o.o.o.o.o.o."}),
            pad="strings",
            arp="piano",
            arp_rate=(2, 2),
            lead="piano",
            reverb=(0.35, 2.6),
            drive=1.2,
            tone=3,
            levels=(0.65, 1.15),
            echo=0.2,
            kit={"snare_decay": 0.2},
        ),
        Profile(
            "default",
            (92, 118),
            0.4,
            "piano",
            ("x---x---x---x---", _EIGHTHS),
            "bass",
            ("x---x---x---x---", "x-x-x-x-x-x-x-o-"),
            (_BACKBEAT, {**_BACKBEAT, "ohat": "......x.......x."}),
            pad="pad",
            arp="pluck",
            arp_rate=(0, 2),
        ),
    )
}
GENRES: tuple[str, ...] = tuple(PROFILES)

_GENRE_WORDS = (  # checked in order, so the more specific word wins: "pop punk" is punk, "lofi hip hop" lofi
    ("metal", r"\b(metal|djent|thrash|doom|deathcore)|金属"),
    ("punk", r"\b(punk|hardcore|emo\b)|朋克"),
    ("lofi", r"\b(lo-?fi|chillhop|chill)|低保真"),
    ("trap", r"\b(trap|hip[ -]?hop|rap|drill|boom ?bap)\b|说唱|嘻哈"),
    ("edm", r"\b(edm|house|techno|trance|dance|electro|dubstep|club|rave)|电子|舞曲"),
    ("ambient", r"\b(ambient|drone|meditat|atmospher|new age)|氛围"),
    ("ballad", r"\b(ballad|love song)|抒情"),
    ("rock", r"\b(rock|grunge|garage)|摇滚"),
    ("pop", r"\b(pop|k-pop|synth)|流行"),
)


# Mood words in the tags steer the hashed choices: sad songs are minor, slow songs sit in the lower half of
# the genre's tempo range. Unmarked tags leave both to the hash, as before.
_MINOR = (
    r"\b(sad|melanchol|sorrow|lonely|gloomy|grief|somber|tragic|heartbr|dark|moody)"
    r"|悲|忧伤|伤感|哀|孤独|寂寞|思念"
)
_MAJOR = r"\b(happy|upbeat|joyful|uplifting|cheerful|sunny|romantic|hopeful|bright)|快乐|欢快|开心|阳光|甜蜜"
_SLOW = r"\b(slow|calm|mellow|gentle|sleepy|lullaby|melanchol)|慢|舒缓|安静|抒情"
_FAST = r"\b(fast|energetic|hyper|frantic|upbeat)|快节奏|激昂|动感"


def mood_mode(tags: str) -> str | None:
    """'minor' for sad tags, 'major' for happy ones, None when they say neither (or both)."""
    low = tags.lower()
    minor, major = bool(re.search(_MINOR, low)), bool(re.search(_MAJOR, low))
    return "minor" if minor and not major else "major" if major and not minor else None


def tempo_span(bpm: tuple[int, int], tags: str) -> tuple[int, int]:
    """The part of a genre's tempo range the tags ask for: lower half if slow, upper half if fast."""
    low, (lo, hi) = tags.lower(), bpm
    mid = (lo + hi) // 2
    slow, fast = bool(re.search(_SLOW, low)), bool(re.search(_FAST, low))
    return (lo, mid) if slow and not fast else (mid, hi) if fast and not slow else (lo, hi)


def tempo_window(genre: str) -> tuple[float, float]:
    """An octave that holds the genre's tempo range: lo/hi for analysis.estimate_tempo on such audio."""
    lo = PROFILES.get(genre, PROFILES["default"]).bpm[0] * 0.8
    return lo, 2.0 * lo


def pick_genre(tags: str, exclude: Collection[str] = ()) -> str:
    """The first genre the tags name, skipping excluded ones (negative tags); "default" when none."""
    low = tags.lower()
    for genre, pattern in _GENRE_WORDS:
        if genre not in exclude and re.search(pattern, low):
            return genre
    return "default"


def genres_named(text: str) -> set[str]:
    """Every genre a text names (for negative tags: all of them are excluded, not just the first)."""
    low = text.lower()
    return {genre for genre, pattern in _GENRE_WORDS if re.search(pattern, low)}
