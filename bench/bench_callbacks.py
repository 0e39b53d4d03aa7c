"""Gateway completion to a playable stored card, with callbacks on and off (issue 18: 1 s and 2 s median).

Two running studios (``manage.py runstudio``), each on a throw-away SQLite database and the ORM broker of
its own: A is only the built-in engine (a gateway that makes real music), B is the studio measured, with
SUNO_API_FORMAT=sunoapi in front of the sunoapi.org / kie.ai stand-in (tests/standins/sunoapi.py) served
here, whose upstream is A's engine. The stand-in looks at its records every 50 ms, as the family's own
callback loop would, and calls back (signed) when B gave it an address (PUBLIC_BASE_URL set: callbacks on).

For each clip: from the moment the stand-in's record first offered its audio (its completion, as the
gateway sees it) to B's copy stored (``media_state = stored``: the card plays our own copy). Songs are
made one after another; ports 8440-8451 unless --ports says otherwise (each studio also takes the next port,
for its built-in engine).

    .venv/bin/python bench/bench_callbacks.py [--songs 6] [--redis redis://127.0.0.1:6379/<n>]
        [--ports ENGINE,STANDIN,STUDIO]

Without --redis both studios use the database as django-q2's broker (a job waits up to its Q_POLL, 0.1 s).
"""

from __future__ import annotations

import argparse
import os
import re
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from contextlib import suppress
from pathlib import Path

from common import ROOT, SONG_FORM, Browser, emit, load1, median, percentile

from tests.standins.serving import serving
from tests.standins.sunoapi import SunoApiStandIn

ENGINE_PORT, STANDIN_PORT, STUDIO_PORT = 8440, 8445, 8450
ENGINE_KEY, STANDIN_KEY, HMAC_KEY = "bench-engine-key-0123456789", "bench-kie-key-0123456789", "bench-hmac"
USER, PASSWORD = "bench", "bench-pass-123"


def manage(env: dict, *args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True)


def studio(folder: Path, **extra: str) -> dict:
    folder.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL", "SUNO_BASE_URL")}
    env |= {"VAR_DIR": str(folder), "DATABASE_URL": f"sqlite:///{folder / 'db.sqlite3'}", "WEB_WORKERS": "1"}
    env |= extra
    manage(env, "migrate", "-v0")
    return env


def start(env: dict, port: int, log: Path) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "manage.py", "runstudio", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its whole group is stopped at the end, and nothing else
    )
    browser = Browser(f"http://127.0.0.1:{port}", timeout=2)
    for _ in range(300):
        with suppress(OSError):
            if browser.get("/accounts/login/")[0] == 200:
                return proc
        if proc.poll() is not None:
            raise SystemExit(f"a studio exited while starting; see {log}")
        time.sleep(0.2)
    raise SystemExit("a studio did not start")


def stop(proc: subprocess.Popen) -> None:
    with suppress(ProcessLookupError):
        os.killpg(proc.pid, 15)
    try:
        proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, 9)


def measure(env: dict, stand_in: SunoApiStandIn, songs: int, log: Path) -> dict:
    db = env["DATABASE_URL"].removeprefix("sqlite:///")
    proc = start(env, STUDIO_PORT, log)
    try:
        browser = Browser(f"http://127.0.0.1:{STUDIO_PORT}")
        browser.login(USER, PASSWORD)
        browser.post("/", {"name": f"Bench {uuid.uuid4().hex[:6]}"})
        _, listing = browser.get("/")
        project = re.findall(r'href="(/projects/\d+/)"', listing)[0]
        tasks = []
        for _ in range(songs):
            form = {**SONG_FORM, "mv": "chirp-auk", "request_key": str(uuid.uuid4())}
            _, fragment = browser.post(project + "songs/", form, headers={"HX-Request": "true"})
            tasks.append(int(re.search(r'id="task-(\d+)"', fragment).group(1)))
            time.sleep(1.0)
        stored: dict[str, float] = {}
        deadline = time.monotonic() + 180
        with sqlite3.connect(db, timeout=30) as conn:
            while time.monotonic() < deadline and len(stored) < 2 * songs:
                now = time.time()
                marks = ",".join("?" * len(tasks))
                query = "SELECT upstream_id FROM songs_clip WHERE media_state = 'stored' AND task_id IN"
                rows = conn.execute(f"{query} ({marks})", tasks).fetchall()
                for (clip_id,) in rows:
                    stored.setdefault(clip_id, now)
                time.sleep(0.05)
        waits = [at - stand_in.audio_seen[clip] for clip, at in stored.items() if clip in stand_in.audio_seen]
        called = [c for c in stand_in.callbacks if c["status"] == 200]
        return {
            "clips": len(waits),
            "median_s": median(waits),
            "p90_s": percentile(waits, 0.9),
            "max_s": max(waits, default=None),
            "callbacks_taken": len(called),
            "load1": load1(),
        }
    finally:
        stop(proc)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--songs", type=int, default=6)
    parser.add_argument("--redis", default="", help="a Redis URL for the measured studio's broker and cache")
    parser.add_argument("--ports", default="8440,8445,8450", help="engine, stand-in and studio ports")
    args = parser.parse_args()
    global ENGINE_PORT, STANDIN_PORT, STUDIO_PORT
    ENGINE_PORT, STANDIN_PORT, STUDIO_PORT = (int(port) for port in args.ports.split(","))
    folder = Path(tempfile.mkdtemp(prefix="bench-callbacks-"))
    engine_env = studio(folder / "engine", SUNO_API_KEY=ENGINE_KEY, Q_WORKERS="1")
    studio_env = studio(
        folder / "studio",
        SUNO_BASE_URL=f"http://127.0.0.1:{STANDIN_PORT}",
        SUNO_API_KEY=STANDIN_KEY,
        SUNO_API_FORMAT="sunoapi",
        SUNO_MEDIA_ORIGINS=f"http://127.0.0.1:{ENGINE_PORT + 1}",
        SUNO_WEBHOOK_HMAC_KEY=HMAC_KEY,
        Q_WORKERS="2",
        **({"REDIS_URL": args.redis} if args.redis else {}),
    )
    manage(
        {**studio_env, "DJANGO_SUPERUSER_PASSWORD": PASSWORD},
        "createsuperuser",
        "--noinput",
        "--username",
        USER,
        "--email",
        "bench@example.com",
    )
    with sqlite3.connect(studio_env["DATABASE_URL"].removeprefix("sqlite:///")) as conn:
        conn.execute("UPDATE songs_team SET daily_credits = 1000000000")
    engine = start(engine_env, ENGINE_PORT, folder / "engine.log")
    stand_in = SunoApiStandIn(
        upstream_url=f"http://127.0.0.1:{ENGINE_PORT + 1}",
        upstream_key=ENGINE_KEY,
        key=STANDIN_KEY,
        hmac_key=HMAC_KEY,
    )
    looking, results = threading.Event(), {}

    def look() -> None:  # the family's own loop: records every 50 ms, a callback when one moves
        while not looking.is_set():
            with suppress(Exception):
                stand_in.tick()
            looking.wait(0.05)

    thread = threading.Thread(target=look, daemon=True)
    try:
        with serving(stand_in, port=STANDIN_PORT):
            thread.start()
            results["callbacks_off"] = measure(studio_env, stand_in, args.songs, folder / "off.log")
            on = {**studio_env, "PUBLIC_BASE_URL": f"http://127.0.0.1:{STUDIO_PORT}"}
            results["callbacks_on"] = measure(on, stand_in, args.songs, folder / "on.log")
    finally:
        looking.set()
        thread.join(timeout=10)
        stop(engine)
    emit(results)


if __name__ == "__main__":
    main()
