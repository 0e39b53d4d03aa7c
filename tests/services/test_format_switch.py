"""Switching SUNO_API_FORMAT on a studio with songs: every stored song stays, and a task still in flight
is read the way it was made (its api_format), not the way new requests are sent."""

from __future__ import annotations

import httpx
import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from songs.gateway import parse
from songs.models import GenerationTask
from songs.services import polling
from tests.factories import make_stored_clip, make_task, mock_gateway
from tests.services.test_pipeline import clip_json, task_json

pytestmark = pytest.mark.django_db


def one_gateway_for_all(request: httpx.Request) -> httpx.Response:
    """A gateway that serves every family's read (as the engine serves task and v2 side by side)."""
    path = request.url.path
    if path == "/suno/fetch":
        return httpx.Response(
            200, json={"code": "success", "data": [task_json("task-1", clips=[clip_json("t-a")])]}
        )
    if path == "/suno/v2/feed":
        return httpx.Response(200, json=[clip_json("v-a"), clip_json("v-b")])
    if path == "/api/v1/generate/record-info":
        items = [{"id": "s-a", "audioUrl": "https://cdn.test/s-a.mp3", "title": "S", "duration": 30}]
        data = {"taskId": "kie-1", "status": "SUCCESS", "response": {"sunoData": items}}
        return httpx.Response(200, json={"code": 200, "msg": "success", "data": data})
    return httpx.Response(404, json={"detail": "Not Found"})


@pytest.mark.parametrize("now_format", ["task", "v2", "sunoapi"])
def test_tasks_in_flight_are_read_the_way_they_were_made_after_a_switch(project, settings, now_format):
    settings.SUNO_API_FORMAT = now_format
    due = {"next_poll_at": timezone.now(), "status": "running"}
    made = [
        make_task(project, upstream_id="task-1", api_format="task", **due),
        make_task(
            project, upstream_id=parse.encode_v2_task_id("gen-1", ["v-a", "v-b"]), api_format="v2", **due
        ),
        make_task(project, upstream_id="kie-1", api_format="sunoapi", **due),
    ]
    requests = []

    def gateway(request):
        requests.append(request.url.path)
        return one_gateway_for_all(request)

    polling.tasks_poll_due(gateway=mock_gateway(gateway))

    for task in made:
        task.refresh_from_db()
    assert [task.status for task in made] == ["succeeded"] * 3, [task.fail_reason for task in made]
    assert [sorted(task.clips.values_list("upstream_id", flat=True)) for task in made] == [
        ["t-a"],
        ["v-a", "v-b"],
        ["s-a"],
    ]
    assert sorted(requests) == ["/api/v1/generate/record-info", "/suno/fetch", "/suno/v2/feed"]


@pytest.mark.parametrize("now_format", ["task", "v2", "sunoapi"])
def test_every_stored_song_still_plays_after_a_switch(project, owner, settings, now_format):
    stored = [
        make_stored_clip(make_task(project, status="succeeded", api_format=made)) for made in ("v2", "task")
    ]
    settings.SUNO_API_FORMAT = now_format
    client = Client()
    client.force_login(owner)

    page = client.get(reverse("songs:project_detail", args=[project.pk])).content.decode()

    for clip in stored:
        assert f"/clips/{clip.uid}/audio" in page
        assert client.get(reverse("songs:clip_media", args=[clip.uid, "audio"])).status_code == 200
    assert GenerationTask.objects.count() == 2
