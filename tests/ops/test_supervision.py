"""Supervision that heals: a dead process is restarted with a backoff, a killed render resumes, a download
killed mid-file leaves nothing behind."""

from __future__ import annotations

import os
import time

import pytest
from django.test import override_settings

from engine import jobs
from engine.models import EngineTask
from songs.services import copies
from studio.supervisor import Child, Supervisor


class FakeProcess:
    def __init__(self) -> None:
        self.code = None

    def poll(self):
        return self.code


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_process_that_dies_is_started_again_with_a_growing_backoff():
    spawned, clock = [], Clock()

    def spawn(command, env=None):
        spawned.append(FakeProcess())
        return spawned[-1]

    supervisor = Supervisor([Child("poller", ["poll"])], log=lambda m: None, spawn=spawn, clock=clock)
    supervisor.start()
    spawned[-1].code = 1  # dies at once
    supervisor.tend()
    assert len(spawned) == 1 and "restarting it in 1 s" in supervisor.events[-1]
    clock.now += 1
    supervisor.tend()
    assert len(spawned) == 2  # back after a second
    spawned[-1].code = 1
    supervisor.tend()
    assert "restarting it in 2 s" in supervisor.events[-1]  # a crash loop slows down
    clock.now += 2
    supervisor.tend()
    clock.now += 60  # this one stays up a while ...
    spawned[-1].code = 1
    supervisor.tend()
    assert "restarting it in 1 s" in supervisor.events[-1]  # ... so its next crash starts over


@pytest.mark.django_db
def test_a_render_killed_mid_job_is_taken_over_when_its_lease_runs_out():
    long_ago = int(time.time()) - jobs.RENDER_LEASE_S - 1
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
        fail_reason=jobs.STUCK,
    )

    for task in (killed, running, stuck):
        jobs.render_task(task.id)

    statuses = {t.id: t.status for t in EngineTask.objects.all()}
    assert statuses == {killed.id: "SUCCESS", running.id: "SUBMITTED", stuck.id: "IN_PROGRESS"}


@pytest.mark.django_db
def test_fetching_a_stalled_task_queues_its_render_again(monkeypatch):
    queued = []
    monkeypatch.setattr(jobs, "enqueue", lambda func, *args, name: queued.append(args))
    stalled = EngineTask.objects.create(
        key_fingerprint="k", action="LYRICS", payload={}, status="IN_PROGRESS", start_time=1
    )
    fresh = EngineTask.objects.create(
        key_fingerprint="k", action="LYRICS", payload={}, status="IN_PROGRESS", start_time=int(time.time())
    )
    jobs.renders_resume([stalled, fresh])
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
    monkeypatch.setattr(jobs, "async_task", lambda func, *args, **kw: queued.append((func, kw["cluster"])))
    jobs.enqueue("engine.jobs.render_task", "t-1", name="engine-t-1")
    assert queued == [("engine.jobs.render_task", "engine")]  # never behind the studio's downloads
    assert settings.Q_CLUSTER["ALT_CLUSTERS"]["engine"]["workers"] >= 1


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
