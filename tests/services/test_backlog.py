"""A gateway with a long queue: what it still makes is never failed under it, a result after a time-out is
still taken (and billed once), and a video is fetched once, when the gateway says it is made."""

from __future__ import annotations

import json
from datetime import timedelta

import httpx
import pytest
from django.utils import timezone

from songs.gateway import client as gateway_client
from songs.models import GenerationTask
from songs.selectors import credits_used_today
from songs.services import polling
from tests.factories import make_task, mp3_bytes

pytestmark = pytest.mark.django_db


def clip(clip_id: str, status="complete", **extra) -> dict:
    return {
        "id": clip_id,
        "title": "Slow Boat",
        "status": status,
        "audio_url": f"http://cdn.test/{clip_id}.mp3" if status == "complete" else "",
        "image_url": "",
        "model_name": "chirp-v3",
        "metadata": {"tags": "ambient", "prompt": "", "duration": 2.0, "type": "gen"},
        **extra,
    }


class Gateway:
    """Answers fetches with whatever ``state`` says for each task, serves media, counts every request."""

    def __init__(self) -> None:
        self.state: dict[str, dict] = {}
        self.requests: list[str] = []

    def answer(self, task_id: str, status: str, clips=(), progress="") -> None:
        self.state[task_id] = {
            "task_id": task_id, "action": "MUSIC", "status": status, "fail_reason": "",
            "progress": progress, "data": list(clips),
        }  # fmt: skip

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request.url.path)
        if request.url.path.endswith(".mp3"):
            return httpx.Response(200, content=mp3_bytes(), headers={"content-type": "audio/mpeg"})
        if request.url.path.endswith(".mp4"):
            return httpx.Response(200, content=b"\x00\x00\x00\x18ftypmp42" + bytes(2000))
        ids = json.loads(request.content).get("ids", [])
        data = [self.state[i] for i in ids if i in self.state]
        return httpx.Response(200, json={"code": "success", "data": data})

    def count(self, suffix: str) -> int:
        return sum(path.endswith(suffix) for path in self.requests)


@pytest.fixture
def gateway(settings):
    settings.SUNO_GATEWAY_URL, settings.SUNO_API_FORMAT = "http://gateway.test", "task"
    settings.TASK_TIMEOUT_MINUTES, settings.TASK_QUEUED_TIMEOUT_MINUTES = 15, 240
    answering = Gateway()
    gateway_client.transport_override = httpx.MockTransport(answering)
    yield answering
    gateway_client.transport_override = None


def poll(task: GenerationTask) -> GenerationTask:
    """One poll cycle with the task due now (time between cycles is not what these tests are about)."""
    GenerationTask.objects.filter(pk=task.pk).exclude(next_poll_at=None).update(next_poll_at=timezone.now())
    polling.tasks_poll_due()
    task.refresh_from_db()
    return task


def quiet_task(project, minutes: int, **fields) -> GenerationTask:
    """A task sent ``minutes`` ago whose gateway answer has not changed since."""
    since = timezone.now() - timedelta(minutes=minutes)
    fields.setdefault("status", "running")
    return make_task(
        project,
        upstream_id="up-1",
        submitted_at=since,
        progressed_at=since,
        next_poll_at=timezone.now(),
        cost=10,
        charged_team=project.team,
        **fields,
    )


def test_a_task_still_in_the_gateways_queue_is_not_failed_at_the_time_out(project, owner_client, gateway):
    task = quiet_task(project, 40, status="submitted", upstream_status="NOT_START")
    gateway.answer("up-1", "NOT_START")  # 40 minutes behind others in the gateway's queue

    task = poll(task)

    assert task.status == "submitted" and task.fail_reason == ""
    page = owner_client.get(f"/projects/{project.pk}/").content.decode()
    assert "Waiting in the gateway&#x27;s queue" in page


def test_a_slow_task_that_moves_is_not_failed_but_one_that_stopped_moving_is(project, gateway):
    task = quiet_task(project, 20, upstream_status="IN_PROGRESS", progress="40%")
    gateway.answer("up-1", "IN_PROGRESS", progress="60%")  # it moved: the time-out starts again
    task = poll(task)
    assert task.status == "running" and task.progressed_at > timezone.now() - timedelta(minutes=1)

    GenerationTask.objects.filter(pk=task.pk).update(progressed_at=timezone.now() - timedelta(minutes=16))
    task = poll(task)  # the same answer, 16 minutes after the last change

    assert task.status == "failed" and task.reason_code == "timed_out"
    assert "made no progress for 15 minutes" in task.fail_reason


def test_a_result_after_the_time_out_is_taken_and_billed_once(project, owner_client, gateway):
    task = quiet_task(project, 16, upstream_status="IN_PROGRESS", progress="10%")
    gateway.answer("up-1", "IN_PROGRESS", progress="10%")
    assert credits_used_today(team=project.team) == 10

    task = poll(task)
    assert task.status == "failed" and task.reason_code == "timed_out"
    assert credits_used_today(team=project.team) == 0  # the failure gave the credits back

    gateway.answer("up-1", "IN_PROGRESS", progress="10%")
    task = poll(task)  # still not done: stays failed, still watched
    assert task.status == "failed" and task.watch_until > timezone.now()

    gateway.answer("up-1", "SUCCESS", clips=[clip("late-a"), clip("late-b")], progress="100%")
    task = poll(task)
    assert task.status == "succeeded" and task.reason_code == "" and task.clips.count() == 2
    assert task.clips.filter(media_state="stored").count() == 2  # copied like any other
    assert credits_used_today(team=project.team) == 10  # the gateway made it: it counts, once

    task = poll(task)
    assert credits_used_today(team=project.team) == 10 and task.clips.count() == 2
    assert task.next_poll_at is None and task.watch_until is None  # nothing more to ask
    assert "Slow Boat" in owner_client.get(f"/projects/{project.pk}/").content.decode()


def test_a_video_is_fetched_once_when_the_gateway_says_it_is_made(project, gateway):
    task = make_task(project, status="running", upstream_id="up-1", next_poll_at=timezone.now())
    video = {"video_url": "http://cdn.test/v-1.mp4", "is_video_pending": True}
    gateway.answer("up-1", "SUCCESS", clips=[clip("v-1", **video)], progress="100%")

    for _ in range(3):  # the song is done, its video is still being made
        task = poll(task)
    assert task.status == "succeeded" and gateway.count(".mp4") == 0
    assert task.watch_until is not None and task.next_poll_at is not None  # watched, not given up

    gateway.answer("up-1", "SUCCESS", clips=[clip("v-1", **{**video, "is_video_pending": False})])
    task = poll(task)
    task = poll(task)

    made = task.clips.get()
    assert gateway.count(".mp4") == 1 and made.video_state == "stored"
    assert task.next_poll_at is None and task.watch_until is None


def test_a_replaced_section_is_stitched_once_not_at_every_poll_while_its_video_is_watched(
    project, gateway, monkeypatch
):
    from songs.services import ingest

    asked = []
    real = ingest.requests.stitch_request
    monkeypatch.setattr(ingest.requests, "stitch_request", lambda **kw: asked.append(kw) or real(**kw))
    now = timezone.now()
    task = make_task(project, status="running", mode="infill", upstream_id="up-1", next_poll_at=now)
    video = {"video_url": "http://cdn.test/v-1.mp4", "is_video_pending": True}
    gateway.answer("up-1", "SUCCESS", clips=[clip("v-1", **video)], progress="100%")

    for _ in range(3):  # the section is made; its video is still being made, so the task stays watched
        task = poll(task)

    assert task.status == "succeeded" and task.watch_until is not None
    assert len(asked) == 1  # put back into its song once, when it was made
