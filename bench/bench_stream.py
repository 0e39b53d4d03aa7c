"""First streamable audio and peak memory of the built-in engine's render, per song length.

For each length, in a fresh process (so peak RSS is that render's): a task is submitted through the
engine's HTTP API (Django's test client, the task format), its render job runs as a queue worker would run
it (engine.jobs.lifecycle.render_task, in a thread, ENGINE_PACE as configured, default 1.0), and the main
thread polls the task as a client does (every 50 ms) until a clip has an audio_url whose first bytes come
back from the media link. Reported: seconds (wall and process CPU) from submit to those bytes, the task's
whole time, the process's CPU time, peak RSS (ru_maxrss) and its growth over the process before the
render. The queue's own pick-up delay (django-q2 polls every 0.2 s) is not included.

--kinds picks what is measured per length (default: song):
- song: a new song of that length (two clips);
- continue: a continuation at 30 s of a song of that length, itself that long (two clips);
- concat: the whole song of that chain, the song's first 30 s and the continuation (one clip).
continue and concat share one song, made beforehand in a process of its own (not measured); concat
joins the continuation made by continue (made unmeasured when continue is not asked for).

    .venv/bin/python bench/bench_stream.py [--lengths 60,180,360] [--pace 1.0] [--kinds song,continue,concat]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CUT_S = 30.0  # where the continuation continues the song

PREAMBLE = r"""
import json, os, resource, sys, threading, time
sys.path.insert(0, _ROOT)
os.environ["DJANGO_SETTINGS_MODULE"] = "studio.settings_test"
import django
from django.conf import settings
django.setup()
settings.ENGINE_MAX_SECONDS = 480.0
settings.ENGINE_PACE = _PACE
settings.MEDIA_ROOT = _MEDIA  # shared by the processes of one length: the song, its continuation, the concat
from django.core.management import call_command
call_command("migrate", verbosity=0, run_syncdb=True)
from django.test import Client
from engine.jobs import leases, lifecycle
from engine.words import lyricist

leases.queue_render = lambda task_id, name=None: True  # the bench runs the job itself, as a worker would
key = settings.ENGINE_API_KEY
headers = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
lyrics = "\n\n".join(lyricist.write_lyrics(prompt="rainy city nights", seed=s)[1] for s in (1, 2, 3, 4))
client = Client()
song = {"prompt": lyrics, "tags": "upbeat pop", "title": "Stream", "mv": "chirp-v6", "duration": _SECONDS}
bodies = {
    "song": ("/suno/submit/music", song),
    "continue": ("/suno/submit/music", {**song, "continue_clip_id": _SOURCE, "continue_at": _CUT}),
    "concat": ("/suno/submit/concat", {"clip_id": _SOURCE, "is_infill": False}),
}
"""

SETUP = r"""
settings.ENGINE_PACE = 0.0
path, body = bodies[_KIND]
task_id = client.post(path, data=json.dumps(body), content_type="application/json", **headers).json()["data"]
lifecycle.render_task(task_id)
data = client.get(f"/suno/fetch/{task_id}", **headers).json()["data"]
assert data["status"] == "SUCCESS", data
print(json.dumps({"clip": data["data"][0]["id"]}))
"""

MEASURE = r"""
from engine.music import composer
composer.compose(tags="pop", lyrics="[Verse]\nHello there", title="warm", seed=0, max_seconds=3.0)
base_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
cpu0, t0 = time.process_time(), time.perf_counter()
path, body = bodies[_KIND]
answer = client.post(path, data=json.dumps(body), content_type="application/json", **headers)
task_id = answer.json()["data"]
job = threading.Thread(target=lifecycle.render_task, args=(task_id,))
job.start()
first = None
while first is None and job.is_alive() or first is None:
    data = client.get(f"/suno/fetch/{task_id}", **headers).json()["data"]
    for clip in data.get("data") or []:
        if clip.get("audio_url"):
            media = client.get(clip["audio_url"].removeprefix("http://testserver"))
            if media.status_code in (200, 206):
                chunk = next(iter(media.streaming_content), b"")
                if chunk:
                    first = time.perf_counter() - t0
                    first_cpu = time.process_time() - cpu0
                    media.close()
                    break
    if first is None:
        if not job.is_alive() and data["status"] in ("SUCCESS", "FAILURE"):
            break
        time.sleep(0.05)
job.join()
whole = time.perf_counter() - t0
data = client.get(f"/suno/fetch/{task_id}", **headers).json()["data"]
durations = [c["metadata"].get("duration") or 0 for c in data["data"]]
print(json.dumps({"status": data["status"], "first_bytes_s": first, "first_cpu_s": first_cpu, "task_s": whole,
                  "cpu_s": time.process_time() - cpu0, "durations": durations, "base_rss_mb": base_rss,
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "clip": data["data"][0]["id"]}))
"""


def _child(script: str, kind: str, seconds: float, pace: float, tmp: str, source: str = "") -> dict:
    values = {"_ROOT": ROOT, "_PACE": pace, "_SECONDS": seconds, "_MEDIA": f"{tmp}/media"}
    values.update(_KIND=kind, _SOURCE=source, _CUT=CUT_S)
    code = "".join(f"{name} = {value!r}\n" for name, value in values.items()) + PREAMBLE + script
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    env["DATABASE_URL"] = f"sqlite:///{tmp}/db.sqlite3"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT, check=False
    )
    if out.returncode:
        raise SystemExit(out.stderr[-3000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def run(seconds: float, pace: float, kinds: list[str]) -> list[dict]:
    """The rows of one length: each kind asked for, measured in a process of its own."""
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-stream-") as tmp:
        source = ""
        if "song" in kinds:
            rows.append({"kind": "song", **_child(MEASURE, "song", seconds, pace, tmp)})
        if "continue" in kinds or "concat" in kinds:
            source = _child(SETUP, "song", seconds, pace, tmp)["clip"]
        if "continue" in kinds:
            rows.append({"kind": "continue", **_child(MEASURE, "continue", seconds, pace, tmp, source)})
            source = rows[-1]["clip"]
        elif "concat" in kinds:
            source = _child(SETUP, "continue", seconds, pace, tmp, source)["clip"]
        if "concat" in kinds:
            rows.append({"kind": "concat", **_child(MEASURE, "concat", seconds, pace, tmp, source)})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--lengths", default="60,180,360")
    parser.add_argument("--pace", type=float, default=1.0)
    parser.add_argument("--kinds", default="song", help="song, continue, concat (comma-separated)")
    args = parser.parse_args()
    kinds = [kind.strip() for kind in args.kinds.split(",")]
    unknown = set(kinds) - {"song", "continue", "concat"}
    if unknown:
        parser.error(f"unknown kinds: {sorted(unknown)}")
    rows = []
    for seconds in (float(s) for s in args.lengths.split(",")):
        load = os.getloadavg()[0]
        for row in run(seconds, args.pace, kinds):
            row = {"seconds": seconds, "load": load, **row}
            rows.append(row)
            audio = sum(row["durations"])
            print(
                f"{seconds:5.0f} s {row['kind']:8s}: first streamable bytes {row['first_bytes_s']:.2f} s "
                f"after submit (pace {args.pace:g} s; {row['first_cpu_s']:.2f} s CPU); "
                f"task {row['task_s']:.2f} s; "
                f"CPU {row['cpu_s']:.2f} s for "
                f"{audio:.0f} s of audio ({audio / row['cpu_s']:.1f}x real time); peak RSS "
                f"{row['rss_mb']:.0f} MB (+{row['rss_mb'] - row['base_rss_mb']:.0f} MB over "
                f"{row['base_rss_mb']:.0f}); load {load:.1f}",
                flush=True,
            )
    print("BENCH-RESULT " + json.dumps({"stream": rows}))


if __name__ == "__main__":
    main()
