"""Song lengths at the engine's real defaults: default songs per style and model, continuations and covers.

Each row renders as the engine's jobs do (engine.jobs.render's rules, without the database): a default song
is arranged to 2-4 minutes from its lyric; a continuation at t is never shorter than source[t:] unless a
duration asks; a cover plays its source's plan and keeps its length and section times.

Run from the project root:  .venv/bin/python bench/bench_songs.py [--seed 1]
"""

from __future__ import annotations

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from engine import catalog  # noqa: E402
from engine.music import composer  # noqa: E402
from engine.words import lyricist  # noqa: E402

STYLES = ("pop", "rock", "emotional punk", "heavy metal", "lofi chill", "edm", "trap", "ambient", "ballad")
SHORT = "[Verse]\nWalking down the streets\nBeneath the city lights"
PLAN_ARGS = ("tags", "lyrics", "title", "seed", "instrumental", "max_seconds", "genre", "bpm", "key", "mode")


def mmss(seconds: float) -> str:
    return f"{int(seconds // 60)}:{seconds % 60:04.1f}"


def defaults(seed: int, lyrics: str) -> None:
    print("default songs (the typical lyric; a short one; an instrumental), cap: chirp-v6's 8 minutes")
    print(f"{'style':15} {'lyric':>8} {'short':>8} {'instr.':>8}  sections (typical lyric)")
    for tags in STYLES:
        cells, names = [], ""
        for words, instrumental in ((lyrics, False), (SHORT, False), ("", True)):
            song = composer.compose(
                tags=tags, lyrics=words, title="Rain", seed=seed, instrumental=instrumental, max_seconds=480
            )
            cells.append(mmss(song.duration))
            names = names or ", ".join(s["name"] for s in song.meta["sections"])
        print(f"{tags:15} {cells[0]:>8} {cells[1]:>8} {cells[2]:>8}  {names}")
    print("\nthe typical lyric in pop, per model (its longest song):")
    long = "\n\n".join(lyricist.write_lyrics(prompt="rainy city nights", seed=s)[1] for s in range(1, 5))
    for mv in ("chirp-v3-5", "chirp-v4", "chirp-auk", "chirp-v6"):
        cap = catalog.longest_song(mv)
        typical = composer.compose(tags="pop", lyrics=lyrics, seed=seed, max_seconds=cap)
        longer = composer.compose(tags="pop", lyrics=long, seed=seed, max_seconds=cap)
        lengths = f"typical {mmss(typical.duration)}, four lyrics {mmss(longer.duration)}"
        print(f"  {mv:14} limit {mmss(cap):>7}: {lengths}")


def continuation(seed: int, lyrics: str) -> None:
    print("\ncontinuations of a pop song (the whole song = source[:t] + the new part):")
    source = composer.compose(tags="pop", lyrics=lyrics, title="Rain", seed=seed, max_seconds=480)
    m, d = source.meta, source.duration
    for at, words, asked in ((d * 0.4, SHORT, None), (d * 0.4, lyrics, None), (d * 0.8, SHORT, 20.0)):
        bar = m["bar_seconds"]
        join = -(-at // bar) * bar  # the next bar line (bar 0 at 0 in a song the engine made)
        controls = composer.Controls(
            target_seconds=asked - (join - at) if asked else None, min_seconds=d - join
        )
        new = composer.compose(
            tags="pop", lyrics=words, seed=seed + 1, max_seconds=480 - (join - at), genre=m["genre"],
            bpm=m["bpm"], key=m["key"], mode=m["mode"], intro=False, controls=controls,
        )  # fmt: skip
        part = join - at + new.duration
        said = (
            f"duration {asked:.0f} s asked" if asked else ("two lines" if words == SHORT else "a full lyric")
        )
        print(
            f"  source {mmss(d)} continued at {mmss(at)} ({said}): new part {mmss(part)}, "
            f"whole song {mmss(at + part)} ({(at + part) / d:.2f}x the source)"
        )


def covers(seed: int, lyrics: str) -> None:
    print("\ncovers of a pop song (lengths and section starts against the source):")
    source = composer.compose(tags="pop", lyrics=lyrics, title="Rain", seed=seed, max_seconds=480)
    melody = {k: source.args[k] for k in PLAN_ARGS} | {"intro": True, "controls": source.args["controls"]}
    starts = [s["start"] for s in source.meta["sections"]]
    for tags in ("emotional punk", "heavy metal", "ambient", "lofi chill", "ballad", "edm"):
        controls = composer.Controls(melody_from=melody, target_seconds=source.duration)
        cover = composer.compose(
            tags=tags, lyrics=lyrics, title="Rain", seed=seed, max_seconds=480, controls=controls
        )
        moved = max(abs(a - s["start"]) for a, s in zip(starts, cover.meta["sections"], strict=False))
        ratio = cover.duration / source.duration
        print(
            f"  {source.meta['bpm']:.0f} bpm pop {mmss(source.duration)} -> {tags:15} "
            f"{cover.meta['bpm']:5.1f} bpm {mmss(cover.duration)} ({ratio:.3f}x); "
            f"sections moved at most {moved:.2f} s"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    _title, lyrics = lyricist.write_lyrics(prompt="rainy city nights", seed=args.seed)
    defaults(args.seed, lyrics)
    continuation(args.seed, lyrics)
    covers(args.seed, lyrics)


if __name__ == "__main__":
    main()
