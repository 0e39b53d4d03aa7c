"""The running studio (``manage.py runstudio``: gunicorn, django-q2 worker, poller, engine) under load.

- completion to stored: songs made one after another; for each clip, from the moment the engine marked its
  task SUCCESS (read from its table every 50 ms) to the studio's copy stored (``media_state = stored``);
- load: 50 browser pollers (the project page's ``updates`` poll, every 2 s as htmx does) plus 5 submits/s
  for --load-seconds (default 60), p50/p99 and errors for each;
- RSS of each part of the running studio (web, worker, poller), summed over its processes, from /proc;
- the studio's own /metrics at the end, as a cross-check.

Run by bench/bench_all.py with the environment of a migrated throw-away database. Requests go only to
127.0.0.1 and every loop is bounded in time.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

from common import ROOT, SONG_FORM, Browser, django_setup, emit, load1, median, percentile

django_setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import close_old_connections  # noqa: E402

from engine.models import EngineTask  # noqa: E402
from songs.gateway.parse import decode_v2_task_id, is_v2_task_id  # noqa: E402
from songs.models import Clip, GenerationTask, Team  # noqa: E402

USER, PASSWORD = "bench", "bench-pass-123"
ROLES = {"gunicorn": "web", "qcluster": "worker", "studio_poller": "poller"}


def studio_start(port: int, log: Path) -> subprocess.Popen:
    get_user_model().objects.create_superuser(USER, password=PASSWORD)
    command = [sys.executable, "manage.py", "runstudio", "--port", str(port)]
    # PORT also tells the studio where its built-in engine (the gateway) answers.
    env = {**os.environ, "PORT": str(port)}
    proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)
    browser = Browser(f"http://127.0.0.1:{port}", timeout=2)
    for _ in range(150):
        try:
            if browser.get("/accounts/login/")[0] == 200:
                return proc
        except OSError:
            pass
        if proc.poll() is not None:
            raise SystemExit(f"the studio exited while starting; see {log}")
        time.sleep(0.2)
    raise SystemExit("the studio did not start")


def studio_stop(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()


def project_make(browser: Browser) -> str:
    browser.login(USER, PASSWORD)
    browser.post("/", {"name": "Bench"})
    _, listing = browser.get("/")
    # The personal team exists now; the load makes 300+ songs, far past the daily 1,000 credits.
    Team.objects.filter(personal_for__username=USER).update(daily_credits=10**9)
    return re.search(r'href="(/projects/\d+/)"', listing).group(1)


def song_submit(browser: Browser, project_path: str) -> tuple[int, str | None]:
    status, fragment = browser.post(
        project_path + "songs/",
        {**SONG_FORM, "request_key": str(uuid.uuid4())},
        headers={"HX-Request": "true"},
    )
    found = re.search(r'id="task-(\d+)"', fragment)
    return status, found.group(1) if found else None


def engine_task_id(upstream_id: str) -> str:
    """The engine's task behind a studio task: the id itself (task format) or its generation (v2)."""
    return decode_v2_task_id(upstream_id)[0] if is_v2_task_id(upstream_id) else upstream_id


def completion_to_stored(browser: Browser, project_path: str, songs: int, limit: float) -> dict:
    task_ids = []
    for _ in range(songs):
        _, task_id = song_submit(browser, project_path)
        task_ids.append(int(task_id))
        time.sleep(1.0)
    succeeded: dict[int, float] = {}  # studio task pk -> when the engine's task was first seen SUCCESS
    stored: dict[int, tuple[float, int]] = {}  # clip pk -> (when first seen stored, its task pk)
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline and len(stored) < 2 * songs:
        now = time.time()
        rows = GenerationTask.objects.filter(pk__in=task_ids).values_list("upstream_id", "pk")
        upstream = {engine_task_id(upstream_id): pk for upstream_id, pk in rows}
        done = EngineTask.objects.filter(pk__in=[u for u in upstream if u], status="SUCCESS")
        for engine_id in done.values_list("pk", flat=True):
            succeeded.setdefault(upstream[engine_id], now)
        copies = Clip.objects.filter(task_id__in=task_ids, media_state="stored")
        for clip_pk, task_pk in copies.values_list("pk", "task_id"):
            stored.setdefault(clip_pk, (now, task_pk))
        close_old_connections()
        time.sleep(0.05)
    waits = [at - succeeded[task] for at, task in stored.values() if task in succeeded]
    return {
        "clips": len(waits),
        "median_s": median(waits),
        "max_s": max(waits, default=None),
        "load1": load1(),
    }


class Load:
    """50 pollers and a steady stream of submits, each request timed; errors counted, never raised."""

    def __init__(self, base: str, cookies: Browser, project_path: str):
        self.base, self.cookies, self.project_path = base, cookies, project_path
        self.lock = threading.Lock()
        self.times: dict[str, list[float]] = {"poll": [], "submit": []}
        self.errors: dict[str, int] = {"poll": 0, "submit": 0}

    def _browser(self) -> Browser:
        browser = Browser(self.base, timeout=30)
        for cookie in self.cookies.jar:
            browser.jar.set_cookie(cookie)
        return browser

    def _record(self, kind: str, seconds: float, ok: bool) -> None:
        with self.lock:
            self.times[kind].append(seconds)
            self.errors[kind] += 0 if ok else 1

    def poller(self, stop_at: float) -> None:
        """An open project page: it loads once, then polls every 2 s about the cards it shows, as
        studio.js does (cards changed off the page are not drawn for it)."""
        browser = self._browser()
        _, page = browser.get(self.project_path)
        shown = ",".join(re.findall(r'<article id="task-(\d+)"', page))
        since = re.search(r"since=([0-9.]+)", page)
        since = since.group(1) if since else f"{time.time():.6f}"
        while time.monotonic() < stop_at:
            started = time.perf_counter()
            try:
                status, body = browser.get(
                    f"{self.project_path}updates/?since={since}&cards={shown}", headers={"HX-Request": "true"}
                )
                ok = status in (200, 286)
                found = re.search(r"since=([0-9.]+)", body)
                since = found.group(1) if found else f"{time.time():.6f}"
            except OSError:
                ok = False
            self._record("poll", time.perf_counter() - started, ok)
            time.sleep(2.0)

    def submitter(self, stop_at: float, every: float) -> None:
        browser, next_at = self._browser(), time.monotonic()
        while next_at < stop_at:
            time.sleep(max(0.0, next_at - time.monotonic()))
            next_at += every
            started = time.perf_counter()
            try:
                status, task_id = song_submit(browser, self.project_path)
                ok = status == 200 and task_id is not None
            except OSError:
                ok = False
            self._record("submit", time.perf_counter() - started, ok)

    def run(self, seconds: float, pollers: int, per_second: float) -> dict:
        stop_at = time.monotonic() + seconds
        # Submits from 4 threads, each at a quarter of the rate, so one slow answer does not hold the rest.
        threads = [threading.Thread(target=self.poller, args=(stop_at,)) for _ in range(pollers)]
        threads += [threading.Thread(target=self.submitter, args=(stop_at, 4 / per_second)) for _ in range(4)]
        for number, thread in enumerate(threads):
            thread.start()
            time.sleep(2.0 / pollers if number < pollers else 0.05)  # pollers spread over their 2 s
        loads = []
        while any(t.is_alive() for t in threads):
            loads.append(load1())
            time.sleep(1.0)
        summary = {"seconds": seconds, "load1_max": max(loads, default=load1())}
        for kind in ("poll", "submit"):
            values = [t * 1000 for t in self.times[kind]]
            summary[kind] = {
                "requests": len(values),
                "p50_ms": percentile(values, 0.5),
                "p99_ms": percentile(values, 0.99),
                "errors": self.errors[kind],
            }
        return summary


def _proc_stat(pid: int | str) -> list[str]:
    return (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()


def _role(pid: int) -> str:
    cmdline = (Path("/proc") / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode()
    role = next((r for key, r in ROLES.items() if key in cmdline), "supervisor")
    if role == "worker" and b"Q_CLUSTER_NAME=engine" in (Path("/proc") / str(pid) / "environ").read_bytes():
        role = "engine worker"  # the built-in engine's renders: the gateway's work, not the studio's
    if role == "web" and f":{os.environ.get('ENGINE_PORT', '-')} " in cmdline:
        role = "engine web"  # its feeds and media: also the gateway's work
    return role


def processes_by_role(root_pid: int) -> dict:
    """RSS and CPU seconds so far of the studio's processes by role, and of the machine's PostgreSQL and
    Redis servers and this load generator (they share the same cores)."""
    parents: dict[int, int] = {}
    names: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int(_proc_stat(entry.name)[1])
                names[int(entry.name)] = (entry / "comm").read_text().strip()
            except (OSError, ValueError, IndexError):
                continue
    tree, frontier = {root_pid}, [root_pid]
    while frontier:
        children = [pid for pid, parent in parents.items() if parent in frontier and pid not in tree]
        tree.update(children)
        frontier = children
    others = {pid: "postgres" for pid, name in names.items() if name == "postgres"}
    others.update({pid: "redis" for pid, name in names.items() if name.startswith("redis-server")})
    others[os.getpid()] = "load generator"
    tick = os.sysconf("SC_CLK_TCK")
    roles: dict[str, dict] = {}
    for pid in [*tree, *others]:
        try:
            role = others.get(pid) or _role(pid)
            stat = _proc_stat(pid)
            status = (Path("/proc") / str(pid) / "status").read_text()
        except (OSError, IndexError):
            continue
        kb = int(re.search(r"VmRSS:\s+(\d+)", status).group(1)) if "VmRSS" in status else 0
        entry = roles.setdefault(role, {"processes": 0, "rss_mb": 0.0, "cpu_s": 0.0})
        entry["processes"] += 1
        entry["rss_mb"] += kb / 1024
        entry["cpu_s"] += (int(stat[11]) + int(stat[12])) / tick  # utime + stime
    return roles


def cpu_during(before: dict, after: dict) -> dict:
    """CPU seconds each role used between two readings (processes that ended in between are not counted)."""
    return {
        role: round(after[role]["cpu_s"] - before.get(role, {}).get("cpu_s", 0.0), 1)
        for role in after
        if after[role]["cpu_s"] - before.get(role, {}).get("cpu_s", 0.0) > 0.05
    }


def studio_metrics(browser: Browser) -> dict:
    _, text = browser.get("/metrics")
    wanted = (
        "studio_poll_cycle_seconds_count",
        "studio_poll_cycle_seconds_sum",
        "studio_poll_cycle_gateway_requests_sum",
        "studio_completion_to_stored_seconds_count",
        "studio_completion_to_stored_seconds_sum",
        "studio_queue_depth",
    )
    found = {}
    for line in text.splitlines():
        name, _, number = line.partition(" ")
        if name in wanted:
            found[name] = float(number)
    return found


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=8405)
    parser.add_argument("--songs", type=int, default=5)
    parser.add_argument("--load-seconds", type=float, default=float(os.environ.get("BENCH_LOAD_SECONDS", 60)))
    parser.add_argument("--pollers", type=int, default=50)
    parser.add_argument("--submits-per-second", type=float, default=5.0)
    parser.add_argument("--log", default=os.path.join(os.environ.get("VAR_DIR", "/tmp"), "studio.log"))
    args = parser.parse_args()
    os.environ["ENGINE_PORT"] = str(args.port + 1)  # runstudio's own choice, named to tell processes apart
    proc = studio_start(args.port, Path(args.log))
    base = f"http://127.0.0.1:{args.port}"
    try:
        browser = Browser(base)
        project_path = project_make(browser)
        stored = completion_to_stored(browser, project_path, args.songs, limit=180)
        before = processes_by_role(proc.pid)
        load = Load(base, browser, project_path).run(args.load_seconds, args.pollers, args.submits_per_second)
        after = processes_by_role(proc.pid)
        load["cpu_s"] = cpu_during(before, after)
        rss = {
            role: item for role, item in after.items() if role not in ("postgres", "redis", "load generator")
        }
        numbers = studio_metrics(browser)
    finally:
        studio_stop(proc)
    emit({"completion_to_stored": stored, "load": load, "rss": rss, "metrics": numbers})


if __name__ == "__main__":
    main()
