"""Benchmark the built-in engine: render, encode and cover times per genre, plus measured tempo and key,
and the style table: beat strength and brightness (spectral centroid) measured by the engine's own analysis,
and each style's instruments. Songs are the engine's default length (2-4 minutes) unless --seconds caps them.

Run from the project root:  .venv/bin/python bench/bench_engine.py [--seconds 480] [--seed 1]
"""

from __future__ import annotations

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "studio.settings")  # engine.jobs loads django-q2's models

import django  # noqa: E402

django.setup()

from engine.jobs import media  # noqa: E402
from engine.music import analysis, composer  # noqa: E402
from engine.words import lyricist  # noqa: E402

GENRES = (
    ("metal", "heavy metal"),
    ("punk", "emotional punk"),
    ("rock", "rock"),
    ("lofi", "lofi chill piano"),
    ("ambient", "ambient"),
    ("edm", "edm"),
    ("pop", "upbeat pop"),
    ("trap", "trap"),
    ("ballad", "ballad"),
    ("default", ""),
)


def _timed(fn, *args, **kwargs):
    start = time.perf_counter()
    result = fn(*args, **kwargs)
    return result, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=480.0, help="max_seconds for each render")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--prompt", default="rainy city nights", help="lyrics are written from this prompt")
    args = parser.parse_args()

    title, lyrics = lyricist.write_lyrics(prompt=args.prompt, seed=args.seed)
    composer.compose(tags="pop", title=title, seed=0, max_seconds=2.0)  # warm caches and imports
    header = (
        f"{'genre':8} {'dur s':>6} {'render s':>8} {'x rt':>5} {'mp3 s':>6} {'cover s':>7} "
        f"{'bpm':>5} {'meas':>6} {'key':>9} {'measured':>9} {'beat':>5} {'bright Hz':>9}  instruments"
    )
    sung = [line for line in lyrics.splitlines() if line.strip() and not line.startswith("[")]
    print(f"lyrics: {title!r}, {len(sung)} sung lines; max_seconds={args.seconds}")
    print(header)
    print("-" * len(header))
    for genre, tags in GENRES:
        song, render_s = _timed(
            composer.compose, tags=tags, lyrics=lyrics, title=title, seed=args.seed, max_seconds=args.seconds
        )
        _, mp3_s = _timed(media.encode_mp3, song.audio, song.sample_rate)
        _, cover_s = _timed(media.render_cover, title=title, tags=tags, seed=args.seed)
        lo, hi = composer.tempo_window(song.meta["genre"])
        tempo = analysis.estimate_tempo(song.audio, song.sample_rate, lo=lo, hi=hi)
        tonic, mode = analysis.estimate_key(song.audio, song.sample_rate)
        key = f"{song.meta['key']} {song.meta['mode'][:3]}"
        beat = analysis.beat_strength(song.audio, song.sample_rate, song.meta["bpm"])
        bright = analysis.spectral_centroid(song.audio, song.sample_rate)
        print(
            f"{genre:8} {song.duration:6.1f} {render_s:8.2f} {song.duration / render_s:5.0f} {mp3_s:6.2f} "
            f"{cover_s:7.2f} {song.meta['bpm']:5.0f} {tempo:6.1f} {key:>9} {tonic + ' ' + mode[:3]:>9} "
            f"{beat:5.2f} {bright:9.0f}  {_instruments(song.meta['genre'])}"
        )


def _instruments(genre: str) -> str:
    p = composer.PROFILES[genre]
    return "/".join(filter(None, (p.chords, p.bass, p.pad, p.arp, p.lead)))


if __name__ == "__main__":
    main()
