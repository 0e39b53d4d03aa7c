"""The singer: lyric lines spoken by espeak-ng, then sung on the melody's notes with the WORLD vocoder.

For one sung line:
1. espeak-ng speaks the line's words (English with ``en-us``, hanzi with ``cmn``, other scripts with the
   nearest espeak-ng voice) and says where each phoneme starts (engine.voice.phonemes);
2. WORLD (pyworld: dio + stonemask, cheaptrick, d4c) analyses that speech into a pitch track, a spectral
   envelope and an aperiodicity per 5 ms frame;
3. each word's syllables are laid on its notes: the consonants before the vowel keep their spoken length
   and come before the note (up to LEAD_S, as a singer sings them) so the vowel lands on it, the
   consonants after it end where the next syllable's begin, and the vowel (with the voiced sounds around
   it) is stretched over the rest, so every syllable lands on its note and vowels are held; voiceless
   consonants are espeak-ng's own samples (the vocoder would smear their bursts), scaled for the singer;
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
LEAD_S = 0.1  # onset consonants sung up to this long before their note; a line's audio starts this early
LEAD_SHARE = 0.3  # ... and taking at most this share of the note before


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
    noise: dict[int, np.ndarray]  # each voiceless phone's own samples (float32), by its start sample


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
    # of the speech itself only the voiceless consonants are kept (they are sung as spoken: nothing in them
    # has a pitch to change, and the vocoder's 23 ms frames would smear a 5 ms burst into a hiss, so "t"
    # and "h" were heard as "f"); the rest is sung from its envelope
    noise = {p.start: x[p.start : p.end].astype(np.float32) for p in spoken.phones if p.voiceless}
    return _Analysis(replace(spoken, audio=np.zeros(0)), vocoder.envelope(x, FS, f0, HOP), noise)


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


def _vowels(phones: list[ph.Phone]) -> tuple[int, int]:
    """Index of the first and the last vowel of a unit (a vowelless one: its longest phone)."""
    vowels = [i for i, p in enumerate(phones) if p.vowel] or [
        max(range(len(phones)), key=lambda i: phones[i].end - phones[i].start)
    ]
    return vowels[0], vowels[-1]


def _onset_lengths(phones: list[ph.Phone]) -> list[float]:
    """Seconds of each consonant before the vowel as sung: as spoken, but a glide onset (w, y) moves into
    the vowel in at most ONSET_GLIDE_S (the vowel, which the ear and an onset detector hear as the word's
    start, comes right after it)."""
    first, _ = _vowels(phones)
    return [min(p.end - p.start, ONSET_GLIDE_S * FS if _glide(p) else FS) / FS for p in phones[:first]]


def _leads(units: list[tuple[_Analysis, list[ph.Phone], list[Note]]], room: float) -> list[float]:
    """How long before its note each unit starts: its onset consonants, up to LEAD_S (as a singer sings
    them, so the vowel starts on the note) and up to LEAD_SHARE of the note before (in a fast song the
    vowel before keeps its note); the line's first unit has only ``room`` (the song's start)."""
    out = []
    for k, (_a, phones, _notes) in enumerate(units):
        before = units[k - 1][2] if k else None
        space = room if before is None else LEAD_SHARE * (before[-1].end - before[0].start)
        out.append(min(sum(_onset_lengths(phones)), LEAD_S, space))
    return out


def _segments(
    phones: list[ph.Phone], notes: list[Note], early: float, until: float | None = None
) -> list[tuple[float, float, float, float, ph.Phone | None]]:
    """(out start s, out end s, source start, source end (samples), phone; None: voiced) per piece.

    ``early``: how long before the note the onset consonants begin (_leads). ``until``: where the next
    unit's early consonants begin; this unit's vowel ends in time for its own final consonants to end
    there (it gives up at most 60 % of its note for them: the next word's consonants are sung at the end
    of this note, as a singer sings them, not over its final consonants)."""
    first, last = _vowels(phones)
    onset, middle, coda = phones[:first], phones[first : last + 1], phones[last + 1 :]
    t0, t1 = notes[0].start, notes[-1].end
    if until is not None:
        t1 = min(t1, max(until, t0 + 0.4 * (t1 - t0)))
    span = max(t1 - t0, 0.02)
    spoken = _onset_lengths(phones)
    on = sum(spoken)
    co = sum(p.end - p.start for p in coda) / FS
    squeeze = min(1.0, MAX_CONSONANT_SHARE * span / max(on - early + co, 1e-6))
    late = (on - early) * squeeze  # what of the onset still falls inside the note
    on_scale = (early + late) / on if on > 0 else 1.0
    co = co * squeeze
    pieces = []
    t = t0 - early
    for p, length in zip(onset, spoken, strict=True):
        d = length * on_scale
        pieces.append((t, t + d, p.start, p.end, p))
        t += d
    # the middle (vowels and what lies between them) stretched to fill the note, transitions kept
    m0, m1 = middle[0].start, middle[-1].end
    out0, out1 = t0 + late, t1 - co
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
    words: list[tuple[str, list[Note]]], singer: Singer, sample_rate: int, seed: int = 0, room: float = LEAD_S
) -> np.ndarray:
    """One line sung: mono float32 at sample_rate, notes relative to the line's time 0 and sample 0 LEAD_S
    before it (the first word's consonants are sung before its note)."""
    words = [(w, [Note(n.start + LEAD_S, n.end + LEAD_S, n.midi) for n in ns]) for w, ns in words]
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
    spliced: list[tuple[int, np.ndarray]] = []  # (output sample, samples): the voiceless consonants
    units = _units(words, singer.espeak_variant)
    leads = _leads(units, room)
    for k, (analysis, phones, unit_notes) in enumerate(units):
        src_frames = len(analysis.env)
        until = units[k + 1][2][0].start - leads[k + 1] if k + 1 < len(units) else None
        for s0, s1, a, b, phone in _segments(phones, unit_notes, leads[k], until):
            f_a, f_b = int(round(s0 / FRAME_S)), min(int(round(s1 / FRAME_S)), n_frames)
            if phone is not None and phone.voiceless and (a, b) == (phone.start, phone.end):
                noise = _voiced_by(analysis.noise[phone.start], singer)
                spliced.append((int(round(s0 * FS)), _consonant(noise, s1 - s0)))
                env[f_a:f_b], f0[f_a:f_b] = 1e-12, 0.0  # the vocoder is silent there (what it had: cut)
                continue
            if f_b <= f_a:
                continue
            src = np.linspace(a / HOP, b / HOP, f_b - f_a, endpoint=False)
            env[f_a:f_b] = analysis.env[np.clip(np.round(src).astype(int), 0, src_frames - 1)]
            if phone is None or not phone.voiceless:  # (a word of voiceless sounds only stays noise)
                f0[f_a:f_b] = 440.0 * 2 ** ((melody[f_a:f_b] - 69) / 12)
                share[f_a:f_b] = buzz if phone is not None and phone.fricative else np.minimum(sonorant, 1.0)
    env = _warp(env, singer)
    y = vocoder.synthesize(f0, env, share, FS, HOP, seed)
    for at, samples in spliced:
        part = samples[: max(0, len(y) - at)]
        y[at : at + len(part)] += part
    return _resample(y, FS, sample_rate).astype(np.float32)


def _voiced_by(samples: np.ndarray, singer: Singer) -> np.ndarray:
    """A spoken consonant as this singer's vocal tract makes it: its frequencies scaled by the formant scale
    (played faster or slower: a noise has no pitch to keep) and tilted by the brightness, as _warp does to
    the vowels' envelopes; so a consonant belongs to its singer, not to espeak-ng's voice."""
    y = samples
    if abs(singer.formant - 1.0) > 1e-3 and len(y) > 1:
        y = _resample(y, int(round(FS * singer.formant)), FS)
    if singer.tilt and len(y) > 1:
        hz = np.maximum(np.fft.rfftfreq(len(y), 1.0 / FS), 1000.0)
        y = np.fft.irfft(np.fft.rfft(y) * 10 ** (singer.tilt * np.log2(hz / 1000.0) / 20.0), len(y))
    return y.astype(np.float32)


def _consonant(samples: np.ndarray, seconds: float) -> np.ndarray:
    """A voiceless consonant as spoken, in ``seconds``: squeezed ones keep their end (a stop's burst, the
    part that leads into the vowel), with 2 ms fades so the cut does not click."""
    n = min(len(samples), max(1, int(round(seconds * FS))))
    out = samples[len(samples) - n :].copy()
    ramp = min(n // 2, int(0.002 * FS))
    if ramp:
        curve = np.linspace(0.0, 1.0, ramp, endpoint=False, dtype=np.float32)
        out[:ramp] *= curve
        out[n - ramp :] *= curve[::-1]
    return out


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


def _words_on(line: str, notes: list[tuple[float, float, float]]) -> list[tuple[str, list[Note]]]:
    """The line's words, each with its notes (times from the first note's start)."""
    t0 = notes[0][0]
    words, at = [], 0
    for word, count in syllables.words(line):
        mine = notes[at : at + count]
        at += count
        if mine:
            words.append((word, [Note(a - t0, b - t0, m) for a, b, m in mine]))
    return words


def sing(
    line: str,
    notes: list[tuple[float, float, float]],
    singer: Singer,
    sample_rate: int,
    seed: int = 0,
    room: float = LEAD_S,
) -> np.ndarray:
    """A lyric line sung on its notes, (start s, end s, MIDI) one per syllable (engine.voice.syllables) in
    song time; the audio's sample 0 is LEAD_S before the first note's start. Words past the last note are
    not sung. ``room``: the time before the first note there is to sing in (less at a song's very start)."""
    if not notes:
        return np.zeros(0, dtype=np.float32)
    return sing_line(_words_on(line, notes), singer, sample_rate, seed, room)


def lead_ins(
    line: str, notes: list[tuple[float, float, float]], singer: Singer, room: float = LEAD_S
) -> list[float]:
    """Seconds before each note that its syllable is heard to begin, what karaoke times start from: a
    syllable whose first consonant is voiceless (a hiss, a burst) is heard from it, sung up to LEAD_S
    ahead of the note; one that starts voiced (l, m, n, d: a murmur rising into the vowel) is heard
    from its vowel, on the note (0, as for a note that holds a syllable begun earlier). The same
    spoken analysis as sing() (cached), so it costs no second espeak-ng call."""
    if not notes:
        return []
    starts = {round(n[0] - notes[0][0], 6): i for i, n in enumerate(notes)}
    out = [0.0] * len(notes)
    units = _units(_words_on(line, notes), singer.espeak_variant)
    for (_analysis, phones, unit_notes), lead in zip(units, _leads(units, room), strict=True):
        i = starts.get(round(unit_notes[0].start, 6))
        if i is not None and phones[0].voiceless:
            out[i] = lead
    return out
