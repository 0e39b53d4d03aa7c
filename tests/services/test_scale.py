"""The poll cycle at scale: one fetch per task per cycle, bounded batches, copies queued in bulk, claims
shared by several pollers, and a job waiting in the queue never taken for a lost one.

Marked ``backends``: `make test` runs these on SQLite and again on PostgreSQL and Redis.
"""

from __future__ import annotations

import json
import threading
from datetime import timedelta

import httpx
import pytest
from django.db import connection
from django.utils import timezone
from django_q.brokers import get_broker
from django_q.signing import SignedPackage

from songs.gateway import Gateway
from songs.models import Clip, GenerationTask
from songs.services import common, copies, polling, requests
from tests.factories import make_task

pytestmark = [pytest.mark.backends, pytest.mark.django_db(transaction=True)]


def clip_json(clip_id: str, status: str) -> dict:
    return {"id": clip_id, "status": status, "title": "T", "audio_url": f"http://cdn.test/{clip_id}.mp3"}


class FakeGateway:
    """Answers every batch fetch with each asked task in the given state; counts requests and ids asked."""

    def __init__(self, status: str = "IN_PROGRESS", clip_status: str = "streaming") -> None:
        self.status, self.clip_status = status, clip_status
        self.requests, self.asked = 0, []
        self.lock = threading.Lock()

    def __call__(self, request: httpx.Request) -> httpx.Response:
        ids = json.loads(request.content)["ids"]
        with self.lock:
            self.requests += 1
            self.asked.extend(ids)
        data = [
            {
                "task_id": i,
                "action": "MUSIC",
                "status": self.status,
                "progress": "0%",
                "data": [clip_json(f"{i}-a", self.clip_status), clip_json(f"{i}-b", self.clip_status)],
            }
            for i in ids
        ]
        return httpx.Response(200, json={"code": "success", "message": "", "data": data})

    def client(self) -> Gateway:
        return Gateway(base_url="http://gw.test", api_key="k", transport=httpx.MockTransport(self))


def pending_tasks(project, count: int) -> list[GenerationTask]:
    due = timezone.now() - timedelta(seconds=1)
    tasks = [
        make_task(
            project, status="submitted", upstream_id=f"t{n}", submitted_at=timezone.now(), next_poll_at=due
        )
        for n in range(count)
    ]
    return tasks


def test_a_slow_cycle_fetches_each_task_once_in_ceil_n_over_the_batch_size_requests(
    project, monkeypatch, settings
):
    settings.POLL_BATCH_SIZE = 50
    pending_tasks(project, 120)
    fake = FakeGateway()
    clock = [timezone.now()]

    def slow_now():  # every call costs a second: a cycle far longer than the 2 s poll interval
        clock[0] += timedelta(seconds=1)
        return clock[0]

    monkeypatch.setattr(timezone, "now", slow_now)
    polled = polling.tasks_poll_due(gateway=fake.client(), budget=60)

    assert polled == 120 and fake.requests == 3  # ceil(120 / 50)
    assert sorted(fake.asked) == sorted(f"t{n}" for n in range(120))  # each once


def test_a_cycle_stops_claiming_when_its_budget_is_spent_and_the_rest_wait(project):
    pending_tasks(project, 120)
    fake = FakeGateway()

    assert polling.tasks_poll_due(gateway=fake.client(), budget=0) == 0
    assert fake.requests == 0 and GenerationTask.objects.filter(claim_token__isnull=False).count() == 0


def test_finished_clips_are_queued_for_copying_in_a_few_jobs_not_one_per_clip(project, monkeypatch):
    pending_tasks(project, 20)
    queued = []
    monkeypatch.setattr(common, "async_task", lambda func, *args, **kw: queued.append((func, args)))

    polling.tasks_poll_due(gateway=FakeGateway("SUCCESS", "complete").client())

    assert Clip.objects.filter(media_state="pending").count() == 40
    assert [func for func, _ in queued] == ["songs.tasks.download_media_many"] * 5  # 40 clips / 8 per job
    assert sorted(pk for _, (pks,) in queued for pk in pks) == sorted(
        Clip.objects.values_list("pk", flat=True)
    )


def test_two_pollers_at_once_never_fetch_a_task_twice(project):
    pending_tasks(project, 200)
    fake = FakeGateway()
    barrier = threading.Barrier(2)

    def poller():
        try:
            barrier.wait()
            polling.tasks_poll_due(gateway=fake.client(), budget=60)
        finally:
            connection.close()  # each thread's own connection

    threads = [threading.Thread(target=poller) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(fake.asked) == sorted(f"t{n}" for n in range(200))  # every task once, by one of them
    assert GenerationTask.objects.filter(polls=1).count() == 200


def _waiting_in_broker(func: str, args: tuple, name: str) -> None:
    get_broker().enqueue(
        SignedPackage.dumps({"id": name, "name": name, "func": func, "args": args, "kwargs": {}})
    )


def test_a_job_waiting_behind_a_backlog_is_not_queued_again(project, monkeypatch):
    waiting = make_task(project, status="queued", upstream_id="", next_poll_at=timezone.now())
    lost = make_task(project, status="queued", upstream_id="", next_poll_at=timezone.now())
    _waiting_in_broker("songs.tasks.submit_task", (waiting.pk,), f"submit-{waiting.pk}-abc123")
    sent = []
    monkeypatch.setattr(requests, "submit_enqueue", sent.append)
    try:
        polling.work_resume_due(now=timezone.now() + timedelta(seconds=1))
        polling.work_resume_due(now=timezone.now() + timedelta(minutes=5))
    finally:
        get_broker().purge_queue()

    assert sent == [lost.pk, lost.pk]  # the lost one, each time it comes due; the waiting one never


def test_a_clip_in_a_waiting_batch_job_is_not_queued_again(project, monkeypatch):
    task = make_task(project, status="succeeded", upstream_id="t-1")
    clips = [
        Clip.objects.create(
            project=project,
            task=task,
            upstream_id=f"c{n}",
            status="complete",
            audio_url="http://cdn.test/a.mp3",
            media_state="pending",
            media_next_at=timezone.now(),
        )
        for n in range(3)
    ]
    _waiting_in_broker(
        "songs.tasks.download_media_many", ([clips[0].pk, clips[1].pk],), "media-many-1-abc123"
    )
    queued = []
    monkeypatch.setattr(common, "async_task", lambda func, *args, **kw: queued.append(args))
    try:
        copies.media_resume_due(now=timezone.now() + timedelta(seconds=1), waiting=common.jobs_waiting())
    finally:
        get_broker().purge_queue()

    assert queued == [([clips[2].pk],)]


def test_a_broker_that_is_down_loses_no_request(project, owner, monkeypatch):
    def down(*args, **kwargs):
        raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(common, "async_task", down)
    task = requests.music_request(
        project=project, user=owner, mode="custom", mv="chirp-v3-5", lyrics="la", tags="pop", title="Kept"
    )

    task.refresh_from_db()
    assert task.status == "queued" and task.request_payload["title"] == "Kept"  # saved, waiting
    monkeypatch.undo()
    sent = []
    monkeypatch.setattr(requests, "submit_enqueue", sent.append)
    polling.work_resume_due(now=timezone.now() + timedelta(minutes=1))
    assert sent == [task.pk]  # queued once the broker is back
