"""First streamable audio and peak memory of the built-in engine's render, per song length.

For each length, in a fresh process (so peak RSS is that render's): a music task is submitted through the
engine's HTTP API (Django's test client, the task format), its render job runs as a queue worker would run
it (engine.jobs.lifecycle.render_task, in a thread, ENGINE_PACE as configured, default 1.0), and the main
thread polls the task as a client does (every 50 ms) until a clip has an audio_url whose first bytes come
back from the media link. Reported: seconds (wall and process CPU) from submit to those bytes, the task's
whole time, the process's CPU time, peak RSS (ru_maxrss) and its growth over the process before the
render. The queue's own pick-up delay (django-q2 polls every 0.2 s) is not included.

    .venv/bin/python bench/bench_stream.py [--lengths 60,180,360] [--pace 1.0]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

CHILD = r"""
import json, os, resource, sys, threading, time
sys.path.insert(0, _ROOT)
os.environ["DJANGO_SETTINGS_MODULE"] = "studio.settings_test"
import django
from django.conf import settings
django.setup()
settings.ENGINE_MAX_SECONDS = 480.0
settings.ENGINE_PACE = _PACE
from django.core.management import call_command
call_command("migrate", verbosity=0, run_syncdb=True)
from django.test import Client
from engine.jobs import leases, lifecycle
from engine.words import lyricist

leases.queue_render = lambda task_id, name=None: True  # the bench runs the job itself, as a worker would
key = settings.ENGINE_API_KEY
headers = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
lyrics = "\n\n".join(lyricist.write_lyrics(prompt="rainy city nights", seed=s)[1] for s in (1, 2, 3, 4))
body = {"prompt": lyrics, "tags": "upbeat pop", "title": "Stream", "mv": "chirp-v6", "duration": _SECONDS}
client = Client()
from engine.music import composer
composer.compose(tags="pop", lyrics="[Verse]\nHello there", title="warm", seed=0, max_seconds=3.0)
base_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
cpu0, t0 = time.process_time(), time.perf_counter()
answer = client.post("/suno/submit/music", data=json.dumps(body), content_type="application/json", **headers)
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
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def run(seconds: float, pace: float) -> dict:
    code = f"_ROOT, _PACE, _SECONDS = {ROOT!r}, {pace!r}, {seconds!r}\n" + CHILD
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    with tempfile.TemporaryDirectory(prefix="bench-stream-") as tmp:
        env["DATABASE_URL"] = f"sqlite:///{tmp}/db.sqlite3"
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT, check=False
        )
    if out.returncode:
        raise SystemExit(out.stderr[-3000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--lengths", default="60,180,360")
    parser.add_argument("--pace", type=float, default=1.0)
    args = parser.parse_args()
    rows = []
    for seconds in (float(s) for s in args.lengths.split(",")):
        load = os.getloadavg()[0]
        row = {"seconds": seconds, "load": load, **run(seconds, args.pace)}
        rows.append(row)
        song = sum(row["durations"])
        print(
            f"{seconds:5.0f} s song: first streamable bytes {row['first_bytes_s']:.2f} s after submit "
            f"(pace {args.pace:g} s; {row['first_cpu_s']:.2f} s CPU); task {row['task_s']:.2f} s; "
            f"CPU {row['cpu_s']:.2f} s for "
            f"{song:.0f} s of audio ({song / row['cpu_s']:.1f}x real time); peak RSS {row['rss_mb']:.0f} MB "
            f"(+{row['rss_mb'] - row['base_rss_mb']:.0f} MB over {row['base_rss_mb']:.0f}); load {load:.1f}",
            flush=True,
        )
    print("BENCH-RESULT " + json.dumps({"stream": rows}))


if __name__ == "__main__":
    main()
