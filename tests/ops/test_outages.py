"""Redis (the job broker) and PostgreSQL going away for a while: nothing is lost, nothing is sent twice,
nothing in flight is failed, and the page says plainly that the work is delayed."""

from __future__ import annotations

import json
from datetime import timedelta

import httpx
import pytest
import redis
from django.db import OperationalError
from django.urls import reverse
from django.utils import timezone

from songs.gateway import client as gateway_client
from songs.management.commands.studio_poller import Command as Poller
from songs.models import GenerationTask
from songs.services import common, polling
from tests.factories import make_task

pytestmark = pytest.mark.django_db

FORM = {"mode": "custom", "lyrics": "[Verse]\nla", "tags": "pop", "title": "City Lights", "mv": "chirp-v3-5"}
HX = {"HTTP_HX_REQUEST": "true"}


class Gateway:
    """The gateway's side of the wire: counts what it was sent, answers like a stock gateway."""

    def __init__(self) -> None:
        self.submits: list[dict] = []
        self.fetches = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/submit/music"):
            self.submits.append(json.loads(request.content))
            return httpx.Response(200, json={"code": "success", "data": f"up-{len(self.submits)}"})
        self.fetches += 1
        ids = json.loads(request.content).get("ids", [])
        data = [{"task_id": i, "status": "IN_PROGRESS", "progress": "10%", "data": []} for i in ids]
        return httpx.Response(200, json={"code": "success", "data": data})


@pytest.fixture
def gateway(settings):
    settings.SUNO_GATEWAY_URL, settings.SUNO_API_FORMAT = "http://gateway.test", "task"
    answering = Gateway()
    gateway_client.transport_override = httpx.MockTransport(answering)
    yield answering
    gateway_client.transport_override = None


class DownBroker:
    def ping(self):
        raise redis.ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    queue_size = ping


@pytest.fixture
def broker(monkeypatch):
    """The job broker, switched off and on: while off, queueing and reading the queue raise as Redis does."""

    class Switch:
        down = False

    real_async_task, real_get_broker = common.async_task, common.get_broker

    def async_task(*args, **kwargs):
        if Switch.down:
            raise redis.ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")
        return real_async_task(*args, **kwargs)

    def get_broker(*args, **kwargs):
        return DownBroker() if Switch.down else real_get_broker(*args, **kwargs)

    monkeypatch.setattr(common, "async_task", async_task)
    monkeypatch.setattr(common, "get_broker", get_broker)
    monkeypatch.setattr(common, "_shared_broker", lambda: get_broker())
    return Switch


def test_a_song_created_while_the_broker_is_down_is_saved_and_sent_once_when_it_is_back(
    owner_client, project, gateway, broker, django_capture_on_commit_callbacks
):
    broker.down = True
    with django_capture_on_commit_callbacks(execute=True):  # its job is queued when the save commits
        response = owner_client.post(reverse("songs:song_create", args=[project.pk]), FORM, **HX)

    assert response.status_code == 200  # Create answers: the request is saved
    task = GenerationTask.objects.get(project=project)
    assert task.status == "queued" and gateway.submits == []
    polling.poll_cycle()  # the broker is still down: nothing is sent, nothing is failed
    task.refresh_from_db()
    assert task.status == "queued" and task.reason_code == "broker_down"
    page = owner_client.get(reverse("songs:project_detail", args=[project.pk])).content.decode()
    assert "the studio&#x27;s job queue cannot be reached right now" in page  # said plainly on the card
    assert "127.0.0.1" not in page

    broker.down = False
    later = timezone.now() + timedelta(seconds=6)
    polling.work_resume_due(now=later)  # the poll cycle queues it; the worker (inline here) sends it
    polling.work_resume_due(now=later + timedelta(minutes=5))  # and never again

    task.refresh_from_db()
    assert len(gateway.submits) == 1 and gateway.submits[0]["title"] == "City Lights"
    assert task.status == "submitted" and task.upstream_id == "up-1" and task.reason_code == ""


def test_a_request_whose_job_waits_for_a_worker_says_so_and_is_not_queued_twice(
    project, gateway, monkeypatch
):
    task = make_task(project, status="queued", upstream_id="", next_poll_at=timezone.now())
    monkeypatch.setattr(common, "jobs_waiting", lambda: {f"submit-{task.pk}"})  # its job is in the queue
    monkeypatch.setattr(polling, "jobs_waiting", lambda: {f"submit-{task.pk}"})

    polling.work_resume_due()

    task.refresh_from_db()
    assert task.status == "queued" and task.reason_code == "worker_busy" and gateway.submits == []


@pytest.mark.django_db(transaction=True)
def test_a_database_blip_while_recording_the_gateways_answer_loses_nothing(project, gateway, monkeypatch):
    """The gateway accepted the song; the database is away for a moment when the worker records it. The
    worker waits and tries again: the song is not lost as "outcome unknown", and is not sent again."""
    monkeypatch.setattr(common, "DB_RETRY_WAITS", (0, 0, 0))
    task = make_task(project, status="queued", upstream_id="")
    real_mark, failures = common.task_mark, []

    def task_mark(task, **fields):
        if fields.get("upstream_id") and len(failures) < 2:
            failures.append(1)
            raise OperationalError("server closed the connection unexpectedly")
        return real_mark(task, **fields)

    monkeypatch.setattr("songs.services.submit.task_mark", task_mark)
    from songs.services import submit

    submit.task_submit(task_pk=task.pk)

    task.refresh_from_db()
    assert len(failures) == 2 and len(gateway.submits) == 1
    assert task.status == "submitted" and task.upstream_id == "up-1"


@pytest.mark.django_db(transaction=True)  # the poller closes broken connections, as it does in production
def test_the_poller_outlives_a_database_outage_and_fails_nothing_in_flight(project, gateway, monkeypatch):
    task = make_task(project, status="running", upstream_id="up-9", next_poll_at=timezone.now())
    real_ingest = polling.tasks_ingest

    def database_away(**kwargs):
        raise OperationalError("could not connect to server: Connection refused")

    monkeypatch.setattr(polling, "tasks_ingest", database_away)
    monkeypatch.setattr(polling, "task_ingest", lambda **kwargs: database_away())
    poller = Poller()
    poller.cycle()  # raises nothing: the loop goes on
    task.refresh_from_db()
    assert task.status == "running" and task.fail_reason == ""

    monkeypatch.setattr(polling, "tasks_ingest", real_ingest)
    GenerationTask.objects.filter(pk=task.pk).update(next_poll_at=timezone.now())  # its claim ran out
    poller.cycle()  # the database is back: the task is fetched again and its answer taken

    task.refresh_from_db()
    assert task.status == "running" and task.progress == "10%" and task.polls >= 1


def test_the_timed_out_reason_counts_its_minutes_in_words(settings):
    from django.utils import translation

    from songs import reasons

    assert "for 1 minute." in reasons.sentence("timed_out", detail="1")
    assert "for 15 minutes." in reasons.sentence("timed_out", detail="15")
    with translation.override("zh-hans"):
        assert "15 分钟" in reasons.sentence("timed_out", detail="15")


def test_a_gateways_reason_never_shows_an_internal_address():
    from songs import reasons

    shown = reasons.sentence("unknown", detail="render failed: Error 111 connecting to 127.0.0.1:9518.")
    assert "127.0.0.1" not in shown and "9518" not in shown and "render failed" in shown
    assert reasons.scrub("chorus at 2:30") == "chorus at 2:30"  # a time is not an address


def test_a_server_error_is_a_plain_page_without_a_traceback(owner_client, project, monkeypatch):
    from songs.services import requests

    def broken(**kwargs):
        raise RuntimeError("secret internals at 10.1.2.3:5432")

    monkeypatch.setattr(requests, "music_requests", broken)
    owner_client.raise_request_exception = False
    response = owner_client.post(reverse("songs:song_create", args=[project.pk]), FORM)

    page = response.content.decode()
    assert response.status_code == 500 and "Something went wrong" in page
    assert "Traceback" not in page and "RuntimeError" not in page and "10.1.2.3" not in page


def test_the_production_server_runs_with_debug_off_unless_told(monkeypatch):
    import os
    import runpy

    environment = {"PORT": "8301"}  # an environment file that does not mention DEBUG
    monkeypatch.setattr(os, "environ", environment)
    runpy.run_path("deploy/gunicorn.conf.py")

    assert environment["DEBUG"] == "false"
