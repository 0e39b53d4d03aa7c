"""Callbacks: an unguessable address per request, only when PUBLIC_BASE_URL is set; a call there only wakes
the task, so a forged one changes nothing; kie's HMAC signature is checked when a key is set."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from datetime import timedelta

import httpx
import pytest
from django.urls import reverse
from django.utils import timezone

from songs.gateway import client as gateway_client
from songs.models import Clip, GenerationTask
from songs.services import submit
from tests.factories import make_task, mock_gateway
from tests.gateway.helpers import Recorder, ok, reply

pytestmark = pytest.mark.django_db

PUBLIC = "https://studio.example.com"


@pytest.fixture
def public(settings):
    settings.PUBLIC_BASE_URL = PUBLIC
    settings.SUNO_CALLBACKS = True
    settings.SUNO_WEBHOOK_HMAC_KEY = ""
    return settings


def queued(project, **fields) -> GenerationTask:
    return make_task(project, status="queued", upstream_id="", next_poll_at=timezone.now(), **fields)


def test_it_gives_each_request_its_own_unguessable_callback_address(project, public):
    recorder = Recorder(reply(200, ok("up-1")), reply(200, ok("up-2")))
    first, second = queued(project), queued(project)
    with mock_gateway(recorder) as gateway:
        submit.task_submit(task_pk=first.pk, gateway=gateway)
        submit.task_submit(task_pk=second.pk, gateway=gateway)
    hooks = [body["notify_hook"] for body in recorder.bodies()]
    first.refresh_from_db()
    assert hooks[0] == f"{PUBLIC}/hooks/gateway/{first.callback_token}/"
    assert hooks[0] != hooks[1] and len(first.callback_token) >= 40


def test_it_sends_no_callback_address_without_a_public_base_url(project, settings):
    settings.PUBLIC_BASE_URL = ""
    recorder = Recorder(reply(200, ok("up-1")))
    task = queued(project)
    with mock_gateway(recorder) as gateway:
        submit.task_submit(task_pk=task.pk, gateway=gateway)
    assert "notify_hook" not in recorder.bodies()[0]
    task.refresh_from_db()
    assert task.callback_token is None


def test_it_sends_none_when_callbacks_are_turned_off(project, public):
    public.SUNO_CALLBACKS = False
    recorder = Recorder(reply(200, ok("up-1")))
    with mock_gateway(recorder) as gateway:
        submit.task_submit(task_pk=queued(project).pk, gateway=gateway)
    assert "notify_hook" not in recorder.bodies()[0]


def running(project, token="tok-" + "x" * 40, **fields) -> GenerationTask:
    later = timezone.now() + timedelta(seconds=30)
    return make_task(project, status="running", callback_token=token, next_poll_at=later, **fields)


def call(client, token: str, body: object, **headers) -> httpx.Response:
    url = reverse("songs:gateway_callback", args=[token])
    return client.post(url, data=json.dumps(body), content_type="application/json", headers=headers)


@pytest.fixture
def no_poll(monkeypatch):
    """The worker's fetch after a wake, recorded instead of run: these tests look at the wake itself."""
    woken = []
    monkeypatch.setattr("songs.services.callbacks.job_enqueue", lambda job, **kw: woken.append(job) or True)
    return woken


def test_a_callback_makes_its_task_due_now_and_asks_a_worker_to_fetch(client, project, public, no_poll):
    task = running(project)
    answer = call(client, task.callback_token, {"task_id": task.upstream_id, "status": "SUCCESS"})
    assert answer.status_code == 200 and answer.json()["woken"] is True
    task.refresh_from_db()
    assert task.next_poll_at <= timezone.now() and no_poll == ["woken"]


def test_a_forged_callback_stores_nothing_it_says(client, project, public, no_poll):
    task = running(project)
    forged = {
        "task_id": task.upstream_id,
        "status": "SUCCESS",
        "data": [{"id": "forged-clip", "status": "complete", "audio_url": "https://evil.test/a.mp3"}],
    }
    assert call(client, task.callback_token, forged).status_code == 200
    task.refresh_from_db()
    assert task.status == "running" and task.upstream_status == ""
    assert not Clip.objects.filter(upstream_id="forged-clip").exists()


def test_an_unknown_callback_address_is_404_and_wakes_nothing(client, project, public, no_poll):
    task = running(project)
    assert call(client, "not-a-token", {"task_id": task.upstream_id}).status_code == 404
    task.refresh_from_db()
    assert task.next_poll_at > timezone.now() and no_poll == []


def test_repeated_and_late_callbacks_are_accepted_and_change_nothing_more(client, project, public, no_poll):
    task = running(project)
    for _ in range(3):
        assert call(client, task.callback_token, {"task_id": task.upstream_id}).status_code == 200
    assert no_poll == ["woken"]  # due already: the later calls queue nothing more
    GenerationTask.objects.filter(pk=task.pk).update(status="succeeded")
    late = call(client, task.callback_token, {"task_id": task.upstream_id})
    assert late.status_code == 200 and late.json()["woken"] is False


def test_a_callback_naming_another_task_wakes_nothing(client, project, public, no_poll):
    task = running(project)
    assert call(client, task.callback_token, {"task_id": "someone-elses"}).json()["woken"] is False
    assert no_poll == []


def test_a_callback_body_that_is_not_json_is_refused_plainly(client, project, public):
    task = running(project)
    url = reverse("songs:gateway_callback", args=[task.callback_token])
    answer = client.post(url, data=b"<html>", content_type="application/json")
    assert answer.status_code == 400 and "not JSON" in answer.json()["msg"]


def signed(task_id: str, key: str, stamp: int) -> dict:
    digest = hmac.new(key.encode(), f"{task_id}.{stamp}".encode(), hashlib.sha256).digest()
    return {"X-Webhook-Timestamp": str(stamp), "X-Webhook-Signature": base64.b64encode(digest).decode()}


@pytest.fixture
def sunoapi_task(project, public):
    public.SUNO_WEBHOOK_HMAC_KEY = "hmac-key-from-kie-settings"
    return running(project, api_format="sunoapi", upstream_id="5c79be8e")


KIE_COMPLETE = {"code": 200, "msg": "All generated successfully.", "data": {"callbackType": "complete"}}


def test_a_kie_callback_with_a_good_signature_wakes_its_task(client, sunoapi_task, no_poll):
    body = {**KIE_COMPLETE, "data": {**KIE_COMPLETE["data"], "task_id": "5c79be8e", "data": []}}
    headers = signed("5c79be8e", "hmac-key-from-kie-settings", int(time.time()))
    assert call(client, sunoapi_task.callback_token, body, **headers).json()["woken"] is True


@pytest.mark.parametrize(
    "headers",
    [
        {},
        signed("5c79be8e", "another-key", int(time.time())),
        signed("5c79be8e", "hmac-key-from-kie-settings", int(time.time()) - 3600),  # replayed an hour on
        signed("other-task", "hmac-key-from-kie-settings", int(time.time())),
    ],
    ids=["unsigned", "wrong key", "stale", "signed for another task"],
)
def test_a_kie_callback_without_a_valid_signature_is_refused(client, sunoapi_task, no_poll, headers):
    body = {**KIE_COMPLETE, "data": {**KIE_COMPLETE["data"], "task_id": "5c79be8e", "data": []}}
    answer = call(client, sunoapi_task.callback_token, body, **headers)
    assert answer.status_code == 401 and no_poll == []


def test_a_woken_task_is_fetched_by_a_worker_and_stored_from_the_gateways_record(
    client, project, public, monkeypatch
):
    task = running(project)
    record = {
        "task_id": task.upstream_id,
        "action": "MUSIC",
        "status": "SUCCESS",
        "progress": "100%",
        "data": [{"id": "real-clip", "status": "complete", "title": "Real", "audio_url": ""}],
    }
    monkeypatch.setattr(
        gateway_client, "transport_override", httpx.MockTransport(Recorder(reply(200, ok([record]))))
    )
    call(client, task.callback_token, {"task_id": task.upstream_id, "data": [{"id": "forged"}]})
    task.refresh_from_db()
    assert task.status == "succeeded" and list(task.clips.values_list("upstream_id", flat=True)) == [
        "real-clip"
    ]


@pytest.fixture
def fresh_trust():
    from django.core.cache import caches

    caches["ops"].clear()
    yield
    caches["ops"].clear()


def poll_once(task: GenerationTask) -> float:
    """Seconds until the task is due again after one poll of an answer that changes nothing."""
    record = {"task_id": task.upstream_id, "action": "MUSIC", "status": "IN_PROGRESS", "data": []}
    GenerationTask.objects.filter(pk=task.pk).update(next_poll_at=timezone.now())
    from songs.services import polling

    polling.tasks_poll_due(gateway=mock_gateway(Recorder(reply(200, ok([record])))))
    task.refresh_from_db()
    return (task.next_poll_at - timezone.now()).total_seconds()


def test_the_safety_net_poll_slows_down_once_callbacks_arrive(client, project, public, no_poll, fresh_trust):
    task = running(project, submitted_at=timezone.now())
    assert poll_once(task) <= 1  # no callback has come yet: every second while young, as ever

    call(client, task.callback_token, {"task_id": task.upstream_id})

    assert 4 < poll_once(task) <= 5  # callbacks arrive: the poll is only a safety net, five times slower


def test_a_relay_that_drops_the_callback_address_is_polled_as_often_as_ever(project, public, fresh_trust):
    task = running(project, submitted_at=timezone.now())
    assert poll_once(task) < 3 and poll_once(task) < 3
