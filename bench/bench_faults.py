"""Fault drills on the real `make run` (manage.py runstudio: its supervisor, web, worker, poller and the
built-in engine's web server and worker), each in a temp folder of its own and bounded in time:

- ``kill``: SIGKILL of every kind of process (web, worker, poller, engine web, engine worker), round after
  round, while songs are made; then Ctrl-C (SIGINT) of runstudio. Counts the processes left behind in the
  killed processes' groups (and in every group once stopped), the longest wait for a role to be back
  (from the supervisor's status file), and lost or duplicate songs.
- ``redis``: a private Redis (``redis-server --port P``) as broker and cache, stopped for ``--outage``
  seconds while songs are requested over HTTP, then started again (empty: what it held is gone). Counts
  what Create, the project page and /health/ answered during the outage, lost and duplicate songs, and
  how long until every song was final.
- ``postgres``: a private PostgreSQL (initdb and pg_ctl in a temp folder, port P) as the database, stopped
  (``pg_ctl stop -m fast``) for ``--outage`` seconds while songs are in flight, then started again.
- ``backlog``: more songs than the engine can make (one engine worker, ENGINE_PACE slowed), with the
  studio's time-out at ``--backlog-timeout-minutes``: how long the backlog takes to drain, and how many
  songs the studio failed while the gateway still made them.

Only processes this script started are ever signalled (by their process group); the system's PostgreSQL
and Redis are never touched. Ports come from ``--ports`` (default 8840-8899), each checked free first.

    .venv/bin/python bench/bench_faults.py [--drills kill,redis,postgres,backlog] [--outage 20]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
from pathlib import Path

from common import ROOT, Browser, emit, load1

from scripts.crashdrill import PYTHON, manage

# Outage drills keep production's job time-out: a worker waits out a database blip inside it.
OUTAGE_JOBS = {"Q_TIMEOUT": "60", "Q_RETRY": "70"}
ROLES = ("web", "worker", "poller", "engine web", "engine worker")

_SETUP = r"""
from django.contrib.auth import get_user_model
from songs.services import teams
user = get_user_model().objects.create_user("drill", password="drill-pass-123")
print("PROJECT", teams.project_create(user=user, name="Drill").pk)
"""

_SONGS = r"""
from django.contrib.auth import get_user_model
from songs.models import Project
from songs.services import requests
user = get_user_model().objects.get(username="drill")
project = Project.objects.get(name="Drill")
for n in range({count}):
    requests.music_request(project=project, user=user, mode="custom", mv="chirp-v3-5",
                           lyrics="[Verse]\nla la la", tags="pop", title=f"Drill {{n}}")
"""

# What the studio and its engine say (both in the drill's database): songs by status, duplicates at the
# engine, songs the studio failed although the engine made them, copies still pending.
_REPORT = r"""
import json
from collections import Counter
from engine.models import EngineTask
from songs.gateway.parse import decode_v2_task_id, is_v2_task_id
from songs.models import COPIES_PENDING, Clip, GenerationTask
def engine_id(upstream):
    return decode_v2_task_id(upstream)[0] if is_v2_task_id(upstream) else upstream
engine = dict(EngineTask.objects.filter(action="MUSIC").values_list("id", "status"))
tasks = list(GenerationTask.objects.values_list("upstream_id", "status", "reason_code"))
print("FAULTS-REPORT " + json.dumps({
    "tasks": len(tasks),
    "statuses": dict(Counter(s for _, s, _ in tasks)),
    "reasons": dict(Counter(r for _, s, r in tasks if s == "failed")),
    "sent": sum(1 for u, _, _ in tasks if u),
    "engine_tasks": len(engine),
    "failed_but_made": sum(1 for u, s, _ in tasks if s == "failed" and engine.get(engine_id(u)) == "SUCCESS"),
    "copies_pending": Clip.objects.filter(COPIES_PENDING).count(),
    "clips": Clip.objects.count(),
}))
"""


@contextlib.contextmanager
def workdir(prefix: str):
    """A temp folder for one drill, removed afterwards unless FAULTS_KEEP is set (to read its logs)."""
    if os.environ.get("FAULTS_KEEP"):
        path = tempfile.mkdtemp(prefix=prefix)
        print(f"drill folder kept: {path}", flush=True)
        yield path
        return
    with tempfile.TemporaryDirectory(prefix=prefix) as path:
        yield path


class Ports:
    def __init__(self, spec: str) -> None:
        low, high = (int(part) for part in spec.split("-"))
        self.candidates = iter(range(low, high + 1))

    def take(self, count: int = 1) -> int:
        """The first of ``count`` consecutive free ports."""
        for first in self.candidates:
            if all(_free(first + n) for n in range(count)):
                for _ in range(count - 1):
                    next(self.candidates, None)
                return first
        raise RuntimeError("no free ports left in the range")


def _free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _group_members(pgid: int) -> list[int]:
    """Live processes (zombies aside) in a process group, read from /proc."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            stat = (entry / "stat").read_text()
            fields = stat.rsplit(")", 1)[1].split()
            if int(fields[2]) == pgid and fields[0] != "Z":
                members.append(int(entry.name))
    return members


class Studio:
    """`manage.py runstudio` in a session of its own, with a private VAR_DIR, database and port."""

    def __init__(self, tmp: Path, port: int, *, database_url: str = "", redis_url: str = "", **extra) -> None:
        self.tmp, self.port = tmp, port
        self.env = {
            **os.environ,
            "VAR_DIR": str(tmp),
            "MEDIA_ROOT": str(tmp / "media"),
            "STATIC_ROOT": str(tmp / "static"),
            "DATABASE_URL": database_url or f"sqlite:///{tmp}/db.sqlite3",
            "PROMETHEUS_MULTIPROC_DIR": str(tmp / "metrics"),
            "DEBUG": "false",
            "SECRET_KEY": f"faults-drill-{os.getpid()}-{time.time_ns()}-throw-away-secret-key-0123456789",
            "PORT": str(port),
            "ENGINE_PORT": str(port + 1),
            "ENGINE_PACE": "0.2",
            "ENGINE_MAX_SECONDS": "6",
            "Q_TIMEOUT": "20",
            "Q_RETRY": "25",
            "MEDIA_LEASE_SECONDS": "20",
            "WEB_WORKERS": "1",
            "DJANGO_SETTINGS_MODULE": "studio.settings",
            **extra,
        }
        self.env.pop("REDIS_URL", None)
        self.env.pop("SUNO_BASE_URL", None)
        if redis_url:
            self.env["REDIS_URL"] = redis_url
        self.proc: subprocess.Popen | None = None
        self.project = 0

    def migrate(self) -> None:
        manage(self.env, "migrate", "-v0")
        manage(self.env, "collectstatic", "--noinput", "-v0")
        out = manage(self.env, "shell", "-c", _SETUP, capture=True)
        self.project = int(next(line for line in out.splitlines() if line.startswith("PROJECT")).split()[1])

    def start(self) -> None:
        log = open(self.tmp / "runstudio.log", "ab")  # noqa: SIM115 - kept by the process
        self.proc = subprocess.Popen(
            [PYTHON, "manage.py", "runstudio", "--port", str(self.port)],
            cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            status = self.status()
            running = status is None or all(role.get("running") for role in status["roles"].values())
            if running and self.up():  # (no status file: an older studio, compared before/after)
                return
            time.sleep(0.3)
        raise RuntimeError(f"the drill's studio did not start (see {self.tmp}/runstudio.log)")

    def up(self) -> bool:
        try:
            return Browser(f"http://127.0.0.1:{self.port}", timeout=3).get("/accounts/login/")[0] == 200
        except OSError:
            return False

    def status(self) -> dict | None:
        with contextlib.suppress(OSError, ValueError):
            return json.loads((self.tmp / "supervisor.json").read_text())
        return None

    def songs(self, count: int) -> None:
        manage(self.env, "shell", "-c", _SONGS.format(count=count))

    def report(self) -> dict:
        out = manage(self.env, "shell", "-c", _REPORT, capture=True)
        return json.loads(
            next(x for x in out.splitlines() if x.startswith("FAULTS-REPORT ")).split(" ", 1)[1]
        )

    def wait_final(self, timeout: float) -> tuple[dict, float]:
        started = time.monotonic()
        while True:
            try:
                result = self.report()
            except subprocess.CalledProcessError:  # the database is still coming back
                time.sleep(1)
                continue
            pending = sum(result["statuses"].get(s, 0) for s in ("queued", "submitted", "running"))
            if (pending == 0 and result["copies_pending"] == 0) or time.monotonic() - started > timeout:
                return result, time.monotonic() - started
            time.sleep(1.0)

    def stop(self) -> list[int]:
        """Ctrl-C, as a person at the terminal; then what is left in any group the studio ever had."""
        if self.proc is None:
            return []
        groups = {self.proc.pid} | {
            r["pid"] for r in (self.status() or {"roles": {}})["roles"].values() if r["pid"]
        }
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.proc.pid, signal.SIGINT)
        try:
            self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
        time.sleep(1.0)
        left = [pid for pgid in groups for pid in _group_members(pgid)]
        for pid in left:  # the drill leaves nothing running, whatever the studio did
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        return left


def lost_and_duplicates(result: dict, songs: int) -> dict:
    return {
        "songs": songs,
        "succeeded": result["statuses"].get("succeeded", 0),
        "lost": result["tasks"] - result["statuses"].get("succeeded", 0),
        "failed_reasons": result["reasons"],
        # Each request makes one engine task at most (one whose answer was lost has no id here, but a task).
        "duplicates_at_engine": max(0, result["engine_tasks"] - result["tasks"]),
        "failed_but_made": result["failed_but_made"],
    }


# --- drills ------------------------------------------------------------------------------------------


def drill_kill(ports: Ports, rounds: int, songs: int) -> dict:
    with workdir("faults-kill-") as tmp:
        studio = Studio(Path(tmp), ports.take(2))
        studio.migrate()
        studio.start()
        started = time.monotonic()
        studio.songs(songs)
        # As the crash drill: a worker killed mid-submit leaves the outcome unknown, which by design is never
        # sent again (it fails, credits back). The kills start once every request has its gateway id.
        deadline = time.monotonic() + 60
        while studio.report()["sent"] < songs and time.monotonic() < deadline:
            time.sleep(0.5)
        rng = random.Random(20)
        kills, leftovers, back = 0, [], []
        for _ in range(rounds):
            for role in ROLES:
                status = studio.status()
                pid = status["roles"][role]["pid"] if status else None
                if not pid:
                    continue
                members = _group_members(pid)
                victim = rng.choice(members) if len(members) > 1 and rng.random() < 0.3 else pid
                killed_at = time.monotonic()
                with contextlib.suppress(ProcessLookupError):
                    os.kill(victim, signal.SIGKILL)
                kills += 1
                if victim == pid:  # the top process: the role must come back under a new pid
                    while time.monotonic() - killed_at < 30:
                        role_now = (studio.status() or {"roles": {}})["roles"].get(role, {})
                        if role_now.get("running") and role_now.get("pid") != pid:
                            break
                        time.sleep(0.05)
                    back.append(time.monotonic() - killed_at)
                    time.sleep(1.0)
                    leftovers += _group_members(pid)  # its children, were they left running
                time.sleep(rng.uniform(0.2, 1.0))
        result, drain = studio.wait_final(timeout=180)
        left_after_stop = studio.stop()
        return {
            "kills": kills,
            "left_in_killed_groups": len(leftovers),
            "left_after_ctrl_c": len(left_after_stop),
            "longest_back_s": max(back, default=0.0),
            **lost_and_duplicates(result, songs),
            "seconds": time.monotonic() - started,
            "load1": load1(),
        }


def _http_round(browser: Browser, project: int, n: int) -> dict[str, int]:
    """One Create, one project page, one /health/: each one's HTTP status (0: no answer at all)."""
    answers = {}
    form = {
        "mode": "custom",
        "lyrics": "[Verse]\nla la",
        "tags": "pop",
        "title": f"Outage {n}",
        "mv": "chirp-v3-5",
    }
    for name, call in (
        ("create", lambda: browser.post(f"/projects/{project}/songs/", form, headers={"HX-Request": "true"})),
        ("page", lambda: browser.get(f"/projects/{project}/")),
        ("health", lambda: browser.get("/health/", headers={"Accept": "application/json"})),
    ):
        try:
            answers[name] = call()[0]
        except (OSError, urllib.error.URLError):
            answers[name] = 0
    return answers


def _outage(studio: Studio, stop, start, seconds: float, songs_before: int) -> dict:
    browser = Browser(f"http://127.0.0.1:{studio.port}", timeout=10)
    browser.login("drill", "drill-pass-123")
    studio.songs(songs_before)  # in flight when the outage begins
    time.sleep(2.0)
    stop()
    down_at, during, n = time.monotonic(), [], 0
    while time.monotonic() - down_at < seconds:
        during.append(_http_round(browser, studio.project, n))
        n += 1
        time.sleep(1.0)
    start()
    back_at, after = time.monotonic(), None
    while time.monotonic() - back_at < 60:
        answers = _http_round(browser, studio.project, n)
        n += 1
        if all(code in (200, 204, 286) for code in (answers["create"], answers["page"])):
            after = time.monotonic() - back_at
            break
        time.sleep(0.5)
    result, drain = studio.wait_final(timeout=180)
    summary = {}
    for name in ("create", "page", "health"):
        codes = [round_[name] for round_ in during]
        summary[f"{name}_ok_during"] = f"{sum(200 <= c < 300 for c in codes)}/{len(codes)}"
        summary[f"{name}_5xx_during"] = sum(c >= 500 for c in codes)
    return {
        "outage_s": seconds,
        **summary,
        "pages_back_after_s": after,
        "all_final_after_s": drain,
        **lost_and_duplicates(result, songs_before + n),
        "load1": load1(),
    }


def drill_redis(ports: Ports, seconds: float, songs: int) -> dict:
    redis_port = ports.take()
    with workdir("faults-redis-") as tmp:
        server: dict[str, subprocess.Popen] = {}

        def redis_start() -> None:
            server["p"] = subprocess.Popen(
                ["redis-server", "--port", str(redis_port), "--bind", "127.0.0.1"]
                + ["--save", "", "--appendonly", "no"],  # nothing kept: a crash loses what it held
                stdout=subprocess.DEVNULL, start_new_session=True,
            )  # fmt: skip
            time.sleep(0.5)

        def redis_stop() -> None:
            server["p"].kill()  # as a crash: whatever it held is gone
            server["p"].wait(timeout=10)

        redis_start()
        studio = Studio(
            Path(tmp), ports.take(2), redis_url=f"redis://127.0.0.1:{redis_port}/0", **OUTAGE_JOBS
        )
        try:
            studio.migrate()
            studio.start()
            result = _outage(studio, redis_stop, redis_start, seconds, songs)
            result["left_after_ctrl_c"] = len(studio.stop())
            return result
        finally:
            studio.stop()
            server["p"].kill()


def drill_postgres(ports: Ports, seconds: float, songs: int) -> dict:
    pg_port = ports.take()
    with workdir("faults-pg-") as tmp:
        # PostgreSQL refuses to run as root: then the server (only this private one) runs as "postgres".
        run_as = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        home = Path(tmp) / "pg"
        home.mkdir()
        if run_as:
            os.chmod(tmp, 0o755)  # noqa: S103 - the server's user must reach its folder inside
            shutil.chown(home, "postgres", "postgres")
        data = home / "data"
        subprocess.run(
            [*run_as, "initdb", "-D", str(data), "-U", "postgres", "--auth", "trust"],
            check=True,
            capture_output=True,
        )
        ctl = [
            *run_as,
            "pg_ctl",
            "-D",
            str(data),
            "-l",
            str(home / "log"),
            "-o",
            f"-p {pg_port} -k {home} -h 127.0.0.1",
        ]

        def pg_start() -> None:
            subprocess.run([*ctl, "-w", "start"], check=True, capture_output=True)

        def pg_stop() -> None:
            subprocess.run([*ctl, "-m", "fast", "-w", "stop"], check=True, capture_output=True)

        pg_start()
        subprocess.run(
            ["createdb", "-h", "127.0.0.1", "-p", str(pg_port), "-U", "postgres", "studio"], check=True
        )
        studio = Studio(
            Path(tmp),
            ports.take(2),
            database_url=f"postgres://postgres@127.0.0.1:{pg_port}/studio",
            **OUTAGE_JOBS,
        )
        try:
            studio.migrate()
            studio.start()
            result = _outage(studio, pg_stop, pg_start, seconds, songs)
            result["left_after_ctrl_c"] = len(studio.stop())
            return result
        finally:
            studio.stop()
            with contextlib.suppress(subprocess.CalledProcessError):
                pg_stop()


def drill_backlog(ports: Ports, songs: int, rate: float, timeout_minutes: int) -> dict:
    with workdir("faults-backlog-") as tmp:
        studio = Studio(
            Path(tmp), ports.take(2),
            ENGINE_PACE="1.0",  # about a song every few seconds: the queue grows while songs are sent
            ENGINE_WORKERS="1",
            TASK_TIMEOUT_MINUTES=str(timeout_minutes),
        )  # fmt: skip
        studio.migrate()
        studio.start()
        browser = Browser(f"http://127.0.0.1:{studio.port}", timeout=30)
        browser.login("drill", "drill-pass-123")
        started, refused = time.monotonic(), 0
        for n in range(songs):  # Create clicks over HTTP at ``rate`` a second
            due = started + n / rate
            time.sleep(max(0.0, due - time.monotonic()))
            form = {
                "mode": "custom",
                "lyrics": "[Verse]\nla",
                "tags": "pop",
                "title": f"B{n}",
                "mv": "chirp-v3-5",
            }
            code, _ = browser.post(f"/projects/{studio.project}/songs/", form, headers={"HX-Request": "true"})
            refused += code != 200
        sent_in = time.monotonic() - started
        result, drain = studio.wait_final(timeout=max(240.0, timeout_minutes * 60 * 3))
        studio.stop()
        return {
            "sent_in_s": sent_in,
            "create_not_200": refused,
            "drained_after_s": sent_in + drain,
            "time_out_minutes": timeout_minutes,
            **lost_and_duplicates(result, songs),
            "load1": load1(),
        }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--drills", default="kill,redis,postgres,backlog")
    parser.add_argument("--ports", default=os.environ.get("BENCH_FAULT_PORTS", "8840-8899"))
    parser.add_argument("--rounds", type=int, default=3, help="kill drill: rounds of one kill per role")
    parser.add_argument("--songs", type=int, default=6)
    parser.add_argument("--outage", type=float, default=20.0, help="seconds Redis or PostgreSQL is down")
    parser.add_argument("--backlog-songs", type=int, default=30)
    parser.add_argument("--backlog-rate", type=float, default=2.0, help="songs requested per second")
    parser.add_argument("--backlog-timeout-minutes", type=int, default=1)
    args = parser.parse_args()
    ports = Ports(args.ports)
    wanted = args.drills.split(",")
    results = {}
    if "kill" in wanted:
        results["kill"] = drill_kill(ports, args.rounds, args.songs)
    if "redis" in wanted and shutil.which("redis-server"):
        results["redis"] = drill_redis(ports, args.outage, args.songs)
    if "postgres" in wanted and shutil.which("initdb"):
        results["postgres"] = drill_postgres(ports, args.outage, args.songs)
    if "backlog" in wanted:
        results["backlog"] = drill_backlog(
            ports, args.backlog_songs, args.backlog_rate, args.backlog_timeout_minutes
        )
    emit({"faults": results})


if __name__ == "__main__":
    main()
