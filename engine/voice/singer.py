"""The singer: lyric lines spoken by espeak-ng, then sung on the melody's notes with the WORLD vocoder.

For one sung line:
1. espeak-ng speaks the line's words (English with ``en-us``, hanzi with ``cmn``, other scripts with the
   nearest espeak-ng voice) and says where each phoneme starts (engine.voice.phonemes);
2. WORLD (pyworld: dio + stonemask, cheaptrick, d4c) analyses that speech into a pitch track, a spectral
   envelope and an aperiodicity per 5 ms frame;
3. each word's syllables are laid on its notes: the consonants before the vowel start on the note and
   keep their spoken length, the consonants after it end with the note, and the vowel (with the voiced
   sounds around it) is stretched over the rest, so every syllable lands on its note and vowels are held;
4. the pitch track is replaced by the melody (a short glide between notes, vibrato on held notes), the
   envelope is warped for the singer's vocal tract (formant scale) and tilted for brightness, and WORLD
   resynthesises the line, which is resampled to the song's rate.

A word with more notes than syllables holds its last vowel over them (a melisma); a word with fewer notes
than syllables sings the extra syllables quicker on its last note.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, replace

import numpy as np

from engine.voice import phonemes as ph
from engine.voice import syllables, vocoder, voices

FS = ph.SPOKEN_SR
HOP = 128  # analysis and synthesis frame: 5.8 ms at 22050 Hz (divides the vocoder's FFT size)
FRAME_S = HOP / FS
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_KANA = re.compile(r"[\u3040-\u30ff]")
_HANGUL = re.compile(r"[\uac00-\ud7af]")
_SCRIPTS = (  # other scripts and the espeak-ng voice that reads them (else en-us spells their letters out)
    (re.compile(r"[\u0400-\u04ff]"), "ru"),
    (re.compile(r"[\u0370-\u03ff\u1f00-\u1fff]"), "el"),
    (re.compile(r"[\u0590-\u05ff]"), "he"),
    (re.compile(r"[\u0600-\u06ff]"), "ar"),
    (re.compile(r"[\u0900-\u097f]"), "hi"),
    (re.compile(r"[\u0b80-\u0bff]"), "ta"),
    (re.compile(r"[\u0e00-\u0e7f]"), "th"),
    (re.compile(r"[\u10a0-\u10ff]"), "ka"),
    (re.compile(r"[\u0530-\u058f]"), "hy"),
)
EDGE_S = 0.025  # vowel transitions kept at spoken speed at both ends of a stretched vowel
FEMALE_VARIANT, FEMALE_FORMANT = "+f2", 1.16  # espeak-ng's female variant, and the formant scale it has
# espeak-ng's own voice is already a grown man's: a man's formant scale is relative to this (shrinking it
# by 0.80 ** 1.5 = 0.72 as before made his vowels run into each other; Whisper heard a third fewer words)
MALE_FORMANT = 0.87
MAX_CONSONANT_SHARE = 0.55  # consonants take at most this share of a short note (squeezed beyond it)
ONSET_GLIDE_S = 0.06


@dataclass(frozen=True)
class Note:
    start: float  # seconds from the line's start
    end: float
    midi: float


@dataclass(frozen=True)
class Singer:
    formant: float = 1.0  # envelope frequencies multiplied by this (vocal tract length)
    tilt: float = 0.0  # extra dB per octave above 1 kHz: negative is darker, positive brighter
    vibrato_hz: float = 5.6
    vibrato_st: float = 0.3
    espeak_variant: str = ""  # espeak-ng voice variant ("+f2"...) the words are first spoken with
    breath: float = 0.0  # share of aperiodic (breathy) sound in the voiced parts


def espeak_voice(word: str) -> str:
    """The espeak-ng voice that reads a word's script."""
    if _HAN.search(word):
        return "cmn"
    if _KANA.search(word):
        return "ja"
    if _HANGUL.search(word):
        return "ko"
    for script, voice in _SCRIPTS:
        if script.search(word):
            return voice
    return "en-us"


@dataclass
class _Analysis:
    spoken: ph.Spoken
    env: np.ndarray  # power envelope per frame (frames, bins)


def steady_pitch(x: np.ndarray, sr: int) -> float:
    """The one pitch of monotone speech: the strongest autocorrelation lag between 60 and 400 Hz."""
    size = 1 << int(np.ceil(np.log2(2 * len(x) + 1)))
    spec = np.fft.rfft(x, size)
    corr = np.fft.irfft(np.abs(spec) ** 2, size)
    lo, hi = int(sr / 400), int(sr / 60)
    return sr / (lo + int(np.argmax(corr[lo:hi])))


@functools.lru_cache(maxsize=512)
def _analysed(text: str, voice: str) -> _Analysis:
    spoken = ph.speak(text, voice=voice, rate=ph.SUNG_RATE)
    x = spoken.audio
    f0 = steady_pitch(x, FS) if len(x) > FS // 20 else 100.0
    # the speech itself is not kept: only its envelope is sung from (half this cache's memory)
    return _Analysis(replace(spoken, audio=np.zeros(0)), vocoder.envelope(x, FS, f0, HOP))


def _runs(words: list[tuple[str, list[Note]]]) -> list[tuple[str, list[tuple[str, list[Note]]]]]:
    """Consecutive words read by the same espeak-ng voice, spoken together so they run into each other."""
    runs: list[tuple[str, list[tuple[str, list[Note]]]]] = []
    for word, notes in words:
        voice = espeak_voice(word)
        if runs and runs[-1][0] == voice:
            runs[-1][1].append((word, notes))
        else:
            runs.append((voice, [(word, notes)]))
    return runs


def _spoken_words(run: list[str], voice: str, variant: str) -> list[list[tuple[_Analysis, ph.Syllable]]]:
    """The syllables of each word of a run: the run spoken at once when espeak-ng reads it as that many
    words (hanzi: that many syllables), otherwise word by word (numbers and abbreviations expand)."""
    name = voice + ("" if voice == "cmn" else variant)
    if voice == "cmn":
        chars = [c for w in run for c in _HAN.findall(w)]
        together = _analysed("".join(chars), name)
        sylls = ph.syllables_of(together.spoken)
        if len(sylls) == len(chars):
            it = iter(sylls)
            return [[(together, next(it)) for _ in _HAN.findall(w)] for w in run]
        pieces = [_HAN.findall(w) for w in run]
    else:
        together = _analysed(" ".join(run), name)
        if len(together.spoken.words) == len(run):
            out: list[list[tuple[_Analysis, ph.Syllable]]] = [[] for _ in run]
            for syl in ph.syllables_of(together.spoken):
                out[min(syl.word, len(run) - 1)].append((together, syl))
            if all(out):
                return out
        pieces = [[w] for w in run]
    result = []
    for parts in pieces:
        sylls_of_word = []
        for piece in parts:
            analysis = _analysed(piece, name)
            sylls_of_word += [(analysis, syl) for syl in ph.syllables_of(analysis.spoken)]
        result.append(sylls_of_word)
    return result


def _units(
    words: list[tuple[str, list[Note]]], variant: str
) -> list[tuple[_Analysis, list[ph.Phone], list[Note]]]:
    """(analysis, phones, notes) per sung unit: a syllable (or a few) on a note (or a few)."""
    out = []
    for voice, run in _runs([(w, n) for w, n in words if n]):
        for (_word, notes), sylls in zip(
            run, _spoken_words([w for w, _ in run], voice, variant), strict=True
        ):
            if sylls:
                out += _distribute(sylls, notes)
    return out


def _distribute(sylls, notes):
    """k syllables onto n notes: one each; extra syllables share the last note; extra notes are held by
    the last syllable's vowel."""
    k, n = len(sylls), len(notes)
    out = []
    for i in range(min(k, n)):
        last = i == min(k, n) - 1
        group = sylls[i:] if last else [sylls[i]]
        span = notes[i:] if last else [notes[i]]
        analysis = group[0][0]
        if any(a is not analysis for a, _ in group):  # syllables of separately spoken pieces: one each
            for j, (a, s) in enumerate(group):
                share = (span[-1].end - span[0].start) / len(group)
                t0 = span[0].start + j * share
                out.append((a, s.phones, [Note(t0, t0 + share, span[min(j, len(span) - 1)].midi)]))
            continue
        out.append((analysis, [p for _, s in group for p in s.phones], span))
    return out


def _segments(
    phones: list[ph.Phone], notes: list[Note]
) -> list[tuple[float, float, float, float, ph.Phone | None]]:
    """(out start s, out end s, source start, source end (samples), phone; None: voiced) per piece."""
    vowels = [i for i, p in enumerate(phones) if p.vowel] or [
        max(range(len(phones)), key=lambda i: phones[i].end - phones[i].start)
    ]
    first, last = vowels[0], vowels[-1]
    onset, middle, coda = phones[:first], phones[first : last + 1], phones[last + 1 :]
    t0, t1 = notes[0].start, notes[-1].end
    span = max(t1 - t0, 0.02)
    # a glide onset (w, y) moves into the vowel in at most ONSET_GLIDE_S: the vowel, which the ear (and an
    # onset detector) hears as the word's start, comes right after the note's start
    spoken = [min(p.end - p.start, ONSET_GLIDE_S * FS if _glide(p) else FS) / FS for p in onset]
    on = sum(spoken)
    co = sum(p.end - p.start for p in coda) / FS
    squeeze = min(1.0, MAX_CONSONANT_SHARE * span / max(on + co, 1e-6))
    on, co = on * squeeze, co * squeeze
    pieces = []
    t = t0
    for p, length in zip(onset, spoken, strict=True):
        d = length * squeeze
        pieces.append((t, t + d, p.start, p.end, p))
        t += d
    # the middle (vowels and what lies between them) stretched to fill the note, transitions kept
    m0, m1 = middle[0].start, middle[-1].end
    out0, out1 = t0 + on, t1 - co
    edge = min(EDGE_S * FS, (m1 - m0) / 3)
    edge_s = min(edge / FS, (out1 - out0) / 3)
    voiced_mid = None if any(not p.voiceless for p in middle) else middle[0]
    pieces.append((out0, out0 + edge_s, m0, m0 + edge, voiced_mid))
    pieces.append((out0 + edge_s, out1 - edge_s, m0 + edge, m1 - edge, voiced_mid))
    pieces.append((out1 - edge_s, out1, m1 - edge, m1, voiced_mid))
    t = out1
    for p in coda:
        d = (p.end - p.start) / FS * squeeze
        pieces.append((t, t + d, p.start, p.end, p))
        t += d
    return pieces


def _glide(p: ph.Phone) -> bool:
    return p.ipa in ("w", "j", "ʍ")


def _pitch(notes: list[Note], n_frames: int, singer: Singer) -> np.ndarray:
    """The melody in MIDI per frame (NaN where no note), glides of ~40 ms, vibrato after 150 ms of a note."""
    midi = np.full(n_frames, np.nan)
    vib = np.zeros(n_frames)
    for note in notes:
        a, b = int(note.start / FRAME_S), int(np.ceil(note.end / FRAME_S))
        midi[a:b] = note.midi
        t = np.arange(b - a) * FRAME_S
        ramp = np.clip((t - 0.15) / 0.2, 0.0, 1.0)
        vib[a:b] = singer.vibrato_st * ramp * np.sin(2 * np.pi * singer.vibrato_hz * t)
    filled = midi.copy()
    idx = np.flatnonzero(~np.isnan(filled))
    if len(idx):
        filled = np.interp(np.arange(n_frames), idx, filled[idx])
        k = 8  # 40 ms glide between notes
        filled = np.convolve(np.pad(filled, k, mode="edge"), np.ones(2 * k + 1) / (2 * k + 1), "valid")
    return filled + vib


def _warp(sp: np.ndarray, singer: Singer) -> np.ndarray:
    """Formant scale and spectral tilt applied to envelopes (frames, bins)."""
    bins = sp.shape[1]
    k = np.arange(bins)
    if abs(singer.formant - 1.0) > 1e-3:
        src = np.clip(k / singer.formant, 0, bins - 1)
        lo = np.floor(src).astype(int)
        hi = np.minimum(lo + 1, bins - 1)
        frac = src - lo
        sp = sp[:, lo] * (1 - frac) + sp[:, hi] * frac
    if singer.tilt:
        hz = np.maximum(k * (FS / 2) / (bins - 1), 1000.0)
        sp = sp * (10 ** (singer.tilt * np.log2(hz / 1000.0) / 10.0))[None, :]
    return sp


def sing_line(
    words: list[tuple[str, list[Note]]], singer: Singer, sample_rate: int, seed: int = 0
) -> np.ndarray:
    """One line sung: mono float32 at sample_rate, sample 0 at the line's time 0 (notes relative to it)."""
    notes = [n for _, ns in words for n in ns]
    if not notes:
        return np.zeros(0, dtype=np.float32)
    end_s = max(n.end for n in notes) + 0.05
    n_frames = int(np.ceil(end_s / FRAME_S)) + 1
    bins = vocoder.N_FFT // 2 + 1
    hz = np.arange(bins) * FS / vocoder.N_FFT
    f0 = np.zeros(n_frames)
    env = np.full((n_frames, bins), 1e-12, dtype=np.float32)
    share = np.ones((n_frames, bins), dtype=np.float32)
    # how much of each band is noise: vowels and sonorants breathe a little up high; z/v buzz below and
    # hiss above; voiceless consonants are all noise
    sonorant = np.clip((hz - 3000.0) / 6000.0, 0.0, 1.0) * 0.5 + 0.03 + singer.breath * 0.4
    buzz = np.where(hz < 1500.0, 0.15, 0.95)
    melody = _pitch(notes, n_frames, singer)
    for analysis, phones, unit_notes in _units(words, singer.espeak_variant):
        src_frames = len(analysis.env)
        for s0, s1, a, b, phone in _segments(phones, unit_notes):
            f_a, f_b = int(round(s0 / FRAME_S)), min(int(round(s1 / FRAME_S)), n_frames)
            if f_b <= f_a:
                continue
            src = np.linspace(a / HOP, b / HOP, f_b - f_a, endpoint=False)
            env[f_a:f_b] = analysis.env[np.clip(np.round(src).astype(int), 0, src_frames - 1)]
            if phone is None or not phone.voiceless:
                f0[f_a:f_b] = 440.0 * 2 ** ((melody[f_a:f_b] - 69) / 12)
                share[f_a:f_b] = buzz if phone is not None and phone.fricative else np.minimum(sonorant, 1.0)
    env = _warp(env, singer)
    y = vocoder.synthesize(f0, env, share, FS, HOP, seed)
    return _resample(y, FS, sample_rate).astype(np.float32)


def _resample(y: np.ndarray, rate_in: int, rate_out: int) -> np.ndarray:
    if rate_in == rate_out or not len(y):
        return y
    n_out = int(round(len(y) * rate_out / rate_in))
    size = 1 << int(np.ceil(np.log2(max(len(y), 2))))
    spec = np.fft.rfft(y, size)
    out_size = int(round(size * rate_out / rate_in))
    return np.fft.irfft(spec, out_size)[:n_out] * (out_size / size)


def for_voice(voice: voices.Voice) -> Singer:
    """The singer a voice (engine.voice.voices) describes: women are first spoken by espeak-ng's female
    variant, then every voice gets its own vocal-tract length (formant scale), brightness and vibrato."""
    female = voice.gender == "f" or (not voice.gender and voice.formant > 1.08)
    base = FEMALE_FORMANT if female else MALE_FORMANT if voice.gender == "m" else 1.0
    # spread wider than the voice's own numbers: espeak-ng's two base voices make every woman (every man)
    # start alike, and a singer must stay recognisable across styles and words
    return Singer(
        formant=round((voice.formant / base) ** 1.5, 4),
        tilt=round(-(voice.tilt - 1.2) * 12.0, 3),  # a steeper source tilt is a darker voice
        vibrato_hz=voice.vibrato_hz,
        vibrato_st=voice.vibrato_st,
        espeak_variant=FEMALE_VARIANT if female else "",
        breath=0.12 if female else 0.05,
    )


def sing(
    line: str, notes: list[tuple[float, float, float]], singer: Singer, sample_rate: int, seed: int = 0
) -> np.ndarray:
    """A lyric line sung on its notes, (start s, end s, MIDI) one per syllable (engine.voice.syllables) in
    song time; the audio's sample 0 is the first note's start. Words past the last note are not sung."""
    if not notes:
        return np.zeros(0, dtype=np.float32)
    t0 = notes[0][0]
    words, at = [], 0
    for word, count in syllables.words(line):
        mine = notes[at : at + count]
        at += count
        if mine:
            words.append((word, [Note(a - t0, b - t0, m) for a, b, m in mine]))
    return sing_line(words, singer, sample_rate, seed)
