"""AceDataCloud's callbacks, end to end: the studio -> the AceDataCloud stand-in (which POSTs the finished
task to the studio's callback address, as the family documents) -> the built-in engine, over real HTTP.

A callback only wakes its task: what is stored comes from the family's own record (``retrieve_batch``), so
a forged or repeated callback changes nothing; with callbacks off, polling alone finishes the song."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from songs.gateway.acedata import NO_CALLBACK_URL
from songs.models import Clip, GenerationTask
from tests.e2e.test_flow import request_song
from tests.standins.families import settle
from tests.standins.sunoapi import calling_back
from tests.waiting import until

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def acedata_calling_back(behind_acedata, live_server, settings):
    settings.PUBLIC_BASE_URL = live_server.url  # the studio's address, where the family calls back
    settings.SUNO_CALLBACKS = True
    return behind_acedata


def hook_of(task: GenerationTask) -> str:
    return reverse("songs:gateway_callback", args=[task.callback_token])


def post(client, url: str, body: dict):
    return client.post(url, data=json.dumps(body), content_type="application/json")


def playable(task: GenerationTask) -> bool:
    task.refresh_from_db()
    clips = list(Clip.objects.filter(task=task))
    return task.status == "succeeded" and bool(clips) and all(c.media_state == "stored" for c in clips)


def test_a_song_becomes_playable_woken_by_the_familys_callback(
    project, owner, owner_client, acedata_calling_back, live_server
):
    task = request_song(project, owner, mv="chirp-crow")
    task.refresh_from_db()
    sent = acedata_calling_back.received[-1][1]
    assert sent["callback_url"] == f"{live_server.url}{hook_of(task)}" and task.upstream_id

    with calling_back(acedata_calling_back):  # no poll cycle runs here: the callback wakes it
        until(lambda: playable(task), what="the song playable through its callback alone")

    [(url, body, status)] = acedata_calling_back.callbacks
    assert (url, status, body["task_id"]) == (sent["callback_url"], 200, task.upstream_id)
    page = owner_client.get(reverse("songs:project_detail", args=[project.pk])).content.decode()
    assert all(reverse("songs:clip_media", args=[c.uid, "audio"]) in page for c in task.clips.all())


def test_a_forged_or_repeated_callback_changes_nothing(project, owner, client, acedata_calling_back):
    task = request_song(project, owner, mv="chirp-crow")
    task.refresh_from_db()
    forged = {
        "success": True,
        "task_id": task.upstream_id,
        "data": [{"id": "forged-clip", "title": "Not yours", "audio_url": "https://evil.example/x.mp3",
                  "state": "succeeded"}],
    }  # fmt: skip
    assert post(client, hook_of(task), forged).status_code == 200  # it may wake the task, nothing more
    with calling_back(acedata_calling_back):
        until(lambda: playable(task), what="the song made from the family's own record")
    assert not Clip.objects.filter(upstream_id="forged-clip").exists()
    assert not Clip.objects.filter(audio_url__contains="evil.example").exists()
    titles = set(task.clips.values_list("title", flat=True))
    assert "Not yours" not in titles

    before = GenerationTask.objects.values("status", "changed_at", "polls", "finished_at").get(pk=task.pk)
    clips_before = list(Clip.objects.filter(task=task).values("pk", "audio_file", "updated_at"))
    [(_url, real_body, _status)] = acedata_calling_back.callbacks
    repeated = post(client, hook_of(task), real_body)
    other = post(client, hook_of(task), {**real_body, "task_id": "someone-elses-task"})
    unknown = post(client, reverse("songs:gateway_callback", args=["not-a-token"]), real_body)

    assert (repeated.status_code, repeated.json()["woken"]) == (200, False)  # done already: nothing to wake
    assert (other.status_code, other.json()["woken"]) == (200, False)
    assert unknown.status_code == 404
    assert (
        GenerationTask.objects.values("status", "changed_at", "polls", "finished_at").get(pk=task.pk)
        == before
    )
    assert list(Clip.objects.filter(task=task).values("pk", "audio_file", "updated_at")) == clips_before


def test_with_callbacks_off_polling_alone_finishes_the_song(project, owner, behind_acedata):
    task = request_song(project, owner, mv="chirp-crow")
    assert behind_acedata.received[-1][1]["callback_url"] == NO_CALLBACK_URL
    with calling_back(behind_acedata):  # the family has nowhere to call: it never does
        task = settle(task)
        until(lambda: playable(task), what="the song's copies after polling")
    assert behind_acedata.callbacks == [] and task.status == "succeeded"
