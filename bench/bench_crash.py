"""The crash drill as a benchmark figure: pollers and workers (two of each by default) as real processes,
killed with SIGKILL mid-work and restarted, against the built-in engine; then lost songs, duplicate clips,
copies stored twice, incomplete files, and how long until everything was final.

Run by bench/bench_all.py with DATABASE_URL (and REDIS_URL) naming a throw-away database; the drill
migrates it and runs its own studio on a free port (scripts/crashdrill.py).

    .venv/bin/python bench/bench_crash.py [--pollers 2] [--workers 2] [--songs 10] [--rounds 4]
"""

from __future__ import annotations

import argparse
import os
import time

from common import ROOT, emit, load1  # noqa: F401 - ROOT puts the project on sys.path

from scripts.crashdrill import drill_studio


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pollers", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--songs", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--timeout", type=float, default=120.0)
    args = parser.parse_args()
    started = time.monotonic()
    with drill_studio(
        pollers=args.pollers,
        workers=args.workers,
        database_url=os.environ.get("DATABASE_URL", ""),
        redis_url=os.environ.get("REDIS_URL", ""),
    ) as studio:
        studio.songs_make(args.songs)
        studio.wait_sent(timeout=30)
        studio.kill_rounds(rounds=args.rounds, seconds=(1.0, 3.0))
        result = studio.wait_done(timeout=args.timeout)
    lost = sum(n for status, n in result["statuses"].items() if status != "succeeded")
    emit(
        {
            "crash": {
                "pollers": args.pollers,
                "workers": args.workers,
                "songs": args.songs,
                "kills": result["kills"],
                "lost": lost,
                "duplicate_clips": max(0, result["clips"] - 2 * args.songs),
                "duplicate_downloads": result["duplicate_downloads"],
                "broken_files": len(result["broken_files"]),
                "download_attempts": result["download_attempts"],
                "stored": result["stored"],
                "seconds": time.monotonic() - started,
                "load1": load1(),
            }
        }
    )


if __name__ == "__main__":
    main()
