"""Issue 20, item 4: the engine loses nothing. A render whose worker died is taken up again (its lease is
shorter than django-q2's retry, and every feed resumes it), a submit made while the broker is down is
kept and rendered once it is back, database and broker errors are retried, and a reason never shows an
internal address.

The broker is replaced by a recorder that can be down (and delivers its jobs when told, as a worker
would); the database is the real one, with errors injected where an outage would raise them.
"""

from __future__ import annotations

import pydoc
import re
import time

import pytest
import redis.exceptions
from django.conf import settings
from django.db import OperationalError

from engine.api.protocol import key_fingerprint
from engine.jobs import faults, leases, lifecycle
from engine.models import EngineClip, EngineTask
from tests.engine.helpers import SEED_CUSTOM, fetch_task, post

pytestmark = pytest.mark.django_db(transaction=True)

REDIS_DOWN = "Error 111 connecting to 127.0.0.1:9518. Connection refused."
ADDRESS = re.compile(r"\d+\.\d+\.\d+\.\d+|:\d{2,5}\b|://|/var/|localhost")


class Broker:
    def __init__(self) -> None:
        self.jobs: list[tuple[str, tuple]] = []
        self.down: set[str] = set()  # job functions it refuses ("*": all)

    def take(self, func: str, *args, task_name: str, cluster: str | None) -> None:
        if "*" in self.down or func in self.down:
            raise redis.exceptions.ConnectionError(REDIS_DOWN)
        self.jobs.append((func, args))

    def queue_size(self) -> int:
        return len(self.jobs)

    def run(self) -> int:
        """Deliver every queued job, as a worker does (django-q2 finds the function with pydoc.locate)."""
        jobs, self.jobs = self.jobs, []
        for func, args in jobs:
            pydoc.locate(func)(*args)
        return len(jobs)


@pytest.fixture
def broker(monkeypatch) -> Broker:
    fake = Broker()
    monkeypatch.setattr(leases, "async_task", fake.take)
    monkeypatch.setattr(leases, "get_broker", lambda name=None: fake)
    fake.down.add("engine.jobs.lifecycle.render_video")  # videos are not what these tests are about
    return fake


@pytest.fixture
def waits(monkeypatch) -> list[float]:
    """The backoff's clock: nothing really sleeps; the waits asked for are recorded."""
    asked: list[float] = []
    monkeypatch.setattr(faults, "_sleep", asked.append)
    return asked


def _lyrics_task(**fields) -> EngineTask:
    """A lyrics task (quick to render) owned by the engine key the tests' client uses."""
    owner = key_fingerprint(settings.ENGINE_API_KEY)
    payload = {"prompt": "rain"}
    return EngineTask.objects.create(key_fingerprint=owner, action="LYRICS", payload=payload, **fields)


def _lose_the_render(task_id: str, seconds_ago: int) -> None:
    """What a worker killed mid-render leaves: the task in progress since then, its job gone."""
    then = int(time.time()) - seconds_ago
    EngineTask.objects.filter(id=task_id).update(status="IN_PROGRESS", start_time=then, queued_at=then)
    EngineClip.objects.filter(task_id=task_id).update(status="streaming")


def test_the_lease_outlasts_a_live_render_and_ends_before_the_job_comes_back(settings):
    timeout, retry = settings.Q_CLUSTER["timeout"], settings.Q_CLUSTER["retry"]
    assert timeout < leases.lease_seconds() < retry


def test_a_render_handed_out_again_after_its_worker_died_is_taken_up(settings):
    """django-q2 hands a job whose worker died to another worker after Q_RETRY seconds: the render
    must resume then (it did not: the 180 s lease refused the job at 90 s, and nothing queued it again)."""
    retry = settings.Q_CLUSTER["retry"]
    killed = _lyrics_task(status="SUBMITTED", start_time=int(time.time()) - retry, renders=1)
    lifecycle.render_task(killed.id)
    killed.refresh_from_db()
    assert killed.status == "SUCCESS" and killed.result["text"] and killed.renders == 2


def test_a_render_still_running_is_never_taken_over(settings):
    started = int(time.time()) - settings.Q_CLUSTER["timeout"] + 5
    alive = _lyrics_task(status="IN_PROGRESS", start_time=started)
    lifecycle.render_task(alive.id)
    alive.refresh_from_db()
    assert alive.status == "IN_PROGRESS" and alive.renders == 0


@pytest.mark.parametrize("reader", ["fetch", "v2 feed", "sunoapi feed"])
def test_every_way_of_reading_a_song_resumes_its_lost_render(client, engine_key, broker, reader):
    answer = post(client, "/suno/v2/generate", {**SEED_CUSTOM}, engine_key).json()
    task_id, ids = answer["id"], ",".join(clip["id"] for clip in answer["clips"])
    assert broker.jobs == [(leases.RENDER_JOB, (task_id,))]
    broker.jobs.clear()  # the worker took the job and was killed mid-render
    _lose_the_render(task_id, seconds_ago=leases.lease_seconds() + 1)

    read = {
        "fetch": lambda: client.get(f"/suno/fetch/{task_id}", **engine_key),
        "v2 feed": lambda: client.get(f"/suno/v2/feed?ids={ids}", **engine_key),
        "sunoapi feed": lambda: client.get(f"/suno/feed/{ids}", **engine_key),
    }[reader]
    read()
    read()  # however often it is read meanwhile, the render is queued once
    assert broker.run() == 1
    clips = client.get(f"/suno/v2/feed?ids={ids}", **engine_key).json()
    assert [clip["status"] for clip in clips] == ["complete", "complete"]


def test_a_render_lost_less_than_a_lease_ago_is_left_alone(client, engine_key, broker):
    answer = post(client, "/suno/v2/generate", {**SEED_CUSTOM}, engine_key).json()
    broker.jobs.clear()
    _lose_the_render(answer["id"], seconds_ago=5)
    client.get(f"/suno/v2/feed?ids={answer['clips'][0]['id']}", **engine_key)
    assert broker.jobs == []


def test_a_submit_made_while_the_broker_is_down_is_kept_and_rendered_once_it_is_back(
    client, engine_key, broker
):
    broker.down.add("*")
    answer = post(client, "/suno/submit/music", SEED_CUSTOM, engine_key).json()
    assert answer["code"] == "success"  # saved: the studio must not send it again
    task = EngineTask.objects.get(id=answer["data"])
    assert (task.status, task.queued_at) == ("NOT_START", 0)

    assert fetch_task(client, task.id, engine_key)["status"] == "NOT_START"  # still down: nothing lost
    broker.down.discard("*")
    fetch_task(client, task.id, engine_key)
    assert broker.run() == 1
    assert fetch_task(client, task.id, engine_key)["status"] == "SUCCESS"


def test_a_queue_lost_with_its_broker_is_queued_again_once_the_queue_is_idle(
    client, engine_key, broker, settings
):
    long_ago = int(time.time()) - settings.Q_CLUSTER["retry"] - 1
    lost = _lyrics_task(submit_time=long_ago, queued_at=long_ago)
    broker.jobs.append(("engine.jobs.lifecycle.render_task", ("another-task",)))  # a backlog: it may wait
    fetch_task(client, lost.id, engine_key)
    assert [args for _, args in broker.jobs] == [("another-task",)]
    broker.jobs.clear()  # the queue is empty, the task still not started: its job was lost
    fetch_task(client, lost.id, engine_key)
    assert broker.run() == 1 and fetch_task(client, lost.id, engine_key)["status"] == "SUCCESS"


def test_a_database_error_during_a_render_is_retried(monkeypatch, waits):
    real_set, failures = lifecycle._set, [OperationalError("server closed the connection unexpectedly")]

    def flaky_set(task, **fields):
        if failures:
            raise failures.pop()
        real_set(task, **fields)

    monkeypatch.setattr(lifecycle, "_set", flaky_set)
    task = _lyrics_task()
    lifecycle.render_task(task.id)
    task.refresh_from_db()
    assert task.status == "SUCCESS" and waits == [1.0]


def test_a_database_outage_outlasting_the_retries_leaves_the_render_to_its_lease(
    client, engine_key, monkeypatch, waits, broker
):
    real_set = lifecycle._set

    def down(task, **fields):
        raise OperationalError("could not connect to server: Connection refused (10.0.0.9:5432)")

    monkeypatch.setattr(lifecycle, "_set", down)
    task = _lyrics_task()
    lifecycle.render_task(task.id)
    task.refresh_from_db()
    assert task.status == "SUBMITTED" and task.fail_reason == ""  # not failed: not the song's fault
    assert waits == list(faults.BACKOFF)

    monkeypatch.setattr(lifecycle, "_set", real_set)  # the database is back; the lease runs out
    EngineTask.objects.filter(id=task.id).update(start_time=1, queued_at=1)
    fetch_task(client, task.id, engine_key)
    assert broker.run() == 1 and fetch_task(client, task.id, engine_key)["status"] == "SUCCESS"


def test_a_song_completes_when_the_broker_cannot_take_its_video(client, engine_key, broker):
    """A song failed with "render failed: Error 111 connecting to 127.0.0.1:9518": queueing its video."""
    answer = post(client, "/suno/submit/music", SEED_CUSTOM, engine_key).json()
    broker.run()
    task = fetch_task(client, answer["data"], engine_key)
    assert task["status"] == "SUCCESS" and task["fail_reason"] == ""
    assert all(clip["status"] == "complete" for clip in task["data"])


def _age_videos(task_id: str, seconds: int) -> None:
    EngineClip.objects.filter(task_id=task_id).update(video_queued_at=int(time.time()) - seconds)


def test_a_video_the_broker_could_not_take_is_made_when_it_is_back(client, engine_key, broker):
    """The broker was down as the song completed: its videos are queued again a lease later, once."""
    answer = post(client, "/suno/submit/music", SEED_CUSTOM, engine_key).json()
    broker.run()  # renders the song; its video jobs are refused
    broker.down.clear()
    clips = fetch_task(client, answer["data"], engine_key)["data"]
    assert [c["is_video_pending"] for c in clips] == [True, True] and broker.jobs == []  # not before a lease

    _age_videos(answer["data"], leases.lease_seconds() + 1)
    fetch_task(client, answer["data"], engine_key)
    fetch_task(client, answer["data"], engine_key)  # a second reader queues nothing more
    assert sorted(args for func, args in broker.jobs) == sorted((c["id"],) for c in clips)
    assert broker.run() == 2
    for clip in fetch_task(client, answer["data"], engine_key)["data"]:
        assert clip["is_video_pending"] is False
        mp4 = b"".join(client.get(clip["video_url"], **engine_key).streaming_content)
        assert mp4[4:8] == b"ftyp"  # an MP4 you can play


def test_a_video_job_lost_with_its_worker_is_queued_again_from_either_feed(client, engine_key, broker):
    broker.down.clear()
    answer = post(client, "/suno/v2/generate", SEED_CUSTOM, engine_key).json()
    broker.run()  # the song: its video jobs are queued
    ids = [c["id"] for c in answer["clips"]]
    assert sorted(args for func, args in broker.jobs) == sorted((i,) for i in ids)
    broker.jobs.clear()  # the worker that took them died; Redis forgets them
    feed = f"/suno/v2/feed?ids={','.join(ids)}"
    assert all(c["is_video_pending"] for c in client.get(feed, **engine_key).json()) and not broker.jobs

    _age_videos(answer["id"], leases.lease_seconds() + 1)
    client.get(feed, **engine_key)
    assert broker.run() == 2
    assert not any(c["is_video_pending"] for c in client.get(feed, **engine_key).json())


def test_a_failed_render_gives_a_reason_without_internal_addresses(client, engine_key, monkeypatch):
    def broken(**kwargs):
        raise ValueError("cannot reach 10.0.0.5:6379 via http://svc:8080/x, see /var/lib/engine/x.npy")

    monkeypatch.setattr(lifecycle.lyricist, "write_lyrics", broken)
    answer = post(client, "/suno/submit/lyrics", {"prompt": "rain"}, engine_key).json()
    task = fetch_task(client, answer["data"], engine_key)
    assert task["status"] == "FAILURE" and task["fail_reason"] == faults.INTERNAL
    assert not ADDRESS.search(task["fail_reason"])


def test_a_failed_song_tells_its_clips_why_in_plain_words(client, engine_key, monkeypatch):
    def broken(*args, **kwargs):
        raise redis.exceptions.ResponseError(REDIS_DOWN)  # not an outage: a bug that names an address

    monkeypatch.setattr(lifecycle.render, "new_song", broken)
    answer = post(client, "/suno/v2/generate", SEED_CUSTOM, engine_key).json()
    clips = client.get(f"/suno/v2/feed?ids={answer['clips'][0]['id']}", **engine_key).json()
    assert clips[0]["status"] == "error"
    assert clips[0]["metadata"]["error_message"] == faults.INTERNAL


@pytest.mark.parametrize(
    "text",
    [
        REDIS_DOWN,
        "connection to server at 10.1.2.3, port 5432 failed",
        "http://127.0.0.1:8001/suno/media/x.mp3 answered 500",
        "no such file /srv/song-studio/media/engine/abc.npy",
        "[::1]:6379 refused",
        "db.internal:5432 timed out",
    ],
)
def test_reasons_are_scrubbed_of_anything_that_looks_like_an_address(text):
    assert not ADDRESS.search(faults.plain(text)), faults.plain(text)


def test_a_render_interrupted_too_often_fails_with_a_plain_reason():
    spent = _lyrics_task(status="IN_PROGRESS", start_time=1, renders=leases.MAX_RENDERS)
    lifecycle.render_task(spent.id)
    spent.refresh_from_db()
    assert spent.status == "FAILURE" and "interrupted 3 times" in spent.fail_reason
