"""Crash drill across processes: the studio's poller(s) and worker(s) as real processes, killed with SIGKILL
mid-work and started again, against the built-in engine over HTTP. Then: were songs lost, clips made
twice, media stored twice, and is every stored file complete?

Used by tests/e2e/test_crash_drill.py (SQLite, one poller, one worker) and bench/bench_crash.py (PostgreSQL
and Redis, two pollers and two workers). Each process runs in a session of its own, so a kill takes its
children too (qcluster's workers), as a crash of the machine's process would.

    with drill_studio(env, pollers=2, workers=2) as studio:
        studio.songs_make(8)
        studio.wait_sent(timeout=20)
        studio.kill_rounds(rounds=4, seconds=(1.0, 3.0))
        result = studio.wait_done(timeout=60)
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable

# Run inside the drill's studio (manage.py shell -c): what the database and the storage say.
_REPORT = r"""
import hashlib, json
from collections import Counter
from django.core.files.storage import default_storage
from songs.models import Clip, GenerationTask, COPIES_PENDING
tasks = list(GenerationTask.objects.values_list("pk", "status"))
clips = list(Clip.objects.all())
per_task = Counter(c.task_id for c in clips)
broken = []
for c in clips:
    if c.media_state != "stored":
        continue
    with default_storage.open(c.audio_file.name, "rb") as f:
        data = f.read()
    if not data or hashlib.sha256(data).hexdigest() != c.audio_sha256:
        broken.append(c.pk)
    if c.image_url and not (c.image_file and default_storage.size(c.image_file.name) > 0):
        broken.append(c.pk)
    if c.video_state == "stored" and not default_storage.size(c.video_file.name) > 0:
        broken.append(c.pk)
print("DRILL-REPORT " + json.dumps({
    "tasks": len(tasks),
    "statuses": dict(Counter(s for _, s in tasks)),
    "clips": len(clips),
    "clips_per_task_max": max(per_task.values(), default=0),
    "copies_pending": Clip.objects.filter(COPIES_PENDING).count(),
    "stored": sum(c.media_state == "stored" for c in clips),
    "videos_stored": sum(c.video_state == "stored" for c in clips),
    "media_failed": sum(c.media_state == "failed" for c in clips),
    "download_attempts": sum(c.media_attempts for c in clips),
    "broken_files": sorted(set(broken)),
    "polls": sum(GenerationTask.objects.values_list("polls", flat=True)),
    "unsent": GenerationTask.objects.filter(upstream_id="").count(),
}))
"""

_SONGS = r"""
from django.contrib.auth import get_user_model
from songs.services import requests, teams
user = get_user_model().objects.create_user("drill", password="drill-pass-123")
project = teams.project_create(user=user, name="Drill")
for n in range({count}):
    requests.music_request(project=project, user=user, mode="custom", mv="chirp-v3-5",
                           lyrics="[Verse]\nla la la", tags="pop", title=f"Drill {{n}}")
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def manage(env: dict, *args: str, capture: bool = False) -> str:
    done = subprocess.run(
        [PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=capture, text=True
    )
    return done.stdout if capture else ""


def drill_env(tmp: str, *, database_url: str = "", redis_url: str = "") -> dict:
    """A studio of its own: database, media, metrics and logs under ``tmp``; short job timeouts."""
    env = {
        **os.environ,
        "VAR_DIR": tmp,
        "MEDIA_ROOT": f"{tmp}/media",
        "STATIC_ROOT": f"{tmp}/static",  # DEBUG off: pages need the collected files' manifest
        "DATABASE_URL": database_url or f"sqlite:///{tmp}/db.sqlite3",
        "PROMETHEUS_MULTIPROC_DIR": f"{tmp}/metrics",
        "LOG_LEVEL": "INFO",
        "DEBUG": "false",
        "SECRET_KEY": f"drill-{os.getpid()}-{time.time_ns()}-throw-away-secret-key-0123456789abcdef",
        "ENGINE_PACE": "0.2",
        "ENGINE_MAX_SECONDS": "6",
        # A job whose worker was killed is handed out again after Q_RETRY seconds (90 in production).
        "Q_TIMEOUT": "20",
        "Q_RETRY": "25",
        # A download whose job died with its worker (Redis hands it to nobody) is queued again after this.
        "MEDIA_LEASE_SECONDS": "20",
        "DJANGO_SETTINGS_MODULE": "studio.settings",
    }
    env.pop("REDIS_URL", None)
    if redis_url:
        env["REDIS_URL"] = redis_url
    return env


class DrillStudio:
    def __init__(self, env: dict, logs: Path, pollers: int, workers: int) -> None:
        self.env, self.logs = env, logs
        self.port = int(env["PORT"])
        self.procs: dict[str, subprocess.Popen] = {}
        self.kills: list[str] = []
        self.names = [f"poller-{n}" for n in range(pollers)] + [f"worker-{n}" for n in range(workers)]

    def _command(self, name: str) -> tuple[list[str], dict]:
        if name == "web":
            return [
                PYTHON, "-m", "gunicorn", "studio.wsgi:application", "--bind", f"127.0.0.1:{self.port}",
                "--workers", "1", "--threads", "8", "--worker-class", "gthread", "--log-level", "warning",
            ], self.env  # fmt: skip
        if name == "engine":
            return [PYTHON, "manage.py", "qcluster"], {**self.env, "Q_CLUSTER_NAME": "engine"}
        if name.startswith("poller"):
            return [PYTHON, "manage.py", "studio_poller", "--interval", "0.5"], self.env
        return [PYTHON, "manage.py", "qcluster"], self.env

    def start(self, name: str) -> None:
        command, env = self._command(name)
        log = open(self.logs / f"{name}.log", "ab")  # noqa: SIM115 - kept by the process
        self.procs[name] = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        proc = self.procs.get(name)
        if proc is None or proc.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)  # the process and its children (qcluster's workers)
        proc.wait(timeout=30)

    def songs_make(self, count: int) -> None:
        manage(self.env, "shell", "-c", _SONGS.format(count=count))

    def wait_sent(self, *, timeout: float) -> None:
        """Until every request has its gateway task id. A worker killed mid-submit leaves the outcome
        unknown, which by design is never sent again (nothing billed twice): the task fails after
        SUBMIT_LEASE and its credits come back. The drill kills in the phase after: polls, ingest, copies."""
        deadline = time.monotonic() + timeout
        while self.report()["unsent"] and time.monotonic() < deadline:
            time.sleep(0.5)

    def kill_rounds(self, *, rounds: int, seconds: tuple[float, float], seed: int = 10) -> None:
        """Each round: wait a little, SIGKILL one poller and one worker mid-work, start them again."""
        rng = random.Random(seed)
        pollers = [n for n in self.names if n.startswith("poller")]
        workers = [n for n in self.names if n.startswith("worker")]
        for _ in range(rounds):
            time.sleep(rng.uniform(*seconds))
            victims = [rng.choice(pollers), rng.choice(workers)]
            for name in victims:
                self.kill(name)
                self.kills.append(name)
            time.sleep(0.3)
            for name in victims:
                self.start(name)

    def report(self) -> dict:
        out = manage(self.env, "shell", "-c", _REPORT, capture=True)
        line = next(line for line in out.splitlines() if line.startswith("DRILL-REPORT "))
        return json.loads(line.removeprefix("DRILL-REPORT "))

    def wait_done(self, *, timeout: float) -> dict:
        """Until every task is final and every copy stored (or failed), or ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            result = self.report()
            pending = sum(result["statuses"].get(s, 0) for s in ("queued", "submitted", "running"))
            if (pending == 0 and result["copies_pending"] == 0) or time.monotonic() > deadline:
                break
            time.sleep(1.0)
        result["duplicate_downloads"] = self.stored_twice()
        result["kills"] = len(self.kills)
        return result

    def stored_twice(self) -> int:
        """Copies stored more than once for the same clip and kind, from every worker's log."""
        seen: dict[str, int] = {}
        for path in self.logs.glob("worker-*.log"):
            for line in path.read_text(errors="replace").splitlines():
                if "copy stored:" in line:
                    key = line.split("copy stored:", 1)[1].strip()
                    seen[key] = seen.get(key, 0) + 1
        return sum(count - 1 for count in seen.values() if count > 1)

    def stop(self) -> None:
        for name in list(self.procs):
            self.kill(name, signal.SIGTERM)


def _wait_up(port: int, studio: DrillStudio) -> None:
    for _ in range(200):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/", timeout=1)  # noqa: S310
            return
        except OSError:
            if studio.procs["web"].poll() is not None:
                raise RuntimeError("the drill's web server exited while starting") from None
            time.sleep(0.2)
    raise RuntimeError("the drill's web server did not start")


@contextlib.contextmanager
def drill_studio(
    *, pollers: int = 1, workers: int = 1, database_url: str = "", redis_url: str = ""
) -> Iterator[DrillStudio]:
    """A migrated, running studio (web with the engine, engine worker, pollers, workers) in a temp dir."""
    with tempfile.TemporaryDirectory(prefix="studio-drill-") as tmp:
        env = drill_env(tmp, database_url=database_url, redis_url=redis_url)
        env["PORT"] = str(free_port())
        logs = Path(tmp) / "logs"
        logs.mkdir()
        manage(env, "migrate", "-v0")
        manage(env, "collectstatic", "--noinput", "-v0")
        studio = DrillStudio(env, logs, pollers, workers)
        try:
            studio.start("web")
            _wait_up(studio.port, studio)
            studio.start("engine")
            for name in studio.names:
                studio.start(name)
            yield studio
        finally:
            studio.stop()
