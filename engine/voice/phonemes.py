"""Phonemes and their spoken timing from espeak-ng: what the singer says, and for how long.

espeak-ng (GPL-3) comes as a shared library with its data in the ``espeakng-loader`` wheel; we load it with
ctypes as a library, unchanged, so nothing is installed from the system. One call speaks a line at 22050 Hz
and reports, through its phoneme events, every phoneme (in IPA) with the sample where it starts, and
through its word events which word of the text each phoneme belongs to. From those the line is cut into
syllables (one vowel nucleus each) that the singer (engine.voice.singer) puts on the melody's notes.

espeak-ng keeps global state, so calls are serialised by a lock; a line takes a few milliseconds.
"""

from __future__ import annotations

import ctypes
import functools
import threading
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

SPOKEN_SR = 22050
# words a minute the singer has espeak-ng speak at: slower than espeak-ng's 175, as a singer articulates;
# 120 rather than 140 made Whisper hear more of the mix (median 65 % against 59 %, seeds 3, 5, 7)
SUNG_RATE = 120
_SYNCHRONOUS = 2  # espeak_AUDIO_OUTPUT: AUDIO_OUTPUT_SYNCHRONOUS
_PHONEME_EVENTS, _PHONEME_IPA, _DONT_EXIT = 0x0001, 0x0002, 0x8000
_EVENT_WORD, _EVENT_END, _EVENT_PHONEME = 1, 5, 7
_CHARS_UTF8, _POS_CHARACTER = 1, 1
_RATE, _PITCH, _RANGE = 1, 3, 4
_LOCK = threading.Lock()

# IPA vowels espeak-ng writes (diphthongs come as one phoneme, e.g. "aɪ"); a phoneme holding one is a nucleus
VOWEL_CHARS = set("aeiouyæɑɒɐəɘɚɛɜɝɞɪʊʌɔøœɤɯɨʉɵʏᵻ")  # ᵻ: espeak-ng's reduced i (remember, poem)
# a diphthong followed by a schwa is one espeak-ng phoneme ("aɪə" in quiet, "aɪɚ" in fire) but two sung
# syllables (qui-et, fi-re, as "hour" is aʊ + ɚ): split, the diphthong taking this share of its time
_TRIPHTHONG_SHARE = 0.6
# voiceless consonants: the noise the singer keeps at its spoken length (everything else carries pitch)
VOICELESS = set("ptkfθsʃxhçɕʂʈqʔ") | {"ts", "tʃ", "tɕ", "ʈʂ", "tsʰ", "tɕʰ", "ʈʂʰ"}
VOICED_FRICATIVES = set("vzʒðʑʐʝɣβ") | {"dʒ", "dz", "dʑ"}
_MARKS = set("ʰːʲˑ˞ʷ")


class _Event(ctypes.Structure):
    _fields_ = [
        ("type", ctypes.c_int),
        ("unique_identifier", ctypes.c_uint),
        ("text_position", ctypes.c_int),
        ("length", ctypes.c_int),
        ("audio_position", ctypes.c_int),
        ("sample", ctypes.c_int),
        ("user_data", ctypes.c_void_p),
        ("id", ctypes.c_char * 8),
    ]


_CALLBACK = ctypes.CFUNCTYPE(
    ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.POINTER(_Event)
)


@dataclass
class Phone:
    ipa: str
    start: int  # sample at SPOKEN_SR
    end: int
    word: int  # index of the word (in the spoken text's word order) it belongs to

    @property
    def vowel(self) -> bool:
        return any(c in VOWEL_CHARS for c in unicodedata.normalize("NFD", self.ipa))

    @property
    def fricative(self) -> bool:
        """Voiced fricatives (z, v, ...): buzz below, hiss above."""
        return any(c in VOICED_FRICATIVES for c in self.ipa) and not self.vowel

    @property
    def voiceless(self) -> bool:
        core = "".join(c for c in self.ipa if c not in _MARKS and not unicodedata.combining(c))
        return core in VOICELESS


@dataclass
class Syllable:
    phones: list[Phone]
    word: int
    nucleus: int = 0  # index in phones of the vowel

    @property
    def start(self) -> int:
        return self.phones[0].start

    @property
    def end(self) -> int:
        return self.phones[-1].end


@dataclass
class Spoken:
    audio: np.ndarray  # float64 mono at SPOKEN_SR
    phones: list[Phone] = field(default_factory=list)
    words: list[tuple[int, int]] = field(default_factory=list)  # (text position, length) per word, 1-based


class _Engine:
    """The loaded library with its callback; one per process."""

    def __init__(self) -> None:
        import espeakng_loader  # the wheel that ships libespeak-ng and its data

        self.lib = ctypes.CDLL(espeakng_loader.get_library_path())
        data = Path(espeakng_loader.get_data_path())
        self.lib.espeak_Initialize.restype = ctypes.c_int
        rate = self.lib.espeak_Initialize(
            _SYNCHRONOUS, 0, str(data.parent).encode(), _PHONEME_EVENTS | _PHONEME_IPA | _DONT_EXIT
        )
        if rate != SPOKEN_SR:
            raise RuntimeError(f"espeak-ng did not start (answered {rate})")
        # espeak-ng looks for its data in <path>/espeak-ng-data
        self.lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        self.lib.espeak_Synth.argtypes = [
            ctypes.c_void_p, ctypes.c_size_t, ctypes.c_uint, ctypes.c_int, ctypes.c_uint, ctypes.c_uint,
            ctypes.c_void_p, ctypes.c_void_p,
        ]  # fmt: skip
        self._chunks: list[np.ndarray] = []
        self._events: list[tuple[int, int, int, int, bytes]] = []
        self._callback = _CALLBACK(self._collect)  # kept referenced: the library holds the pointer
        self.lib.espeak_SetSynthCallback(self._callback)
        self.voice = b""

    def _collect(self, wav, count, events) -> int:
        if count > 0:
            self._chunks.append(np.ctypeslib.as_array(wav, shape=(count,)).astype(np.float64) / 32768.0)
        i = 0
        while events[i].type != 0:
            e = events[i]
            self._events.append((e.type, e.text_position, e.length, e.sample, bytes(e.id)))
            i += 1
        return 0

    def speak(self, text: str, voice: str, rate: int, pitch: int, pitch_range: int) -> Spoken:
        if voice.encode() != self.voice:
            if self.lib.espeak_SetVoiceByName(voice.encode()) != 0:
                raise ValueError(f"espeak-ng has no voice {voice}")
            self.voice = voice.encode()
        self.lib.espeak_SetParameter(_RATE, rate, 0)
        self.lib.espeak_SetParameter(_PITCH, pitch, 0)
        self.lib.espeak_SetParameter(_RANGE, pitch_range, 0)
        self._chunks, self._events = [], []
        data = text.encode("utf-8") + b"\0"
        buf = ctypes.create_string_buffer(data)
        self.lib.espeak_Synth(buf, len(data), 0, _POS_CHARACTER, 0, _CHARS_UTF8, None, None)
        self.lib.espeak_Synchronize()
        audio = np.concatenate(self._chunks) if self._chunks else np.zeros(0)
        return _spoken(audio, self._events)


def _spoken(audio: np.ndarray, events: list[tuple[int, int, int, int, bytes]]) -> Spoken:
    phones: list[Phone] = []
    words: list[tuple[int, int]] = []
    for kind, pos, length, sample, ident in events:
        if kind == _EVENT_WORD:
            words.append((pos, length))
        elif kind == _EVENT_PHONEME:
            ipa = ident.split(b"\0", 1)[0].decode("utf-8", "replace").strip().strip(".")
            if phones:
                phones[-1].end = sample
            if ipa and ipa not in ("ˈ", "ˌ", "_", "‖", "|"):
                phones.append(
                    Phone(ipa.replace("ˈ", "").replace("ˌ", ""), sample, sample, max(0, len(words) - 1))
                )
        elif kind == _EVENT_END and phones:
            phones[-1].end = sample
    if phones and phones[-1].end <= phones[-1].start:
        phones[-1].end = len(audio)
    phones = [q for p in phones if p.end > p.start and p.ipa for q in _split_triphthong(p)]
    return Spoken(audio, phones, words)


def _split_triphthong(p: Phone) -> list[Phone]:
    core = p.ipa.replace("ː", "")
    if len(core) < 3 or core[-1] not in "əɚ" or not all(c in VOWEL_CHARS for c in core):
        return [p]
    cut = p.start + int((p.end - p.start) * _TRIPHTHONG_SHARE)
    return [Phone(p.ipa[:-1], p.start, cut, p.word), Phone(p.ipa[-1], cut, p.end, p.word)]


@functools.cache
def _engine() -> _Engine:
    return _Engine()


def speak(
    text: str, *, voice: str = "en-us", rate: int = 150, pitch: int = 50, pitch_range: int = 0
) -> Spoken:
    """``text`` spoken by espeak-ng: its audio and phonemes (with their sample spans and word numbers).

    pitch_range 0 (the default) speaks on one steady pitch, which is what the singer's analysis wants."""
    with _LOCK:
        return _engine().speak(text, voice, rate, pitch, pitch_range)


def syllables_of(spoken: Spoken) -> list[Syllable]:
    """The spoken phonemes cut into syllables: one vowel each; the consonants between two vowels of a word
    split so the next syllable gets its onset (one consonant, or all but the first of a cluster); a word's
    leading consonants go with its first vowel and its trailing ones with its last."""
    out: list[Syllable] = []
    by_word: dict[int, list[Phone]] = {}
    for p in spoken.phones:
        by_word.setdefault(p.word, []).append(p)
    for word, phones in sorted(by_word.items()):
        nuclei = [i for i, p in enumerate(phones) if p.vowel]
        if not nuclei:  # a word with no vowel ("hmm", a syllabic consonant): its longest voiced phone
            voiced = [i for i, p in enumerate(phones) if not p.voiceless] or [0]
            nuclei = [max(voiced, key=lambda i: phones[i].end - phones[i].start)]
        cuts = [0]
        for a, b in zip(nuclei, nuclei[1:], strict=False):
            between = b - a - 1
            cuts.append(b - (1 if between <= 1 else between - 1) if between else b)
        cuts.append(len(phones))
        for k, nucleus in enumerate(nuclei):
            lo, hi = cuts[k], cuts[k + 1]
            out.append(Syllable(phones[lo:hi], word, nucleus - lo))
    return out
