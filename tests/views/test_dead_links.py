"""Links that stop working (Suno since Aug-Sep 2026): a clip ends visible with a reason and "Try again"."""

from __future__ import annotations

import httpx
import pytest

from songs.models import GatewayFeature
from songs.services import copies
from tests.factories import make_complete_clip, make_task, mock_gateway

pytestmark = pytest.mark.django_db
HX = {"HTTP_HX_REQUEST": "true"}


@pytest.mark.parametrize(
    "url", ["https://cdn1.suno.ai/None.mp3", "https://studio.suno.com/api/forbidden", ""]
)
def test_a_link_to_nothing_fails_at_once_with_a_reason_and_no_broken_player(project, owner_client, url):
    clip = make_complete_clip(project, audio_url=url, title="City Lights")
    fetched = []

    copies.clip_media_download(
        clip_pk=clip.pk, gateway=mock_gateway(lambda r: fetched.append(r) or httpx.Response(200))
    )

    clip.refresh_from_db()
    assert fetched == [] and (clip.media_state, clip.media_reason) == ("failed", "media_no_link")
    page = owner_client.get(f"/projects/{project.pk}/").content.decode()
    assert "gave no working link" in page and "Try again" in page
    assert f'src="{url}"' not in page or not url  # no player for a dead link


def test_a_forbidden_link_is_not_retried_and_says_the_audio_link_stopped_working(project, owner_client):
    clip = make_complete_clip(project, audio_url="https://cdn1.suno.ai/a.mp3", title="City Lights")
    calls = []

    copies.clip_media_download(
        clip_pk=clip.pk, gateway=mock_gateway(lambda r: calls.append(r) or httpx.Response(403))
    )

    clip.refresh_from_db()
    assert len(calls) == 1 and (clip.media_state, clip.media_reason) == ("failed", "media_forbidden")
    assert (
        "link to this audio stopped working" in owner_client.get(f"/projects/{project.pk}/").content.decode()
    )


def test_try_again_copies_the_audio_once_the_link_works(
    project, owner_client, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path
    clip = make_complete_clip(project, audio_url="https://cdn1.suno.ai/a.mp3", title="City Lights")
    copies.clip_media_download(clip_pk=clip.pk, gateway=mock_gateway(lambda r: httpx.Response(403)))
    from songs.gateway import client as gateway_client

    gateway_client.transport_override = httpx.MockTransport(
        lambda r: httpx.Response(200, content=b"ID3-audio")
    )
    try:
        with django_capture_on_commit_callbacks(execute=True):
            response = owner_client.post(f"/clips/{clip.uid}/copy-again/", **HX)
    finally:
        gateway_client.transport_override = None

    clip.refresh_from_db()
    assert response.status_code == 200 and clip.media_state == "stored" and clip.audio_file
    assert 'id="poller"' in response.content.decode()  # the page polls again for the card


def test_a_viewer_cannot_try_again(project, client_for, viewer):
    clip = make_complete_clip(project, audio_url="https://cdn1.suno.ai/None.mp3", title="City Lights")
    copies.clip_media_download(clip_pk=clip.pk, gateway=mock_gateway(lambda r: httpx.Response(200)))
    response = client_for(viewer).post(f"/clips/{clip.uid}/copy-again/", **HX)
    clip.refresh_from_db()
    assert response.status_code == 403 and clip.media_state == "failed"


def test_the_upload_panel_is_hidden_once_the_gateway_said_it_takes_no_uploads(
    project, owner_client, settings
):
    assert "Your own audio" in owner_client.get(f"/projects/{project.pk}/").content.decode()
    GatewayFeature.objects.create(
        gateway=settings.SUNO_GATEWAY_URL, name="upload", missing_since="2026-11-30T00:00Z"
    )
    assert "Your own audio" not in owner_client.get(f"/projects/{project.pk}/").content.decode()


def test_a_clip_the_feed_leaves_out_is_not_waited_for_past_the_cap(project, owner_client, settings):
    from datetime import timedelta

    from django.utils import timezone

    from songs.gateway import parse
    from songs.services import ingest

    task = make_task(project, status="running", upstream_id="v2:gen-1:c-ok,c-err")
    task.submitted_at = timezone.now() - timedelta(minutes=settings.TASK_TIMEOUT_MINUTES + 1)
    task.save()
    ok = parse.parse_clip(
        {"id": "c-ok", "status": "complete", "audio_url": "https://cdn/c.mp3", "title": "Kept"}
    )
    answer = parse.v2_task(task.upstream_id, ["c-ok", "c-err"], {"c-ok": ok})  # the error clip is not listed
    assert answer.status == "IN_PROGRESS"

    ingest.task_ingest(task=task, answer=answer)

    task.refresh_from_db()
    assert (task.status, task.reason_code) == ("succeeded", "clip_missing")
    page = owner_client.get(f"/projects/{project.pk}/").content.decode()
    assert "never delivered one of the clips" in page and "Kept" in page
