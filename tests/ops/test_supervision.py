"""Supervision that heals: a dead process is restarted with a backoff, a killed render resumes, a download
killed mid-file leaves nothing behind."""

from __future__ import annotations

import json
import os
import pydoc
import signal
import time

import pytest
from django.test import override_settings

from engine.jobs import leases, lifecycle
from engine.models import EngineTask
from songs.services import copies
from studio.supervisor import Child, Supervisor
from tests.waiting import until


class FakeProcess:
    def __init__(self, pid: int) -> None:
        self.code = None
        self.pid = pid

    def poll(self):
        return self.code


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_process_that_dies_is_started_again_quickly_with_a_bounded_backoff():
    spawned, clock, ended = [], Clock(), []

    def spawn(command, env=None, **options):
        assert options["start_new_session"]  # a group of its own: its children end with it
        spawned.append(FakeProcess(pid=1000 + len(spawned)))
        return spawned[-1]

    def signal_group(pgid, signum):
        ended.append((pgid, signum))
        return False

    supervisor = Supervisor(
        [Child("poller", ["poll"])], log=lambda m: None, spawn=spawn, clock=clock, signal_group=signal_group
    )
    supervisor.start()
    spawned[-1].code = -9  # killed at once
    supervisor.tend()
    assert ended == [(1000, signal.SIGKILL)]  # whatever it started is ended with it
    assert len(spawned) == 1 and "restarting it in 0.5 s" in supervisor.events[-1]
    clock.now += 0.5
    supervisor.tend()
    assert len(spawned) == 2  # back in half a second
    delays = []
    for _ in range(6):  # a crash loop slows down, but never leaves the role empty for more than 5 s
        spawned[-1].code = 1
        supervisor.tend()
        delays.append(supervisor.children[0].restart_at - clock.now)
        clock.now += delays[-1]
        supervisor.tend()
    assert delays == [1, 2, 4, 5, 5, 5]
    clock.now += 60  # this one stays up a while ...
    spawned[-1].code = 1
    supervisor.tend()
    assert "restarting it in 0.5 s" in supervisor.events[-1]  # ... so its next crash starts over


def _alive(pid: int) -> bool:
    """A process that still runs (a zombie waiting for a parent that never reaps it does not count)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def _wait_for(predicate) -> bool:
    return bool(until(predicate, what="the supervised processes reaching the state asked for"))


# A child that starts a grandchild (as qcluster starts its workers, gunicorn its) and writes both pids.
_FAMILY = """
import os, subprocess, sys, time
grandchild = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
with open(sys.argv[1] + ".partial", "w") as f:
    f.write(f"{os.getpid()} {grandchild.pid}")
os.replace(sys.argv[1] + ".partial", sys.argv[1])
time.sleep(120)
"""


def _family(tmp_path, name="worker"):
    import sys

    pids = tmp_path / f"{name}.pids"
    return Child(name, [sys.executable, "-c", _FAMILY, str(pids)]), pids


def test_a_killed_process_takes_the_processes_it_started_with_it(tmp_path):
    child, pids = _family(tmp_path)
    supervisor = Supervisor([child], log=lambda m: None, status_path=tmp_path / "status.json")
    supervisor.start()
    try:
        assert _wait_for(pids.exists)
        top, grandchild = map(int, pids.read_text().split())
        os.kill(top, signal.SIGKILL)  # as the drill does, and the OOM killer
        assert _wait_for(lambda: child.process.poll() is not None)
        supervisor.tend()

        assert _wait_for(lambda: not _alive(grandchild))  # no orphan left taking jobs
        status = json.loads((tmp_path / "status.json").read_text())
        assert status["roles"]["worker"]["running"] is False  # /health/ says which one is missing
    finally:
        supervisor.stop(grace=5)


def test_stopping_ends_every_process_of_every_group(tmp_path):
    (web, web_pids), (worker, worker_pids) = _family(tmp_path, "web"), _family(tmp_path, "worker")
    supervisor = Supervisor([web, worker], log=lambda m: None, status_path=tmp_path / "status.json")
    supervisor.start()
    assert _wait_for(lambda: web_pids.exists() and worker_pids.exists())
    pids = [int(pid) for f in (web_pids, worker_pids) for pid in f.read_text().split()]

    supervisor.stop(grace=5)

    assert [pid for pid in pids if _alive(pid)] == []
    assert not (tmp_path / "status.json").exists()  # a stopped studio reports nothing, not stale news


@pytest.mark.django_db
def test_a_render_killed_mid_job_is_taken_over_when_its_lease_runs_out():
    long_ago = int(time.time()) - leases.lease_seconds() - 1
    killed = EngineTask.objects.create(
        key_fingerprint="k",
        action="LYRICS",
        payload={"prompt": "乡愁"},
        status="SUBMITTED",
        start_time=long_ago,
    )
    running = EngineTask.objects.create(
        key_fingerprint="k",
        action="LYRICS",
        payload={"prompt": "乡愁"},
        status="SUBMITTED",
        start_time=int(time.time()),
    )
    stuck = EngineTask.objects.create(
        key_fingerprint="k",
        action="LYRICS",
        payload={"prompt": "x"},
        status="IN_PROGRESS",
        start_time=long_ago,
        fail_reason=leases.STUCK,
    )

    for task in (killed, running, stuck):
        lifecycle.render_task(task.id)

    statuses = {t.id: t.status for t in EngineTask.objects.all()}
    assert statuses == {killed.id: "SUCCESS", running.id: "SUBMITTED", stuck.id: "IN_PROGRESS"}


@pytest.mark.django_db
def test_fetching_a_stalled_task_queues_its_render_again(monkeypatch):
    queued = []
    monkeypatch.setattr(leases, "enqueue", lambda func, *args, name: queued.append(args))
    stalled = EngineTask.objects.create(
        key_fingerprint="k", action="LYRICS", payload={}, status="IN_PROGRESS", start_time=1
    )
    fresh = EngineTask.objects.create(
        key_fingerprint="k", action="LYRICS", payload={}, status="IN_PROGRESS", start_time=int(time.time())
    )
    leases.resume([stalled, fresh])
    assert queued == [(stalled.id,)]


def test_leftover_partial_files_are_swept_and_fresh_ones_kept(tmp_path):
    # Downloads and conversions make their files in the work folder before storing them: a worker killed
    # mid-file leaves its temp folder there, removed once it is an hour old.
    old = tmp_path / "work-k2j3" / "file.mp3.part"
    new = tmp_path / "work-x9y8" / "file.mp3"
    for path in (old, new):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"x")
    os.utime(old.parent, (time.time() - 7200, time.time() - 7200))

    with override_settings(MEDIA_WORK_DIR=tmp_path):
        assert copies.partials_sweep() == 1

    assert not old.exists() and new.exists()


def test_the_engines_renders_go_to_a_queue_of_their_own(monkeypatch, settings):
    queued = []

    def queue(func, *args, **kw):
        queued.append((func, kw["cluster"]))

    monkeypatch.setattr(leases, "async_task", queue)
    leases.enqueue("engine.jobs.lifecycle.render_task", "t-1", name="engine-t-1")
    assert queued == [("engine.jobs.lifecycle.render_task", "engine")]  # never behind the studio's downloads
    assert settings.Q_CLUSTER["ALT_CLUSTERS"]["engine"]["workers"] >= 1


def test_the_studios_worker_reads_the_database_queue_every_tenth_of_a_second(settings):
    """A woken task's fetch, then its copies, each wait for the worker's next read of the queue: at 0.2 s
    that was up to 0.4 s of the 1 s from a gateway's callback to a playable card. The engine, a stand-in
    for a remote gateway, keeps its slower read."""
    from django_q.conf import Conf

    assert Conf.POLL <= 0.1
    assert settings.Q_CLUSTER["ALT_CLUSTERS"]["engine"]["poll"] == 0.2


def test_background_children_run_nicer_than_the_web_server(tmp_path):
    """Under load the web server's requests come first: a child started with nice=10 runs 10 steps nicer."""
    import sys

    seen = tmp_path / "niceness"
    probe = f"import os; open({str(seen)!r}, 'w').write(str(os.nice(0)))"
    child = Child("engine worker", [sys.executable, "-c", probe], nice=10)
    supervisor = Supervisor([child], log=lambda m: None)
    supervisor.start()
    supervisor.children[0].process.wait(timeout=30)

    assert int(seen.read_text()) == min(os.nice(0) + 10, 19)


class Started(Exception):
    """Stops runstudio right after it has started its children (nothing is spawned)."""


def runstudio_children(monkeypatch, port: int) -> list[Child]:
    from songs.management.commands import runstudio

    seen: list[Child] = []

    class Recording(Supervisor):
        def start(self) -> None:
            seen.extend(self.children)
            raise Started

    monkeypatch.setattr(runstudio, "Supervisor", Recording)
    monkeypatch.setenv("PORT", "1")  # restored after the test: runstudio sets it for its children
    monkeypatch.delenv("ENGINE_PORT", raising=False)
    with pytest.raises(Started):
        runstudio.Command().handle(host="127.0.0.1", port=port)
    return seen


def test_make_run_gives_the_built_in_engine_a_web_server_of_its_own(monkeypatch, settings):
    """Its feeds and media are served as a remote gateway's would be, never in the queue of the studio's
    pages; the studio's processes reach it on PORT + 1."""
    settings.SUNO_BASE_URL, settings.ENGINE_PORT = "", 0
    children = {child.name: child for child in runstudio_children(monkeypatch, 8123)}

    assert set(children) == {"web", "worker", "poller", "engine web", "engine worker"}
    assert "127.0.0.1:8123" in children["web"].command and "127.0.0.1:8124" in children["engine web"].command
    assert children["engine web"].nice > children["web"].nice == 0
    assert os.environ["ENGINE_PORT"] == "8124" and os.environ["PORT"] == "8123"  # what every child reads


def test_with_a_remote_gateway_the_engine_runs_beside_it(monkeypatch, settings):
    """The studio may use the built-in engine beside a real gateway (issue 19 item 12)."""
    settings.SUNO_BASE_URL, settings.ENGINE_PORT = "https://gateway.example", 0
    children = {child.name: child for child in runstudio_children(monkeypatch, 8123)}
    assert set(children) == {"web", "worker", "poller", "engine web", "engine worker"}
    assert os.environ["ENGINE_PORT"] == "8124"


def test_the_engine_web_server_runs_the_engines_own_application(monkeypatch, settings):
    settings.SUNO_BASE_URL, settings.ENGINE_PORT = "", 0
    children = {child.name: child for child in runstudio_children(monkeypatch, 8123)}
    assert "engine.wsgi:application" in children["engine web"].command
    assert "studio.wsgi:application" in children["web"].command


def test_the_studios_processes_reach_the_engine_on_engine_port(tmp_path):
    import subprocess
    import sys

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "studio.settings",
        "PORT": "8123",
        "ENGINE_PORT": "8124",
        "VAR_DIR": str(tmp_path),
    }
    env.pop("SUNO_BASE_URL", None)
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "media = s.CONTENT_SECURITY_POLICY['DIRECTIVES']['media-src']; "
        "print(s.SUNO_GATEWAY_URL, 'http://127.0.0.1:8124' in media)"
    )
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["http://127.0.0.1:8124", "True"]  # and the browser may play its streams


@pytest.mark.parametrize("queued_before", ["engine.jobs.render_task", "engine.jobs.render_video"])
def test_a_render_queued_before_the_engine_had_packages_still_finds_its_job(queued_before):
    # django-q2's worker finds a job's function with pydoc.locate; a job left in the broker across the
    # upgrade names the old flat module's path and must not fail as "function not found".
    name = queued_before.rsplit(".", 1)[1]
    assert pydoc.locate(queued_before) is getattr(lifecycle, name)
