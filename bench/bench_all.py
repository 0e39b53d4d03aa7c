"""`make bench`: every benchmark in one run, figures side by side for SQLite and PostgreSQL + Redis.

1. The existing figures: bench_engine.py (render, tempo, key, beat, brightness per genre), bench_songs.py
   (song lengths: defaults per style and model, continuations, covers), bench_studio.py (Create to playable),
   bench_callbacks.py (gateway completion to a stored card through the sunoapi stand-in, callbacks off/on).
2. For each database (a throw-away SQLite file; a throw-away PostgreSQL database on 127.0.0.1:5432 with a
   spare, empty Redis database as django-q2's broker), bench_inproc.py (poll cycle, project page) and
   bench_live.py (completion to stored, 50 pollers + 5 submits/s, RSS of the running studio), each on a
   database of its own, created and migrated here and dropped afterwards.
3. One table: each figure, the 1-minute load average when it was taken, and the target (printed, never
   asserted).
4. bench_faults.py: the fault drills (kill -9 of every process kind, Redis and PostgreSQL outages on private
   servers, a backlog), each on the real `make run`, bounded in time.

    .venv/bin/python bench/bench_all.py [--load-seconds 60] [--only sqlite|postgres] [--skip-existing]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator

from common import ROOT, load1

PYTHON = sys.executable
PG = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"
REDIS = "redis://127.0.0.1:6379"
# The ports this workplace lends to benchmarks (8401-8420); each studio's built-in engine answers on the next.
PORTS = {"studio": 8402, "live": 8405}


def run(script: str, *args: str, env: dict | None = None, echo: bool = False) -> dict | None:
    """Run a bench script; return its BENCH-RESULT (or print its output when `echo`)."""
    proc = subprocess.run(
        [PYTHON, f"bench/{script}", *args], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    if echo:
        print(proc.stdout.rstrip())
    if proc.returncode != 0:
        print(
            f"{script} failed ({proc.returncode}):\n{proc.stdout[-2000:]}\n{proc.stderr[-3000:]}", flush=True
        )
        return None
    for line in proc.stdout.splitlines():
        if line.startswith("BENCH-RESULT "):
            return json.loads(line.removeprefix("BENCH-RESULT "))
    return None


def manage(env: dict, *args: str) -> None:
    subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True)


@contextlib.contextmanager
def postgres_database(name: str) -> Iterator[str]:
    import psycopg

    with psycopg.connect(PG, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgres://postgres@127.0.0.1:5432/{name}"
    finally:
        with psycopg.connect(PG, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextlib.contextmanager
def spare_redis_database() -> Iterator[str]:
    """An empty Redis database (15 down to 8), emptied again afterwards: nobody else's keys are touched."""
    import redis

    for number in range(15, 7, -1):
        client = redis.Redis.from_url(f"{REDIS}/{number}")
        if client.dbsize() == 0:
            break
    else:
        raise SystemExit("no empty Redis database among 8-15")
    try:
        yield f"{REDIS}/{number}"
    finally:
        client.flushdb()


@contextlib.contextmanager
def database(kind: str, label: str, tmp: str) -> Iterator[dict]:
    """Environment for one throw-away, migrated database of `kind`."""
    env = {
        **os.environ,
        "VAR_DIR": f"{tmp}/{label}",
        "MEDIA_ROOT": f"{tmp}/{label}/media",
        "LOG_LEVEL": "WARNING",
        "DEBUG": "false",
        "SECRET_KEY": f"bench-{os.getpid()}-{time.time_ns()}-throw-away-secret-key-0123456789",
        "ENGINE_MAX_SECONDS": "20",  # short songs: the load makes hundreds
        "PORT": str(PORTS["live"]),  # where the live studio, and so its built-in engine, answers
    }
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    os.makedirs(env["MEDIA_ROOT"], exist_ok=True)
    if kind == "sqlite":
        env["DATABASE_URL"] = f"sqlite:///{tmp}/{label}/db.sqlite3"
        env.pop("REDIS_URL", None)
        manage(env, "migrate", "-v0")
        yield env
        return
    with postgres_database(f"bench_ops_{os.getpid()}_{label}") as url, spare_redis_database() as redis_url:
        env.update(DATABASE_URL=url, REDIS_URL=redis_url)
        manage(env, "migrate", "-v0")
        yield env


def measure(kind: str, load_seconds: float) -> dict:
    with tempfile.TemporaryDirectory(prefix="studio-bench-") as tmp:
        print(f"[{kind}] poll cycle and project page…", flush=True)
        with database(kind, "inproc", tmp) as env:
            inproc = run("bench_inproc.py", env=env) or {}
        print(
            f"[{kind}] the running studio: completion to stored, load for {load_seconds:g} s, RSS…",
            flush=True,
        )
        with database(kind, "live", tmp) as env:
            live = run(
                "bench_live.py", "--port", str(PORTS["live"]), "--load-seconds", str(load_seconds), env=env
            )
        print(f"[{kind}] crash drill: pollers and workers killed with SIGKILL mid-work…", flush=True)
        with database(kind, "crash", tmp) as env:
            crash = run("bench_crash.py", env=env) or {}
    return {**inproc, **(live or {}), **crash}


def fmt(value, spec: str = ".2f") -> str:
    return "-" if value is None else format(value, spec)


def rows(result: dict) -> list[tuple[str, str, float | None]]:
    """(figure, text, load average) for one database."""
    out = []
    for cycle in result.get("poll_cycles", []):
        text = f"{cycle['seconds']:.2f} s, {cycle['requests']} req, {cycle['queries']} q"
        text += " (cut)" if cycle["capped"] else ""
        out.append((f"poll cycle, {cycle['n']} {cycle['kind']}", text, cycle["load1"]))
        first = cycle["first_pass"]
        if cycle["kind"] == "in progress" and first["requests"] != cycle["requests"]:
            text = f"{first['seconds']:.2f} s, {first['requests']} req, {first['queries']} q"
            out.append((f"  first pass: each of the {cycle['n']} fetched once", text, cycle["load1"]))
    page = result.get("project_page") or {}
    if page:
        text = f"{page['p50_ms']:.0f} ms, {page['html_kb']:.0f} KB, {page['queries']} q"
        out.append((f"project page, {page['clips']} clips: p50, HTML, queries", text, page["load1"]))
    stored = result.get("completion_to_stored") or {}
    if stored:
        text = f"{fmt(stored['median_s'])} s (max {fmt(stored['max_s'])}, {stored['clips']} clips)"
        out.append(("completion to stored copy, median", text, stored["load1"]))
    load = result.get("load") or {}
    for kind, label in (("poll", "50 pollers"), ("submit", "5 submits/s")):
        if kind in load:
            item = load[kind]
            p50, p99 = fmt(item["p50_ms"], ".0f"), fmt(item["p99_ms"], ".0f")
            text = f"p50 {p50} / p99 {p99} ms, {item['errors']}/{item['requests']} err"
            out.append((f"load {load['seconds']:g} s: {label}", text, load["load1_max"]))
    if load.get("cpu_s"):
        spent = ", ".join(
            f"{role} {seconds:g}" for role, seconds in sorted(load["cpu_s"].items(), key=lambda i: -i[1])
        )
        out.append(("  CPU seconds during the load, by process", spent, None))
    for role in ("web", "worker", "poller", "engine web", "engine worker", "supervisor"):
        if role in result.get("rss", {}):
            item = result["rss"][role]
            out.append((f"RSS {role}", f"{item['rss_mb']:.0f} MB in {item['processes']} proc", None))
    metrics = result.get("metrics") or {}
    if metrics.get("studio_poll_cycle_seconds_count"):
        count = metrics["studio_poll_cycle_seconds_count"]
        text = f"{count:.0f} cycles, mean {metrics['studio_poll_cycle_seconds_sum'] / count:.3f} s"
        out.append(("/metrics: poller cycles during the run", text, None))
    if metrics.get("studio_completion_to_stored_seconds_count"):
        count = metrics["studio_completion_to_stored_seconds_count"]
        text = f"mean {metrics['studio_completion_to_stored_seconds_sum'] / count:.2f} s ({count:.0f})"
        out.append(("/metrics: completion to stored", text, None))
    crash = result.get("crash") or {}
    if crash:
        text = (
            f"{crash['lost']} lost, {crash['duplicate_clips']} dup clips, {crash['duplicate_downloads']} dup "
            f"copies, {crash['broken_files']} bad files"
        )
        label = f"crash drill: {crash['pollers']} pollers + {crash['workers']} workers, SIGKILL"
        out.append((label, text, crash["load1"]))
        text = (
            f"{crash['kills']} kills, {crash['stored']} stored, {crash['download_attempts']} attempts, "
            f"{crash['seconds']:.0f} s"
        )
        out.append(("  crash drill: kills, copies, download attempts, time", text, None))
    return out


TARGETS = {
    "poll cycle, 1000 in progress": "<= 20 req (cut: stopped after 30 s)",
    "poll cycle, 1000 finished": "<= 2 s",
    "project page, 1000 clips: p50, HTML, queries": "<= 100 ms, <= 10 q",
    "completion to stored copy, median": "<= 2 s",
}
CRASH_TARGET = "0 lost, 0 dup clips, 0 dup copies, 0 bad files"


def table(results: dict[str, dict]) -> str:
    columns = list(results)
    per_db = {name: {figure: (text, load) for figure, text, load in rows(r)} for name, r in results.items()}
    figures = list(dict.fromkeys(figure for name in columns for figure in per_db[name]))
    header = f"{'figure':52} " + " ".join(f"{name:38} {'load':>5}" for name in columns) + "  target"
    lines = [header, "-" * len(header)]
    for figure in figures:
        cells = []
        for name in columns:
            text, load = per_db[name].get(figure, ("-", None))
            cells.append(f"{text:38} {fmt(load, '.1f'):>5}")
        target = TARGETS.get(figure, "p99 <= 250 ms, 0 err" if figure.startswith("load") else "")
        target = CRASH_TARGET if figure.startswith("crash drill:") else target
        lines.append(f"{figure:52} " + " ".join(cells) + f"  {target}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--load-seconds", type=float, default=float(os.environ.get("BENCH_LOAD_SECONDS", 60)))
    parser.add_argument("--only", choices=("sqlite", "postgres"))
    parser.add_argument(
        "--skip-existing", action="store_true", help="skip bench_engine.py and bench_studio.py"
    )
    parser.add_argument("--skip-faults", action="store_true", help="skip bench_faults.py (about 10 min)")
    args = parser.parse_args()
    started, load_before = time.time(), load1()
    subprocess.run([PYTHON, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, check=True)
    if not args.skip_existing:
        print("== bench_engine.py: the built-in engine ==", flush=True)
        run("bench_engine.py", echo=True)
        print(f"\n== bench_songs.py: song lengths, continuations, covers (load {load1():.1f}) ==", flush=True)
        run("bench_songs.py", echo=True)
        print("\n== bench_singing.py: the sung words and the singer's speed ==", flush=True)
        run("bench_singing.py", echo=True)
        print(f"\n== bench_studio.py: Create to playable (load {load1():.1f}) ==", flush=True)
        run("bench_studio.py", "--runs", "2", "--port", str(PORTS["studio"]), echo=True)
        print(
            f"\n== bench_callbacks.py: gateway completion to a stored card, callbacks off and on "
            f"(sunoapi stand-in; load {load1():.1f}) ==",
            flush=True,
        )
        run("bench_callbacks.py", "--songs", "5", echo=True)
    kinds = [args.only] if args.only else ["sqlite", "postgres"]
    names = {"sqlite": "SQLite + ORM broker", "postgres": "PostgreSQL + Redis"}
    results = {}
    for kind in kinds:
        try:
            results[names[kind]] = measure(kind, args.load_seconds)
        except Exception as exc:  # PostgreSQL or Redis not running here: the other column still counts
            print(f"[{kind}] skipped: {type(exc).__name__}: {exc}", flush=True)
    print(
        f"\n== Song Studio bench: {os.cpu_count()} cores, load average {load_before:.1f} at the start, "
        f"{(time.time() - started) / 60:.1f} min =="
    )
    print(table(results))
    print("load: the 1-minute load average when the figure was taken (the highest one during the load test)")
    if not args.skip_faults:
        print("\n== bench_faults.py: kill -9 of every process, Redis and PostgreSQL outages, a backlog ==")
        faults = (run("bench_faults.py") or {}).get("faults", {})
        print(faults_table(faults))


FAULT_TARGETS = {
    "kill": "0 left, 0 lost, 0 dup, back <= 5 s",
    "redis": "Create answers, 0 lost, 0 dup",
    "postgres": "0 lost, 0 dup, back within s",
    "backlog": "0 failed while the gateway made them",
}


def faults_table(faults: dict) -> str:
    lines = []
    for name, item in faults.items():
        if name == "kill":
            text = (
                f"{item['kills']} kills: {item['left_in_killed_groups']} left in killed groups, "
                f"{item['left_after_ctrl_c']} after Ctrl-C, back within {item['longest_back_s']:.1f} s"
            )
        elif name == "backlog":
            text = (
                f"{item['songs']} songs in {item['sent_in_s']:.0f} s, "
                f"drained after {item['drained_after_s']:.0f} s "
                f"(time-out {item['time_out_minutes']} min)"
            )
        else:
            text = (
                f"{item['outage_s']:g} s down: Create {item['create_ok_during']} ok, page "
                f"{item['page_ok_during']}, /health/ {item['health_ok_during']}; pages back after "
                f"{fmt(item['pages_back_after_s'], '.1f')} s, "
                f"all final after {item['all_final_after_s']:.0f} s"
            )
        songs = (
            f"{item['lost']} lost {item['failed_reasons']}, {item['duplicates_at_engine']} dup, "
            f"{item['failed_but_made']} failed but made"
        )
        lines.append(f"{name:9} {text}; {songs} (load {item['load1']:.1f})  target: {FAULT_TARGETS[name]}")
    return "\n".join(lines) or "(no drill ran)"


if __name__ == "__main__":
    main()
